"""Journeys as code: read YAML/JSON documents and apply them by key, optionally publishing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection

from baton.core.documents import parse_document
from baton.core.errors import InvalidInput
from baton.journeys.definitions import JourneyDefinition, dump_journey, parse_journey
from baton.journeys.store import Journey, publish, save_draft
from baton.segments import yaml_diff


def read_journeys(path: Path) -> list[JourneyDefinition]:
    """One journey mapping, or `journeys:` with a list of them."""
    data = parse_document(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InvalidInput(f"{path.name}: expected a mapping at the top")
    items = data.get("journeys", [data])
    if not isinstance(items, list):
        raise InvalidInput("journeys must be a list", field="journeys")
    found = []
    for index, item in enumerate(items):
        try:
            found.append(parse_journey(item))
        except InvalidInput as error:
            if "journeys" not in data:
                raise
            field = f"journeys.{index}.{error.field}" if error.field else f"journeys.{index}"
            raise InvalidInput(f"{field}: {error.message}", field=field) from None
    return found


@dataclass(frozen=True)
class Applied:
    key: str
    action: str  # created | updated | unchanged
    journey: Journey
    diff: str


def apply_journey(
    connection: Connection,
    workspace_id: str,
    definition: JourneyDefinition,
    now: datetime,
    *,
    publish_it: bool,
) -> Applied:
    saved, previous = save_draft(connection, workspace_id, definition, now)
    if previous is None:
        action, diff = "created", ""
    elif dump_journey(previous) == dump_journey(definition):
        action, diff = "unchanged", ""
    else:
        action, diff = "updated", yaml_diff(dump_journey(previous), dump_journey(definition))
    if publish_it and (saved.has_draft or saved.status.value == "draft"):
        saved, _ = publish(connection, workspace_id, definition.key, now)
    return Applied(definition.key, action, saved, diff)
