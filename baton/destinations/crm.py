"""CRM sync: contacts upserted to a generic HTTP CRM, field by field under each field's
conflict rule.

The contract (docs/destinations.md): `GET {url}/contacts/{external_id}` answers 404 or
`{"fields": {...}, "updated_at": {field: ISO 8601}}`; `PUT` of the same shape replaces
the contact. Both are signed like webhooks. The PUT holds the whole merged contact, so a
retry writes the same thing again.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import orjson
from sqlalchemy import Engine, select

from baton.channels.calls import Answer, json_object, judge
from baton.channels.senders import DELIVERED, FAILED, RETRY, Outcome
from baton.core.formats import iso_instant
from baton.destinations.outbound import signed_call
from baton.destinations.settings import ConflictRule, CrmField, CrmSettings, Transform
from baton.destinations.store import Destination
from baton.storage.database import among
from baton.storage.tables import profiles

_EMPTY: tuple[Any, ...] = (None, "", [], {})


def upsert_contacts(
    engine: Engine, destination: Destination, delivery_id: str, items: list[Any], at: datetime
) -> Outcome:
    """Upsert the contacts of a delivery's items, as the profiles are now; the first call
    not answered 2xx decides the outcome (a retry upserts them all again)."""
    settings = destination.settings
    assert isinstance(settings, CrmSettings)
    ids = sorted({item["profile_id"] for item in items})
    with engine.connect() as connection:
        rows = connection.execute(
            select(profiles.c.id, profiles.c.traits, profiles.c.trait_versions).where(
                among(profiles.c.id, ids, connection.dialect), profiles.c.merged_into.is_(None)
            )
        ).all()
    written = 0
    for row in rows:
        traits = row.traits or {}
        external_id = traits.get(settings.id_trait) if settings.id_trait else row.id
        if external_id in _EMPTY:
            continue
        url = f"{settings.url.rstrip('/')}/contacts/{quote(str(external_id), safe='')}"
        message_id = f"{delivery_id}.{row.id}"
        answer = signed_call(settings, "GET", url, message_id, at, b"")
        if isinstance(answer, Outcome):
            return answer
        if answer.status_code == 404:
            held: dict[str, Any] | None = None
        elif 200 <= answer.status_code < 300:
            held = json_object(answer)
        else:
            return _failed(judge(answer), "reading", external_id)
        times = {
            name: datetime.fromtimestamp(int(v[0]) / 1_000_000, UTC)
            for name, v in (row.trait_versions or {}).items()
        }
        contact = merged(settings, traits, times, held)
        if contact is None:
            continue
        body = orjson.dumps(contact)
        put = signed_call(settings, "PUT", url, message_id, at, body)
        outcome = judge(put) if isinstance(put, Answer) else put
        if outcome.status != DELIVERED:
            return _failed(outcome, "writing", external_id)
        written += 1
    return Outcome(DELIVERED, f"{written} contacts written")


def _failed(outcome: Outcome, doing: str, external_id: Any) -> Outcome:
    status = RETRY if outcome.status == RETRY else FAILED
    return Outcome(status, f"{doing} contact {str(external_id)[:100]}: {outcome.detail}")


def merged(
    settings: CrmSettings,
    traits: dict[str, Any],
    times: dict[str, datetime],
    held: dict[str, Any] | None,
) -> dict[str, Any] | None:
    """The contact to write, or None when the CRM holds it already."""
    fields = dict(held.get("fields") or {}) if held is not None else {}
    stamps = dict(held.get("updated_at") or {}) if held is not None else {}
    for name, mapping in settings.fields.items():
        if mapping.trait not in traits:
            continue
        value = _transformed(mapping, traits[mapping.trait])
        at = times.get(mapping.trait)
        if _baton_keeps(mapping.rule, held is None, fields.get(name), stamps.get(name), at):
            fields[name] = value
            if at is not None:
                stamps[name] = iso_instant(at)
    contact = {"fields": fields, "updated_at": stamps}
    if held is not None and fields == (held.get("fields") or {}):
        return None
    return contact


def _baton_keeps(
    rule: ConflictRule, new: bool, theirs: Any, their_time: Any, our_time: datetime | None
) -> bool:
    if new or rule is ConflictRule.BATON_WINS:
        return True
    if rule is ConflictRule.CRM_WINS:
        return False
    if rule is ConflictRule.FILL_EMPTY or theirs in _EMPTY:
        return theirs in _EMPTY
    # newest_wins: a CRM value without a readable time is older than any of ours.
    try:
        theirs_at = datetime.fromisoformat(str(their_time))
    except ValueError:
        return True
    if theirs_at.tzinfo is None:
        theirs_at = theirs_at.replace(tzinfo=UTC)
    return our_time is not None and our_time > theirs_at


def _transformed(mapping: CrmField, value: Any) -> Any:
    if not isinstance(value, str) and mapping.transform is not Transform.STRING:
        return value
    match mapping.transform:
        case Transform.LOWER:
            return value.lower()
        case Transform.UPPER:
            return value.upper()
        case Transform.TRIM:
            return value.strip()
        case Transform.STRING:
            return value if isinstance(value, str) else orjson.dumps(value).decode()
    return value
