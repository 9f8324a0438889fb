"""What identity resolution reads from a stored message: its identifiers and traits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from baton.identity.normalize import (
    ANONYMOUS_ID,
    EMAIL,
    PHONE,
    canonical_traits,
    custom_kind,
    normalize_identifier,
)
from baton.identity.traits import Version, version_of
from baton.storage.tables import events

Identifier = tuple[str, str]  # (kind, canonical value)


@dataclass(frozen=True, slots=True)
class Observation:
    seq: int
    message_id: str
    timestamp: datetime
    user_id: str | None
    # alias(previousId -> userId): the id this user was known by before.
    previous_id: str | None
    # Identifiers other than user_id; they can be shared, so they never merge two users.
    weak: tuple[Identifier, ...]
    traits: dict[str, Any] | None

    @property
    def version(self) -> Version:
        return version_of(self.timestamp, self.message_id)


# What identity resolution reads of an event: the context's traits and externalIds only,
# since whole contexts are the bulk of an event's bytes.
OBSERVED_COLUMNS = (
    events.c.seq,
    events.c.workspace_id,
    events.c.message_id,
    events.c.type,
    events.c.event,
    events.c.user_id,
    events.c.anonymous_id,
    events.c.previous_id,
    events.c.group_id,
    events.c.timestamp,
    events.c.traits,
    events.c.context["traits"].label("context_traits"),
    events.c.context["externalIds"].label("external_ids"),
    events.c.context["device"].label("device"),
    events.c.traceparent,  # for traces (baton/core/tracing.py); NULL while they are off
)


def observe(row: Any, default_region: str) -> Observation:
    """Read a row of OBSERVED_COLUMNS. Invalid e-mails and phones stay traits but identify
    nobody."""
    context_traits = row["context_traits"]
    traits: dict[str, Any] = dict(context_traits) if isinstance(context_traits, dict) else {}
    if row["type"] == "identify" and row["traits"]:
        traits.update(row["traits"])
    elif row["type"] == "group" and row["group_id"]:
        traits.update(groupId=row["group_id"], group=row["traits"] or {})
    traits = canonical_traits(traits)

    weak: list[Identifier] = []
    _add(weak, ANONYMOUS_ID, row["anonymous_id"], default_region)
    if row["type"] == "alias":
        _add(weak, ANONYMOUS_ID, row["previous_id"], default_region)
    _add(weak, EMAIL, traits.get(EMAIL), default_region)
    _add(weak, PHONE, traits.get(PHONE), default_region)
    external_ids = row["external_ids"]
    if isinstance(external_ids, list):
        for external in external_ids:
            if isinstance(external, dict):
                kind = custom_kind(external.get("type"))
                if kind is not None:
                    _add(weak, kind, external.get("id"), default_region)
    return Observation(
        seq=row["seq"],
        message_id=row["message_id"],
        timestamp=row["timestamp"],
        user_id=row["user_id"],
        previous_id=row["previous_id"] if row["type"] == "alias" else None,
        weak=tuple(dict.fromkeys(weak)),
        traits=traits or None,
    )


def _add(found: list[Identifier], kind: str, value: Any, default_region: str) -> None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        canonical = normalize_identifier(kind, value, default_region)
        if canonical is not None and len(canonical) <= 320:
            found.append((kind, canonical))
