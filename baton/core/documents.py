"""Documents people write: JSON, or YAML where a file or a YAML body allows it.

YAML is read without anchors and aliases, and bounded in size: a few hundred bytes of
nested aliases expand to billions of nodes (a "billion laughs"), and Baton's documents
(journeys, segments, templates, policies) never need them.
"""

from __future__ import annotations

from typing import Any

import orjson
import yaml

from baton.core.errors import InvalidInput, PayloadTooLarge

MAX_DOCUMENT_CHARACTERS = 1024 * 1024


class _NoAliases(yaml.SafeLoader):
    """The safe loader, refusing anchors and aliases where it meets them."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.MarkedYAMLError(
                None, None, "anchors and aliases (& and *) are not allowed", event.start_mark
            )
        return super().compose_node(parent, index)


def parse_document(text: str, *, yaml_allowed: bool = True) -> Any:
    """A JSON document, or YAML (a superset of JSON) when allowed."""
    if len(text) > MAX_DOCUMENT_CHARACTERS:
        raise PayloadTooLarge(
            f"the document is longer than {MAX_DOCUMENT_CHARACTERS // 1024} K characters"
        )
    try:
        if not yaml_allowed:
            return orjson.loads(text)
        return yaml.load(text, Loader=_NoAliases)
    except (orjson.JSONDecodeError, yaml.YAMLError) as error:
        kind = "YAML" if yaml_allowed else "JSON"
        raise InvalidInput(f"the body is not valid {kind}: {error}") from None
