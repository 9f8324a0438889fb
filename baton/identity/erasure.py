"""Erasing a person (GDPR article 17) and keeping them erased.

`erase_profile` deletes, in one transaction, the profile and every profile merged into
it, their identifiers (and the identity components only they were seen with), events,
segment memberships, journey instances and steps, messages with their attempts and
decisions, consent and its history, preferences, push tokens, inbox items,
suppressions, broadcast recipients, and what destinations hold about them (their items in
deliveries too, sent or not). What is kept is a receipt with no personal data: the
erased profile ids, when, and how many rows (of deliveries: items) of each kind went.
Audit entries about the person stay, their values blanked.

When the person asks never to be profiled again (`suppress`), the salted digests of
their identifiers are kept: the identity processor drops any new event that carries one,
unread. The salt is the workspace's own and is never shown, so the digests cannot be
matched against a list of addresses elsewhere.

Deleted rows are zeroed on SQLite (secure_delete); `compact_erased` then leaves no copy
in the write-ahead log (SQLite) or in dead row versions (PostgreSQL, `VACUUM FULL`), and
stamps the receipts it covered.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, Text, cast, delete, or_, select, update

from baton.core.errors import NotFound
from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.identity.normalize import EMAIL, PHONE, USER_ID, normalize_identifier
from baton.identity.observations import Identifier, Observation
from baton.identity.profiles import merge_tree, resolve_profile_id
from baton.storage.database import (
    among,
    compact,
    executemany_fast,
    insert_ignoring_duplicates,
    write_transaction,
)
from baton.storage.tables import (
    broadcast_recipients,
    component_users,
    consent_changes,
    consents,
    decisions,
    destination_deliveries,
    destination_inbox,
    destination_items,
    destination_snapshots,
    destinations,
    erased_identifiers,
    erasures,
    events,
    identifiers,
    identity_components,
    inbox_items,
    journey_instances,
    journey_refusals,
    journey_steps,
    merges,
    message_attempts,
    message_decisions,
    messages,
    prediction_scores,
    preferences,
    profile_due,
    profiles,
    push_tokens,
    segment_memberships,
    suppressions,
    user_aliases,
    workspaces,
)
from baton.teams.audit import forget_profile

# Tables that can hold personal data, rewritten by compaction on PostgreSQL.
PERSONAL_TABLES = (
    "events",
    "profiles",
    "identifiers",
    "component_users",
    "user_aliases",
    "merges",
    "journey_instances",
    "journey_steps",
    "journey_refusals",
    "messages",
    "message_attempts",
    "consent_changes",
    "preferences",
    "push_tokens",
    "inbox_items",
    "suppressions",
    "prediction_scores",
    "decisions",
    "destination_inbox",
    "destination_items",
    "destination_snapshots",
    "destination_deliveries",
    "broadcast_recipients",
    "audit_log",
)


def erase_profile(
    connection: Connection,
    workspace_id: str,
    profile_id: str,
    *,
    suppress: bool,
    now: datetime,
    default_region: str,
) -> dict[str, Any]:
    """Erase the person behind `profile_id` (any id of theirs, merged-away ones too);
    returns the receipt."""
    try:
        live = resolve_profile_id(connection, workspace_id, profile_id)
    except NotFound:
        raise NotFound(f"no profile {profile_id!r} in this workspace (erased already?)") from None
    people = merge_tree(connection, workspace_id, live)
    # Locked first, so that a broadcast batch queueing for them either commits before
    # (and its messages are found here) or waits and finds them gone.
    connection.execute(
        select(profiles.c.id)
        .where(among(profiles.c.id, sorted(people), connection.dialect))
        .order_by(profiles.c.id)
        .with_for_update()
    ).all()
    held = _identifiers_of(connection, workspace_id, people, default_region)
    erasure_id = new_id("era", now)
    if suppress:
        salt = _salt(connection, workspace_id)
        digests = {digest(salt, kind, value) for kind, value in held.identifiers | held.own_traits}
        executemany_fast(
            connection,
            insert_ignoring_duplicates(connection, erased_identifiers),
            [
                {"workspace_id": workspace_id, "digest": d, "erasure_id": erasure_id}
                for d in sorted(digests)
            ],
        )
    deleted = _delete_everything(connection, workspace_id, people, held)
    for person in sorted(people):
        forget_profile(connection, workspace_id, person)
    receipt = {
        "id": erasure_id,
        "workspace_id": workspace_id,
        "at": now,
        "profile_ids": sorted(people),
        "suppressed": int(suppress),
        "deleted": deleted,
    }
    connection.execute(erasures.insert().values(receipt))
    return receipt_json(receipt)


def receipt_json(row: Any) -> dict[str, Any]:
    found = dict(row)
    return {
        "erasure_id": found["id"],
        "profile_ids": found["profile_ids"],
        "erased_at": iso_instant(found["at"]),
        "suppressed": bool(found["suppressed"]),
        "deleted": found["deleted"],
        "compacted_at": iso_instant(found.get("compacted_at")),
    }


def get_receipt(connection: Connection, workspace_id: str, erasure_id: str) -> dict[str, Any]:
    row = (
        connection.execute(
            select(erasures).where(
                erasures.c.workspace_id == workspace_id, erasures.c.id == erasure_id
            )
        )
        .mappings()
        .one_or_none()
    )
    if row is None:
        raise NotFound(f"no erasure {erasure_id!r} in this workspace")
    return receipt_json(row)


def compact_erased(engine: Engine, now: datetime) -> int:
    """Compact the database files if erasures happened since the last compaction;
    returns how many erasures it covered."""
    waiting = select(erasures.c.id).where(erasures.c.compacted_at.is_(None))
    with engine.connect() as connection:
        pending = list(connection.execute(waiting).scalars())
    if not pending:
        return 0
    compact(engine, PERSONAL_TABLES)
    with write_transaction(engine) as connection:
        connection.execute(
            update(erasures)
            .where(among(erasures.c.id, pending, connection.dialect))
            .values(compacted_at=now)
        )
    return len(pending)


def digest(salt: str, kind: str, value: str) -> str:
    return hmac.new(salt.encode(), f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


def suppressed(
    connection: Connection, workspace_id: str, observations: Sequence[Observation]
) -> dict[int, str]:
    """The events (by seq) that carry an identifier of a person erased with suppression,
    with the erasure each matches."""
    salt = connection.execute(
        select(workspaces.c.erasure_salt).where(workspaces.c.id == workspace_id)
    ).scalar_one_or_none()
    if salt is None or not observations:
        return {}
    digests: dict[str, list[int]] = {}
    for observation in observations:
        for kind, value in _observed(observation):
            digests.setdefault(digest(salt, kind, value), []).append(observation.seq)
    found = connection.execute(
        select(erased_identifiers.c.digest, erased_identifiers.c.erasure_id).where(
            erased_identifiers.c.workspace_id == workspace_id,
            among(erased_identifiers.c.digest, sorted(digests), connection.dialect),
        )
    )
    return {seq: erasure_id for hit, erasure_id in found for seq in digests[hit]}


def drop_suppressed(connection: Connection, dropped: dict[int, str]) -> None:
    """Delete the events of erased people; their erasures need compacting again, so
    that these events leave no copy either."""
    connection.execute(delete(events).where(events.c.seq.in_(sorted(dropped))))
    connection.execute(
        update(erasures)
        .where(among(erasures.c.id, sorted(set(dropped.values())), connection.dialect))
        .values(compacted_at=None)
    )


def _observed(observation: Observation) -> Iterable[Identifier]:
    if observation.user_id is not None:
        yield USER_ID, observation.user_id
    yield from observation.weak


class _Held:
    """What identifies the person: identifiers to delete (with the components only they
    were seen with), their user ids and anonymous ids, and the e-mails and phones of
    their traits."""

    def __init__(
        self,
        identifiers: set[Identifier],
        components: set[str],
        user_ids: set[str],
        own_traits: set[Identifier],
    ) -> None:
        self.identifiers = identifiers
        self.components = components
        self.user_ids = user_ids
        self.own_traits = own_traits

    @property
    def anonymous_ids(self) -> list[str]:
        return sorted(value for kind, value in self.identifiers if kind == "anonymous_id")


def _identifiers_of(
    connection: Connection, workspace_id: str, people: set[str], default_region: str
) -> _Held:
    """A component seen with other users too (a shared device) stays theirs; only the
    person's own e-mails and phones are taken out of it."""
    dialect = connection.dialect
    ids = sorted(people)
    user_ids = set(
        connection.execute(
            select(identifiers.c.value).where(
                identifiers.c.workspace_id == workspace_id,
                identifiers.c.kind == USER_ID,
                among(identifiers.c.profile_id, ids, dialect),
            )
        ).scalars()
    )
    components = set(
        connection.execute(
            select(identity_components.c.id).where(
                identity_components.c.workspace_id == workspace_id,
                among(identity_components.c.profile_id, ids, dialect),
            )
        ).scalars()
    )
    seen_with: dict[str, set[str]] = {}
    if user_ids:
        theirs = select(component_users.c.component_id).where(
            component_users.c.workspace_id == workspace_id,
            among(component_users.c.user_id, sorted(user_ids), dialect),
        )
        for component_id, user_id in connection.execute(
            select(component_users.c.component_id, component_users.c.user_id).where(
                component_users.c.component_id.in_(theirs.scalar_subquery())
            )
        ):
            seen_with.setdefault(component_id, set()).add(user_id)
    components |= {c for c, users in seen_with.items() if users <= user_ids}
    shared = set(seen_with) - components
    own_traits: set[Identifier] = set()
    for (traits,) in connection.execute(
        select(profiles.c.traits).where(among(profiles.c.id, ids, dialect))
    ):
        for kind in (EMAIL, PHONE):
            value = (traits or {}).get(kind)
            canonical = (
                normalize_identifier(kind, value, default_region)
                if isinstance(value, str)
                else None
            )
            if canonical is not None:
                own_traits.add((kind, canonical))
    found: set[Identifier] = {(USER_ID, user_id) for user_id in user_ids}
    for kind, value, component_id in connection.execute(
        select(identifiers.c.kind, identifiers.c.value, identifiers.c.component_id).where(
            identifiers.c.workspace_id == workspace_id,
            among(identifiers.c.component_id, sorted(components | shared), dialect),
        )
    ):
        if component_id in components or (kind, value) in own_traits:
            found.add((kind, value))
    return _Held(found, components, user_ids, own_traits)


def _delete_everything(
    connection: Connection, workspace_id: str, people: set[str], held: _Held
) -> dict[str, int]:
    dialect = connection.dialect
    ids = sorted(people)
    message_ids = sorted(
        connection.execute(
            select(messages.c.id).where(among(messages.c.profile_id, ids, dialect))
        ).scalars()
    )
    instance_ids = sorted(
        connection.execute(
            select(journey_instances.c.id).where(
                among(journey_instances.c.profile_id, ids, dialect)
            )
        ).scalars()
    )
    components = sorted(held.components)
    user_ids = sorted(held.user_ids)
    pending_events = events.c.profile_id.is_(None) & (
        among(events.c.user_id, user_ids, dialect)
        | among(events.c.anonymous_id, held.anonymous_ids, dialect)
    )
    steps: list[tuple[Table, Any]] = [
        (events, among(events.c.profile_id, ids, dialect)),
        (events, pending_events),
        (message_attempts, among(message_attempts.c.message_id, message_ids, dialect)),
        (message_decisions, among(message_decisions.c.message_id, message_ids, dialect)),
        (messages, among(messages.c.id, message_ids, dialect)),
        (journey_steps, among(journey_steps.c.instance_id, instance_ids, dialect)),
        (journey_instances, among(journey_instances.c.id, instance_ids, dialect)),
        (journey_refusals, among(journey_refusals.c.profile_id, ids, dialect)),
        (segment_memberships, among(segment_memberships.c.profile_id, ids, dialect)),
        (profile_due, among(profile_due.c.profile_id, ids, dialect)),
        (prediction_scores, among(prediction_scores.c.profile_id, ids, dialect)),
        (decisions, among(decisions.c.profile_id, ids, dialect)),
        # What destinations had yet to send about them, and their traits as last sent.
        (destination_inbox, among(destination_inbox.c.profile_id, ids, dialect)),
        (
            destination_items,
            among(destination_items.c.payload["profile_id"].as_string(), ids, dialect),
        ),
        (destination_snapshots, among(destination_snapshots.c.profile_id, ids, dialect)),
        (broadcast_recipients, among(broadcast_recipients.c.profile_id, ids, dialect)),
        (consents, among(consents.c.profile_id, ids, dialect)),
        (consent_changes, among(consent_changes.c.profile_id, ids, dialect)),
        (preferences, among(preferences.c.profile_id, ids, dialect)),
        (push_tokens, among(push_tokens.c.profile_id, ids, dialect)),
        (inbox_items, among(inbox_items.c.profile_id, ids, dialect)),
        (suppressions, among(suppressions.c.profile_id, ids, dialect)),
        (
            merges,
            among(merges.c.survivor_id, ids, dialect) | among(merges.c.merged_id, ids, dialect),
        ),
        (
            user_aliases,
            among(user_aliases.c.user_id, user_ids, dialect)
            | among(user_aliases.c.previous_id, user_ids, dialect),
        ),
        (
            component_users,
            among(component_users.c.component_id, components, dialect)
            | among(component_users.c.user_id, user_ids, dialect),
        ),
        (identity_components, among(identity_components.c.id, components, dialect)),
        (profiles, among(profiles.c.id, ids, dialect)),
    ]
    deleted: dict[str, int] = {}
    for table, where in steps:
        scoped = where if table is not events else where & (events.c.workspace_id == workspace_id)
        count = connection.execute(delete(table).where(scoped)).rowcount
        name = str(table.name)  # a str subclass, which orjson refuses as a key
        deleted[name] = deleted.get(name, 0) + count
    deleted["destination_deliveries"] = _erase_from_deliveries(connection, workspace_id, people)
    deleted["identifiers"] = _delete_identifiers(connection, workspace_id, held.identifiers)
    suppressed_addresses = [
        value for kind, value in held.identifiers | held.own_traits if kind in (EMAIL, PHONE)
    ]
    deleted["suppressions"] += connection.execute(
        delete(suppressions).where(
            suppressions.c.workspace_id == workspace_id,
            among(suppressions.c.address, sorted(suppressed_addresses), dialect),
        )
    ).rowcount
    return deleted


def _erase_from_deliveries(connection: Connection, workspace_id: str, people: set[str]) -> int:
    """Take the person's items out of the deliveries (pending, dead or delivered), a
    delivery left empty with them; returns how many items went. Profile ids are unique
    strings, so a delivery whose text does not hold one is not read."""
    theirs = select(destinations.c.id).where(destinations.c.workspace_id == workspace_id)
    text = cast(destination_deliveries.c["items"], Text)
    found = connection.execute(
        select(destination_deliveries.c.id, destination_deliveries.c["items"]).where(
            destination_deliveries.c.destination_id.in_(theirs.scalar_subquery()),
            or_(*(text.contains(p, autoescape=True) for p in sorted(people))),
        )
    ).all()
    removed = 0
    for delivery_id, items in found:
        kept = [item for item in items if item.get("profile_id") not in people]
        removed += len(items) - len(kept)
        which = destination_deliveries.c.id == delivery_id
        if kept:
            connection.execute(update(destination_deliveries).where(which).values(items=kept))
        else:
            connection.execute(delete(destination_deliveries).where(which))
    return removed


def _delete_identifiers(connection: Connection, workspace_id: str, found: set[Identifier]) -> int:
    by_kind: dict[str, list[str]] = {}
    for kind, value in found:
        by_kind.setdefault(kind, []).append(value)
    count = 0
    for kind, values in sorted(by_kind.items()):
        count += connection.execute(
            delete(identifiers).where(
                identifiers.c.workspace_id == workspace_id,
                identifiers.c.kind == kind,
                among(identifiers.c.value, sorted(values), connection.dialect),
            )
        ).rowcount
    return count


def _salt(connection: Connection, workspace_id: str) -> str:
    salt = connection.execute(
        select(workspaces.c.erasure_salt).where(workspaces.c.id == workspace_id)
    ).scalar_one()
    if salt is None:
        salt = secrets.token_hex(32)
        connection.execute(
            update(workspaces).where(workspaces.c.id == workspace_id).values(erasure_salt=salt)
        )
    return str(salt)
