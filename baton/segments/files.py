"""Definitions kept in YAML files: read them, and apply them by key (create or update)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Connection

from baton.core.errors import InvalidInput
from baton.segments.definitions import Definition, SegmentDefinition
from baton.segments.store import Kind, dump, save_definition

_SECTIONS = {"computed_traits": Kind.COMPUTED_TRAIT, "segments": Kind.SEGMENT}


def read_definitions(path: Path) -> list[Definition]:
    """Computed traits first, then segments, in file order.

    A file holds `computed_traits:` and/or `segments:` lists, or one segment mapping.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InvalidInput(f"{path.name} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path.name}: expected a mapping at the top")
    if not _SECTIONS.keys() & data.keys():
        data = {"segments": [data]}
    return parse_definitions(data)


def parse_definitions(data: dict[str, Any]) -> list[Definition]:
    """The `computed_traits:` and `segments:` lists of a document, in that order."""
    found: list[Definition] = []
    for section, kind in _SECTIONS.items():
        items = data.get(section) or []
        if not isinstance(items, list):
            raise InvalidInput(f"{section} must be a list", field=section)
        for index, item in enumerate(items):
            try:
                found.append(kind.parse(item))
            except InvalidInput as error:
                field = f"{section}.{index}.{error.field}" if error.field else f"{section}.{index}"
                raise InvalidInput(f"{field}: {error.message}", field=field) from None
    return found


@dataclass(frozen=True)
class Applied:
    kind: Kind
    key: str
    action: str  # created | updated | unchanged
    version: int
    diff: str


def apply_definitions(
    connection: Connection, workspace_id: str, items: list[Definition], now: datetime
) -> list[Applied]:
    """Save each definition by key; an unchanged one keeps its version."""
    results = []
    for definition in items:
        kind = Kind.SEGMENT if isinstance(definition, SegmentDefinition) else Kind.COMPUTED_TRAIT
        saved, previous = save_definition(connection, workspace_id, definition, now)
        if previous is None:
            action, diff = "created", ""
        elif previous.version == saved.version:
            action, diff = "unchanged", ""
        else:
            action, diff = "updated", yaml_diff(dump(previous.definition), dump(definition))
        results.append(Applied(kind, definition.key, action, saved.version, diff))
    return results


def yaml_diff(before: dict[str, Any], after: dict[str, Any]) -> str:
    old = yaml.safe_dump(before, sort_keys=False).splitlines(keepends=True)
    new = yaml.safe_dump(after, sort_keys=False).splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, "stored", "file"))
