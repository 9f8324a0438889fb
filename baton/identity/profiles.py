"""Reading unified profiles: by id (following merges), by identifier, by search."""

from __future__ import annotations

import re
from collections import defaultdict
from contextlib import suppress
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    RowMapping,
    String,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)

from baton.core.errors import InvalidInput, NotFound
from baton.core.formats import iso_instant
from baton.core.paging import Page
from baton.identity.normalize import BUILTIN_KINDS, USER_ID, normalize_identifier
from baton.ingest import parse_message
from baton.storage.database import among
from baton.storage.tables import (
    component_users,
    events,
    identifiers,
    identity_components,
    merges,
    profiles,
)

_MAX_MERGE_HOPS = 64


def resolve_profile_id(connection: Connection, workspace_id: str, profile_id: str) -> str:
    """The live profile for an id; a merged-away id answers with its survivor."""
    for _ in range(_MAX_MERGE_HOPS):
        merged_into = connection.execute(
            select(profiles.c.merged_into).where(
                profiles.c.workspace_id == workspace_id, profiles.c.id == profile_id
            )
        ).one_or_none()
        if merged_into is None:
            raise NotFound(f"no profile {profile_id!r} in this workspace")
        if merged_into[0] is None:
            return profile_id
        profile_id = merged_into[0]
    raise NotFound(f"profile {profile_id!r} has a merge chain too long to follow")


def merge_tree(connection: Connection, workspace_id: str, live: str) -> set[str]:
    """The live profile and every profile merged into it, however indirectly."""
    people, frontier = {live}, [live]
    while frontier:
        frontier = [
            found
            for found in connection.execute(
                select(profiles.c.id).where(
                    profiles.c.workspace_id == workspace_id,
                    among(profiles.c.merged_into, frontier, connection.dialect),
                )
            ).scalars()
            if found not in people
        ]
        people.update(frontier)
    return people


def merge_history(connection: Connection, workspace_id: str, live_id: str) -> list[dict[str, Any]]:
    """Every merge that folded a profile into the live profile, directly or through another
    profile merged later, oldest first."""
    tree = sorted(merge_tree(connection, workspace_id, live_id))
    rows = connection.execute(
        select(merges)
        .where(
            merges.c.workspace_id == workspace_id,
            among(merges.c.survivor_id, tree, connection.dialect),
        )
        .order_by(merges.c.created_at, merges.c.id)
    ).mappings()
    return [
        {
            "merged_id": row["merged_id"],
            "into": row["survivor_id"],
            "reason": row["reason"],
            "message_id": row["message_id"],
            "at": iso_instant(row["created_at"]),
        }
        for row in rows
    ]


def get_profile(connection: Connection, workspace_id: str, profile_id: str) -> dict[str, Any]:
    """What identity knows of a profile (the API adds its segments)."""
    live_id = resolve_profile_id(connection, workspace_id, profile_id)
    row = connection.execute(select(profiles).where(profiles.c.id == live_id)).mappings().one()
    held, shared = _identifiers_of(connection, workspace_id, live_id)
    return {
        "id": row["id"],
        "identifiers": held,
        # Identifiers other users were seen with too (a family tablet, a shared inbox):
        # they never merge the users; anonymous activity on them goes to the newest user.
        "shared_identifiers": shared,
        "traits": row["traits"],
        "computed": {
            **(row["computed"] or {}),
            "first_seen_at": iso_instant(row["first_seen"]),
            "last_seen_at": iso_instant(row["last_seen"]),
        },
        "first_seen": iso_instant(row["first_seen"]),
        "last_seen": iso_instant(row["last_seen"]),
        "event_count": row["event_count"],
        "created_at": iso_instant(row["created_at"]),
        "merged_from": _merged_ids(connection, workspace_id, live_id),
    }


def addressing(connection: Connection, workspace_id: str, profile_id: str) -> dict[str, Any] | None:
    """The field that makes a new message resolve to this profile: a user id of it, else
    an anonymous id no other user was seen with; None if it has neither."""
    held, shared = _identifiers_of(connection, workspace_id, profile_id)
    if held.get(USER_ID):
        return {"userId": held[USER_ID][-1]}
    shared_ids = set(shared.get("anonymous_id", []))
    own = [value for value in held.get("anonymous_id", []) if value not in shared_ids]
    return {"anonymousId": own[0]} if own else None


def message_from_baton(
    connection: Connection,
    workspace_id: str,
    profile_id: str,
    fields: dict[str, Any],
    message_id: str,
    now: datetime,
    context: dict[str, Any],
) -> dict[str, Any] | None:
    """An events row for a message Baton itself writes about a profile (a journey's
    trait update, a message's outcome), addressed so identity resolves it to the profile
    like any other; None when the profile has no identifier to address it by."""
    address = addressing(connection, workspace_id, profile_id)
    if address is None:
        return None
    raw = {
        **address,
        **fields,
        "messageId": message_id,
        "timestamp": iso_instant(now),
        "context": context,
    }
    return parse_message(raw, received_at=now, ip=None, size=0).row(workspace_id)


def lookup_profile(
    connection: Connection, workspace_id: str, kind: str, value: str, default_region: str
) -> dict[str, Any]:
    """The profile an identifier belongs to now (for a shared one: its newest user)."""
    canonical = normalize_identifier(kind, value, default_region)
    if canonical is None:
        raise InvalidInput(f"{value!r} is not a valid {kind}", field=kind)
    profile_id = profile_of_identifier(connection, workspace_id, kind, canonical)
    if profile_id is None:
        raise NotFound(f"no profile has {kind} {value!r}")
    return get_profile(connection, workspace_id, profile_id)


def find_profile(
    connection: Connection, workspace_id: str, reference: str, default_region: str
) -> dict[str, Any]:
    """A profile by profile id, user id, e-mail, phone or anonymous id, tried in that order."""
    if reference.startswith("prof_"):
        try:
            return get_profile(connection, workspace_id, reference)
        except NotFound:
            pass
    for kind in (USER_ID, "email", "phone", "anonymous_id"):
        canonical = normalize_identifier(kind, reference, default_region)
        if canonical is None:
            continue
        profile_id = profile_of_identifier(connection, workspace_id, kind, canonical)
        if profile_id is not None:
            return get_profile(connection, workspace_id, profile_id)
    raise NotFound(f"no profile matches {reference!r}")


# How many live profiles one page of a trait search reads at most: a rare value is sought
# over several pages, never by one request reading the whole workspace.
TRAIT_SCAN = 10_000
# A trait name, dots reaching into nested objects (`address.city`); quotes, backslashes,
# commas and braces would break the JSON paths of SQLite and PostgreSQL.
_TRAIT_NAME = re.compile(r'^[^"\\,{}]{1,200}$')


def search_profiles(
    connection: Connection,
    workspace_id: str,
    query: str | None,
    after: str | None,
    limit: int,
    *,
    default_region: str,
    trait: tuple[str, str] | None = None,
) -> Page[dict[str, Any], str]:
    """Live profiles by id, from the one after the profile id `after`: those that `query`
    names (a profile id or identifier, or text their traits contain) and whose trait
    `trait[0]` has the value `trait[1]` (both compared without regard to case).

    A trait search reads `TRAIT_SCAN` profiles at most: its page may hold fewer than
    `limit`, or none, and still have a next one."""
    window = select(profiles.c.id, profiles.c.traits).where(
        profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None)
    )
    if after is not None:
        window = window.where(profiles.c.id > after)
    if trait is not None:
        window = window.order_by(profiles.c.id).limit(TRAIT_SCAN)
    read = window.subquery()
    conditions = _query_conditions(connection, workspace_id, read.c, query, default_region)
    if trait is not None:
        conditions.append(_trait_equals(read.c.traits, *trait, connection.dialect.name))
    ids = (
        connection.execute(
            select(read.c.id).where(*conditions).order_by(read.c.id).limit(limit + 1)
        )
        .scalars()
        .all()
    )
    page = ids[:limit]
    next_after = page[-1] if len(ids) > limit else None
    if next_after is None and trait is not None:
        count, last = connection.execute(select(func.count(), func.max(read.c.id))).one()
        next_after = last if count == TRAIT_SCAN else None
    return Page([get_profile(connection, workspace_id, found) for found in page], next_after)


def _query_conditions(
    connection: Connection,
    workspace_id: str,
    columns: Any,
    query: str | None,
    default_region: str,
) -> list[ColumnElement[bool]]:
    if not query or not query.strip():
        return []
    needle = query.strip().lower()
    matching_ids = _identifier_matches(connection, workspace_id, query.strip(), default_region)
    return [
        or_(
            columns.id.in_(matching_ids),
            func.lower(cast(columns.traits, String)).contains(needle, autoescape=True),
        )
    ]


def _trait_path(name: str) -> tuple[str, ...]:
    if not _TRAIT_NAME.match(name) or any(part == "" for part in name.split(".")):
        raise InvalidInput(
            "a trait name is 1-200 characters without quotes, backslashes, commas, braces "
            "or empty parts between dots",
            field="trait",
        )
    return tuple(name.split("."))


def _trait_equals(
    traits: ColumnElement[Any], name: str, value: str, dialect: str
) -> ColumnElement[bool]:
    path = _trait_path(name)
    text: ColumnElement[Any]
    if dialect == "postgresql":
        # Each key an argument of its own: in a path literal (`#>>`) PostgreSQL would drop
        # the spaces around a key and read the key `null` as SQL NULL.
        text = func.jsonb_extract_path_text(traits, *path)
    else:
        # SQLite reads JSON true and false as 1 and 0; PostgreSQL as 'true' and 'false'.
        kind = func.json_type(traits, "$" + "".join(f'."{part}"' for part in path))
        text = case((kind.in_(("true", "false")), kind), else_=traits[path].as_string())
    # Both sides through the database's lower(): SQLite's folds only ASCII letters, and a
    # value Python lowered would miss `Évora` even spelled as stored.
    return func.lower(text) == func.lower(value.strip())


EventKey = tuple[datetime, int]
"""Where an event sits in a profile's timeline: (timestamp, seq)."""


def profile_events(
    connection: Connection,
    workspace_id: str,
    profile_id: str,
    after: EventKey | None,
    limit: int,
) -> Page[RowMapping, EventKey]:
    """The profile's `events` rows, newest first, from the one after `after`."""
    live_id = resolve_profile_id(connection, workspace_id, profile_id)
    conditions = [events.c.workspace_id == workspace_id, events.c.profile_id == live_id]
    if after is not None:
        instant, seq = after
        conditions.append(
            or_(
                events.c.timestamp < instant,
                and_(events.c.timestamp == instant, events.c.seq < seq),
            )
        )
    rows = (
        connection.execute(
            select(events)
            .where(*conditions)
            .order_by(events.c.timestamp.desc(), events.c.seq.desc())
            .limit(limit + 1)
        )
        .mappings()
        .all()
    )
    page = list(rows[:limit])
    last = page[-1] if len(rows) > limit else None
    return Page(page, None if last is None else (last["timestamp"], last["seq"]))


def profile_of_identifier(
    connection: Connection, workspace_id: str, kind: str, value: str
) -> str | None:
    row = connection.execute(
        select(identifiers.c.profile_id, identifiers.c.component_id).where(
            identifiers.c.workspace_id == workspace_id,
            identifiers.c.kind == kind,
            identifiers.c.value == value,
        )
    ).one_or_none()
    if row is None:
        return None
    if row.profile_id is not None:
        return str(row.profile_id)
    newest_user = connection.execute(
        select(component_users.c.user_id)
        .where(component_users.c.component_id == row.component_id)
        .order_by(component_users.c.first_seen.desc(), component_users.c.user_id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if newest_user is not None:
        return profile_of_identifier(connection, workspace_id, USER_ID, newest_user)

    return connection.execute(
        select(identity_components.c.profile_id).where(identity_components.c.id == row.component_id)
    ).scalar_one_or_none()


def _identifiers_of(
    connection: Connection, workspace_id: str, profile_id: str
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """User ids pointing at the profile, and every weak identifier of a component that is
    the profile's anonymous component or was seen with one of its users; then those of
    the weak identifiers that other users were seen with as well."""
    user_ids = (
        connection.execute(
            select(identifiers.c.value).where(
                identifiers.c.workspace_id == workspace_id,
                identifiers.c.profile_id == profile_id,
                identifiers.c.kind == USER_ID,
            )
        )
        .scalars()
        .all()
    )

    components = (
        select(component_users.c.component_id)
        .where(
            component_users.c.workspace_id == workspace_id, component_users.c.user_id.in_(user_ids)
        )
        .union(
            select(identity_components.c.id).where(
                identity_components.c.workspace_id == workspace_id,
                identity_components.c.profile_id == profile_id,
            )
        )
    )
    rows = connection.execute(
        select(identifiers.c.kind, identifiers.c.value, identifiers.c.component_id)
        .where(
            identifiers.c.workspace_id == workspace_id,
            identifiers.c.component_id.in_(components.scalar_subquery()),
        )
        .order_by(identifiers.c.kind, identifiers.c.value)
    ).all()
    shared_components = set(
        connection.execute(
            select(component_users.c.component_id)
            .where(component_users.c.component_id.in_({row.component_id for row in rows}))
            .group_by(component_users.c.component_id)
            .having(func.count() > 1)
        ).scalars()
    )
    found: dict[str, list[str]] = defaultdict(list)
    found[USER_ID].extend(sorted(user_ids))
    shared: dict[str, list[str]] = defaultdict(list)
    for kind, value, component_id in rows:
        found[kind].append(value)
        if component_id in shared_components:
            shared[kind].append(value)
    held = {kind: values for kind, values in found.items() if values or kind in BUILTIN_KINDS}
    return held, dict(shared)


def _identifier_matches(
    connection: Connection, workspace_id: str, query: str, default_region: str
) -> list[str]:
    """The live profiles `query` names: as a profile id, or as an identifier, in any case
    and, for an e-mail or phone, in any of its spellings."""
    found: set[str] = set()
    with suppress(NotFound):
        found.add(resolve_profile_id(connection, workspace_id, query))
    rows = connection.execute(
        select(identifiers.c.kind, identifiers.c.value).where(
            identifiers.c.workspace_id == workspace_id,
            func.lower(identifiers.c.value) == func.lower(query),
        )
    ).all()
    spelled = [
        (kind, canonical)
        for kind in ("email", "phone")
        if (canonical := normalize_identifier(kind, query, default_region)) is not None
    ]
    for kind, value in [*rows, *spelled]:
        profile_id = profile_of_identifier(connection, workspace_id, kind, value)
        if profile_id is not None:
            found.add(profile_id)
    return sorted(found)


def _merged_ids(connection: Connection, workspace_id: str, profile_id: str) -> list[str]:
    return list(
        connection.execute(
            select(profiles.c.id)
            .where(profiles.c.workspace_id == workspace_id, profiles.c.merged_into == profile_id)
            .order_by(profiles.c.id)
        ).scalars()
    )
