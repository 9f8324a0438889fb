"""Documents people write: JSON, or YAML where a file or a YAML body allows it."""

from __future__ import annotations

from typing import Any

import orjson
import yaml

from baton.core.errors import InvalidInput


def parse_document(text: str, *, yaml_allowed: bool = True) -> Any:
    """A JSON document, or YAML (a superset of JSON) when allowed."""
    try:
        if not yaml_allowed:
            return orjson.loads(text)
        return yaml.safe_load(text)
    except (orjson.JSONDecodeError, yaml.YAMLError) as error:
        kind = "YAML" if yaml_allowed else "JSON"
        raise InvalidInput(f"the body is not valid {kind}: {error}") from None
