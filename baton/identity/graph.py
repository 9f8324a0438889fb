"""The identity graph of one workspace: messages resolved to profiles, batch by batch.

Rules (docs/identity.md explains them for users):
- A `user_id` is a person. Two user ids never fuse, except through an explicit `alias`.
- Weak identifiers (anonymous id, e-mail, phone, custom kinds) that appear together in a
  message without a user id form a *component*. Each user seen with any identifier of a
  component is recorded with the time it was first seen there.
- A component no user was seen with is an anonymous profile. A component seen with one
  user belongs to that user's profile. A component seen with several users (a shared
  device, a family e-mail) is split in time: an anonymous message goes to the user who most
  recently started using the component before the message, or to the first user for
  messages older than every user.
Every input to these rules is a property of the set of messages (times, ids), never of the
order of processing, so the resulting grouping is order-independent.

The graph caches what it reads and keeps what it changes in memory; `flush` writes it all
with a handful of bulk statements. It relies on nobody else changing what it read before
its flush: on SQLite one processor runs at a time; on PostgreSQL the processor locks
`parts()` and resolves again until it held them all before reading (see processor.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Connection,
    bindparam,
    case,
    delete,
    insert,
    or_,
    select,
    update,
)

from baton.core.batches import chunked
from baton.core.ids import new_id
from baton.identity.locks import Part
from baton.identity.normalize import ANONYMOUS_ID, USER_ID
from baton.identity.observations import OBSERVED_COLUMNS, Identifier, Observation, observe
from baton.identity.traits import TraitMap
from baton.storage.database import among, executemany_fast, insert_ignoring_duplicates
from baton.storage.tables import (
    Instant,
    component_users,
    events,
    identifiers,
    identity_components,
    merges,
    profiles,
    segment_memberships,
    user_aliases,
)
from baton.timeline import follow_merges

_CHUNK = 500


@dataclass
class ProfileState:
    """The aggregate a profile keeps of its events."""

    traits: TraitMap = field(default_factory=TraitMap)
    event_count: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None

    def add_event(self, observation: Observation) -> None:
        self.event_count += 1
        self._widen(observation.timestamp, observation.timestamp)
        if observation.traits:
            self.traits.write(observation.traits, observation.version)

    def absorb(self, other: ProfileState) -> None:
        self.event_count += other.event_count
        if other.first_seen is not None and other.last_seen is not None:
            self._widen(other.first_seen, other.last_seen)
        self.traits.absorb(other.traits)

    def _widen(self, first: datetime, last: datetime) -> None:
        if self.first_seen is None or first < self.first_seen:
            self.first_seen = first
        if self.last_seen is None or last > self.last_seen:
            self.last_seen = last


@dataclass(frozen=True)
class _Merge:
    survivor: str
    merged: str
    reason: str
    message_id: str


_INSERT_PROFILE = insert(profiles)
_INSERT_IDENTIFIER = insert(identifiers)
_INSERT_COMPONENT = insert(identity_components)
_INSERT_COMPONENT_USER = insert(component_users)
_INSERT_MERGE = insert(merges)
_SAVE_PROFILE = (
    update(profiles)
    .where(profiles.c.id == bindparam("b_id"))
    .values(
        traits=bindparam("b_traits"),
        trait_versions=bindparam("b_versions"),
        event_count=bindparam("b_count"),
        first_seen=bindparam("b_first"),
        last_seen=bindparam("b_last"),
        updated_at=bindparam("b_now"),
    )
)
_FIRST = bindparam("b_first", type_=Instant())
_LAST = bindparam("b_last", type_=Instant())
_BUMP_PROFILE = (
    update(profiles)
    .where(profiles.c.id == bindparam("b_id"))
    .values(
        event_count=profiles.c.event_count + bindparam("b_count", type_=BigInteger()),
        first_seen=case(
            (or_(profiles.c.first_seen.is_(None), profiles.c.first_seen > _FIRST), _FIRST),
            else_=profiles.c.first_seen,
        ),
        last_seen=case(
            (or_(profiles.c.last_seen.is_(None), profiles.c.last_seen < _LAST), _LAST),
            else_=profiles.c.last_seen,
        ),
        updated_at=bindparam("b_now", type_=Instant()),
    )
)
_ASSIGN_EVENT = (
    update(events)
    .where(events.c.seq == bindparam("b_seq"))
    .values(profile_id=bindparam("b_profile"))
)
_REDIRECT_COMPONENT = (
    update(identifiers)
    .where(
        identifiers.c.workspace_id == bindparam("b_ws"),
        identifiers.c.component_id == bindparam("b_dead"),
    )
    .values(component_id=bindparam("b_root"))
)
_UPDATE_COMPONENT = (
    update(identity_components)
    .where(identity_components.c.id == bindparam("b_id"))
    .values(profile_id=bindparam("b_profile"))
)
_DELETE_COMPONENT = delete(identity_components).where(identity_components.c.id == bindparam("b_id"))
_DELETE_COMPONENT_USERS = delete(component_users).where(
    component_users.c.component_id == bindparam("b_id")
)
# A merge moves events and user ids to the survivor, then points the merged profile (and
# profiles merged into it earlier) at the survivor: separate statements, each on an index.
_MOVE_TO_SURVIVOR = [
    update(table)
    .where(table.c.workspace_id == bindparam("b_ws"), column == bindparam("b_merged"))
    .values({target: bindparam("b_root")})
    for table, column, target in (
        (events, events.c.profile_id, "profile_id"),
        (identifiers, identifiers.c.profile_id, "profile_id"),
        (profiles, profiles.c.id, "merged_into"),
        (profiles, profiles.c.merged_into, "merged_into"),
    )
]


# Segment memberships move with the events: the person was already in those segments, so
# the survivor is too, without a second `Segment Entered` (the first moved with the events).
_SURVIVOR_MEMBERSHIPS = segment_memberships.alias("survivor_memberships")
_MOVE_MEMBERSHIPS = (
    update(segment_memberships)
    .where(
        segment_memberships.c.workspace_id == bindparam("b_ws"),
        segment_memberships.c.profile_id == bindparam("b_merged"),
        segment_memberships.c.segment_id.not_in(
            select(_SURVIVOR_MEMBERSHIPS.c.segment_id).where(
                _SURVIVOR_MEMBERSHIPS.c.profile_id == bindparam("b_root")
            )
        ),
    )
    .values(profile_id=bindparam("b_root"))
)
_DROP_MEMBERSHIPS = delete(segment_memberships).where(
    segment_memberships.c.workspace_id == bindparam("b_ws"),
    segment_memberships.c.profile_id == bindparam("b_merged"),
)


class IdentityGraph:
    def __init__(self, connection: Connection, workspace_id: str, now: datetime) -> None:
        self._db = connection
        self._ws = workspace_id
        self._now = now
        # Read caches (None = known to be absent).
        self._user_profile: dict[str, str | None] = {}
        self._component_of: dict[Identifier, str | None] = {}
        self._component_users: dict[str, dict[str, datetime]] = {}
        self._component_profile: dict[str, str | None] = {}
        self._aliases: dict[str, set[str]] = {}
        # Changes, written by flush().
        self._component_parent: dict[str, str] = {}
        self._profile_parent: dict[str, str] = {}
        self._new_profiles: set[str] = set()
        self._new_users: set[str] = set()
        self._new_identifiers: dict[Identifier, datetime] = {}
        self._new_components: set[str] = set()
        self._changed_components: set[str] = set()
        self._new_aliases: set[tuple[str, str]] = set()
        self._merges: list[_Merge] = []
        self._assignments: list[tuple[int, str]] = []
        self._deltas: dict[str, ProfileState] = defaultdict(ProfileState)
        # Every profile flush() changed: events, traits, merges (the merged-away too).
        self.changed_profiles: set[str] = set()

    # -- public -------------------------------------------------------------------------

    def resolve_all(self, observations: Sequence[Observation]) -> None:
        """Resolve each message to a profile; nothing is written before `flush`."""
        self._prefetch(observations)
        for observation in observations:
            profile_id = self._resolve(observation)
            self._assignments.append((observation.seq, profile_id))
            self._deltas[profile_id].add_event(observation)

    def parts(self) -> set[Part]:
        """What concurrent processors lock (locks.py): every identifier this batch found
        absent, and every stored profile it read.

        A stored identifier or component needs no lock of its own: it leads to a profile
        (its user's, the component's anonymous one or its users'), and whoever changes
        it, or the aliases of its user, reads and locks that profile first.
        """
        ws = self._ws
        absent_users = self._new_users | {u for u, p in self._user_profile.items() if p is None}
        found: set[Part] = {("identifier", ws, USER_ID, u) for u in absent_users}
        found.update(
            ("identifier", ws, kind, value)
            for (kind, value), component_id in self._component_of.items()
            if component_id is None or (kind, value) in self._new_identifiers
        )
        stored_profiles = {*self._user_profile.values(), *self._component_profile.values()}
        found.update(
            ("profile", p) for p in stored_profiles if p is not None and p not in self._new_profiles
        )
        return found

    def profiles_of(self, seqs: Collection[int]) -> dict[int, str]:
        """The live profile each of these events resolved to (after `resolve_all`)."""
        return {seq: self._profile_root(p) for seq, p in self._assignments if seq in seqs}

    def flush(self, connection: Connection, default_region: str) -> None:
        """Write everything `resolve_all` decided, inside the caller's write transaction."""
        self._db = connection
        self._write_structure()
        self._write_merges()
        self._write_profiles()
        assign_events(self._db, [(seq, self._profile_root(p)) for seq, p in self._assignments])
        for component_id in sorted(self._changed_components):
            if component_id not in self._component_parent:
                self._split_shared_component(component_id, default_region)

    # -- resolution ---------------------------------------------------------------------

    def _resolve(self, observation: Observation) -> str:
        components = [self._component(identifier, observation) for identifier in observation.weak]
        user_id = observation.user_id
        if user_id is None:
            root = components[0]
            for other in components[1:]:
                root = self._union(root, other, observation)
            if root in self._changed_components:
                self._settle(root, observation)
            return self._owner(root, observation.timestamp)

        profile_id = self._user_profile_of(user_id)
        if profile_id is None:
            profile_id = self._create_user(user_id, components, observation)
        if observation.previous_id is not None:
            self._record_alias(observation.previous_id, user_id, observation)
        for component_id in components:
            seen = self._users_of(component_id)
            first = seen.get(user_id)
            if first is None or observation.timestamp < first:
                seen[user_id] = observation.timestamp
                self._changed_components.add(component_id)
                self._settle(component_id, observation)
        return self._profile_root(profile_id)

    def _component(self, identifier: Identifier, observation: Observation) -> str:
        component_id = self._component_of.get(identifier)
        if component_id is None:
            component_id = new_id("cmp", self._now)
            self._component_of[identifier] = component_id
            self._new_identifiers[identifier] = observation.timestamp
            self._new_components.add(component_id)
            self._changed_components.add(component_id)
            self._component_users[component_id] = {}
            self._component_profile[component_id] = None
        return self._component_root(component_id)

    def _union(self, left: str, right: str, observation: Observation) -> str:
        if left == right:
            return left
        root, loser = sorted((left, right))
        self._component_parent[loser] = root
        users = self._users_of(root)
        for user_id, first in self._users_of(loser).items():
            if user_id not in users or first < users[user_id]:
                users[user_id] = first
        kept, dropped = self._component_profile[root], self._component_profile[loser]
        if kept is not None and dropped is not None:
            kept = self._merge(kept, dropped, "identifiers seen together", observation)
        self._component_profile[root] = kept or dropped
        self._changed_components.add(root)
        return root

    def _settle(self, component_id: str, observation: Observation) -> None:
        """Give a changed component the profile its users call for."""
        users = self._users_of(component_id)
        anonymous = self._component_profile[component_id]
        if not users:
            if anonymous is None:
                self._component_profile[component_id] = self._new_profile()
            return
        if anonymous is not None:
            first_user = min(users, key=lambda u: (users[u], u))
            first_profile = self._user_profile_of(first_user)
            assert first_profile is not None
            self._merge(first_profile, anonymous, "anonymous activity identified", observation)
            self._component_profile[component_id] = None

    def _owner(self, component_id: str, timestamp: datetime) -> str:
        users = self._users_of(component_id)
        if not users:
            anonymous = self._component_profile[component_id]
            assert anonymous is not None
            return self._profile_root(anonymous)
        ordered = sorted(users, key=lambda u: (users[u], u))
        owner = ordered[0]
        for user_id in ordered[1:]:
            if users[user_id] > timestamp:
                break
            owner = user_id
        profile_id = self._user_profile_of(owner)
        assert profile_id is not None
        return self._profile_root(profile_id)

    def _create_user(self, user_id: str, components: list[str], observation: Observation) -> str:
        # Adopt the anonymous profile of a component seen with nobody yet, so a sign-up
        # keeps the profile its anonymous browsing built instead of merging into a new one.
        adoptable = [
            self._component_profile[c]
            for c in components
            if not self._users_of(c) and self._component_profile[c] is not None
        ]
        profile_id = (
            min(p for p in adoptable if p is not None) if adoptable else self._new_profile()
        )
        self._user_profile[user_id] = profile_id
        self._new_users.add(user_id)
        for other in self._aliases_of(user_id):
            other_profile = self._user_profile_of(other)
            if other_profile is not None:
                profile_id = self._merge(profile_id, other_profile, "alias", observation)
        return profile_id

    def _record_alias(self, previous_id: str, user_id: str, observation: Observation) -> None:
        if (previous_id, user_id) in self._new_aliases or previous_id == user_id:
            return
        self._new_aliases.add((previous_id, user_id))
        self._aliases_of(previous_id).add(user_id)
        self._aliases_of(user_id).add(previous_id)
        previous_profile = self._user_profile_of(previous_id)
        current_profile = self._user_profile_of(user_id)
        if previous_profile is not None and current_profile is not None:
            self._merge(current_profile, previous_profile, "alias", observation)

    def _merge(self, left: str, right: str, reason: str, observation: Observation) -> str:
        """Merge two profiles; the older one (smaller time-ordered id) survives."""
        left, right = self._profile_root(left), self._profile_root(right)
        if left == right:
            return left
        survivor, merged = sorted((left, right))
        self._profile_parent[merged] = survivor
        self._merges.append(_Merge(survivor, merged, reason, observation.message_id))
        return survivor

    def _new_profile(self) -> str:
        profile_id = new_id("prof", self._now)
        self._new_profiles.add(profile_id)
        return profile_id

    # -- cached reads -------------------------------------------------------------------

    def _component_root(self, component_id: str) -> str:
        while component_id in self._component_parent:
            component_id = self._component_parent[component_id]
        return component_id

    def _profile_root(self, profile_id: str) -> str:
        while profile_id in self._profile_parent:
            profile_id = self._profile_parent[profile_id]
        return profile_id

    def _user_profile_of(self, user_id: str) -> str | None:
        if user_id not in self._user_profile:
            self._load_users([user_id])
        profile_id = self._user_profile[user_id]
        return None if profile_id is None else self._profile_root(profile_id)

    def _users_of(self, component_id: str) -> dict[str, datetime]:
        return self._component_users[component_id]

    def _aliases_of(self, user_id: str) -> set[str]:
        if user_id not in self._aliases:
            self._load_aliases([user_id])
        return self._aliases[user_id]

    def _prefetch(self, observations: Sequence[Observation]) -> None:
        user_ids: set[str] = set()
        weak: set[Identifier] = set()
        for observation in observations:
            if observation.user_id is not None:
                user_ids.add(observation.user_id)
            if observation.previous_id is not None:
                user_ids.add(observation.previous_id)
            weak.update(observation.weak)
        self._load_users(sorted(user_ids - self._user_profile.keys()))
        self._load_aliases(sorted(user_ids - self._aliases.keys()))
        self._load_identifiers(sorted(weak - self._component_of.keys()))

    def _load_users(self, user_ids: Sequence[str]) -> None:
        for chunk in chunked(user_ids, _CHUNK):
            self._user_profile.update(dict.fromkeys(chunk))
            rows = self._db.execute(
                select(identifiers.c.value, identifiers.c.profile_id).where(
                    identifiers.c.workspace_id == self._ws,
                    identifiers.c.kind == USER_ID,
                    among(identifiers.c.value, chunk, self._db.dialect),
                )
            )
            self._user_profile.update({value: profile_id for value, profile_id in rows.all()})

    def _load_aliases(self, user_ids: Sequence[str]) -> None:
        for chunk in chunked(user_ids, _CHUNK):
            for user_id in chunk:
                self._aliases.setdefault(user_id, set())
            rows = self._db.execute(
                select(user_aliases.c.previous_id, user_aliases.c.user_id).where(
                    user_aliases.c.workspace_id == self._ws,
                    or_(
                        among(user_aliases.c.previous_id, chunk, self._db.dialect),
                        among(user_aliases.c.user_id, chunk, self._db.dialect),
                    ),
                )
            )
            for previous_id, user_id in rows.all():
                self._aliases.setdefault(previous_id, set()).add(user_id)
                self._aliases.setdefault(user_id, set()).add(previous_id)

    def _load_identifiers(self, wanted: Sequence[Identifier]) -> None:
        self._component_of.update(dict.fromkeys(wanted))
        by_kind: dict[str, list[str]] = defaultdict(list)
        for kind, value in wanted:
            by_kind[kind].append(value)
        found: set[str] = set()
        for kind, values in sorted(by_kind.items()):
            for chunk in chunked(values, _CHUNK):
                rows = self._db.execute(
                    select(identifiers.c.value, identifiers.c.component_id).where(
                        identifiers.c.workspace_id == self._ws,
                        identifiers.c.kind == kind,
                        among(identifiers.c.value, chunk, self._db.dialect),
                    )
                )
                for value, component_id in rows.all():
                    self._component_of[(kind, value)] = component_id
                    found.add(component_id)
        self._load_components(sorted(found - self._component_users.keys()))

    def _load_components(self, component_ids: Sequence[str]) -> None:
        users_to_load: set[str] = set()
        for chunk in chunked(component_ids, _CHUNK):
            for component_id in chunk:
                self._component_users[component_id] = {}
            rows = self._db.execute(
                select(identity_components.c.id, identity_components.c.profile_id).where(
                    among(identity_components.c.id, chunk, self._db.dialect)
                )
            )
            self._component_profile.update({cid: profile_id for cid, profile_id in rows.all()})
            seen = self._db.execute(
                select(
                    component_users.c.component_id,
                    component_users.c.user_id,
                    component_users.c.first_seen,
                ).where(among(component_users.c.component_id, chunk, self._db.dialect))
            )
            for component_id, user_id, first_seen in seen.all():
                self._component_users[component_id][user_id] = first_seen
                users_to_load.add(user_id)
        self._load_users(sorted(users_to_load - self._user_profile.keys()))

    # -- writes -------------------------------------------------------------------------

    def _write_structure(self) -> None:
        db, ws, now = self._db, self._ws, self._now
        executemany_fast(
            db,
            _INSERT_PROFILE,
            [
                {
                    "id": profile_id,
                    "workspace_id": ws,
                    "traits": {},
                    "trait_versions": {},
                    "event_count": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for profile_id in sorted(self._new_profiles)
            ],
        )
        user_rows = [
            {"kind": USER_ID, "value": user_id, "profile_id": self._user_profile_of(user_id),
             "component_id": None, "first_seen": now}
            for user_id in sorted(self._new_users)
        ]  # fmt: skip
        weak_rows = [
            {"kind": kind, "value": value, "profile_id": None,
             "component_id": self._component_root(component_id), "first_seen": first_seen}
            for (kind, value), first_seen in self._new_identifiers.items()
            if (component_id := self._component_of[(kind, value)]) is not None
        ]  # fmt: skip
        executemany_fast(
            db, _INSERT_IDENTIFIER, [{"workspace_id": ws, **row} for row in user_rows + weak_rows]
        )
        dead = [c for c in self._component_parent if c not in self._new_components]
        executemany_fast(
            db,
            _REDIRECT_COMPONENT,
            [{"b_ws": ws, "b_dead": c, "b_root": self._component_root(c)} for c in dead],
        )
        executemany_fast(db, _DELETE_COMPONENT, [{"b_id": c} for c in dead])
        live = sorted(c for c in self._changed_components if c not in self._component_parent)
        executemany_fast(
            db,
            _INSERT_COMPONENT,
            [
                {"id": c, "workspace_id": ws, "profile_id": self._component_profile[c]}
                for c in live
                if c in self._new_components
            ],
        )
        executemany_fast(
            db,
            _UPDATE_COMPONENT,
            [
                {"b_id": c, "b_profile": self._component_profile[c]}
                for c in live
                if c not in self._new_components
            ],
        )
        # The users of a changed component are rewritten whole: memory holds all of them.
        executemany_fast(db, _DELETE_COMPONENT_USERS, [{"b_id": c} for c in dead + live])
        executemany_fast(
            db,
            _INSERT_COMPONENT_USER,
            [
                {"component_id": c, "user_id": u, "workspace_id": ws, "first_seen": first}
                for c in live
                for u, first in self._users_of(c).items()
            ],
        )
        executemany_fast(
            db,
            insert_ignoring_duplicates(db, user_aliases),
            [
                {"workspace_id": ws, "previous_id": previous, "user_id": user}
                for previous, user in sorted(self._new_aliases)
            ],
        )

    def _write_merges(self) -> None:
        db, ws = self._db, self._ws
        moves = [
            {"b_ws": ws, "b_merged": m.merged, "b_root": self._profile_root(m.survivor)}
            for m in self._merges
        ]
        for statement in (*_MOVE_TO_SURVIVOR, _MOVE_MEMBERSHIPS):
            executemany_fast(db, statement, moves)
        follow_merges(db, [(m["b_merged"], m["b_root"]) for m in moves], self._now)
        executemany_fast(
            db, _DROP_MEMBERSHIPS, [{"b_ws": ws, "b_merged": m.merged} for m in self._merges]
        )
        executemany_fast(
            db,
            _INSERT_MERGE,
            [
                {
                    "id": new_id("mrg", self._now),
                    "workspace_id": ws,
                    "survivor_id": m.survivor,
                    "merged_id": m.merged,
                    "reason": m.reason,
                    "message_id": m.message_id,
                    "created_at": self._now,
                }
                for m in self._merges
            ],
        )

    def _write_profiles(self) -> None:
        """Fold this batch's events and merges into the stored profile aggregates.

        Most profiles only gained events without traits: their counters are bumped in
        SQL. The rest (new traits, or part of a merge) are read, combined and rewritten.
        """
        merged = {m.merged for m in self._merges}
        rewritten = merged | {self._profile_root(p) for p in merged}
        rewritten |= {
            self._profile_root(p) for p, delta in self._deltas.items() if delta.traits.versions
        }
        bumps: dict[str, ProfileState] = {}
        for profile_id, delta in self._deltas.items():
            root = self._profile_root(profile_id)
            if root not in rewritten:
                bumps.setdefault(root, ProfileState()).absorb(delta)
        executemany_fast(
            self._db,
            _BUMP_PROFILE,
            [
                {"b_id": p, "b_count": state.event_count, "b_first": state.first_seen,
                 "b_last": state.last_seen, "b_now": self._now}
                for p, state in bumps.items()
            ],
        )  # fmt: skip
        involved = rewritten | {p for p in self._deltas if self._profile_root(p) in rewritten}
        stored = load_profile_states(self._db, sorted(involved))
        totals: dict[str, ProfileState] = {}
        for profile_id in sorted(involved):
            root = self._profile_root(profile_id)
            total = totals.get(root)
            if total is None:
                total = totals[root] = stored.get(root, ProfileState())
            if profile_id != root and profile_id in stored:
                total.absorb(stored[profile_id])
            if profile_id in self._deltas:
                total.absorb(self._deltas[profile_id])
        save_profile_states(self._db, totals, self._now)
        self.changed_profiles.update(bumps, totals, merged)

    def _split_shared_component(self, component_id: str, default_region: str) -> None:
        """Re-assign the anonymous messages of a component several users were seen with."""
        users = self._users_of(component_id)
        if len(users) < 2:
            return
        db, ws = self._db, self._ws
        anonymous_ids = (
            db.execute(
                select(identifiers.c.value).where(
                    identifiers.c.workspace_id == ws,
                    identifiers.c.component_id == component_id,
                    identifiers.c.kind == ANONYMOUS_ID,
                )
            )
            .scalars()
            .all()
        )
        # The component's anonymous messages all sit in its users' profiles (an anonymous
        # profile of the component was merged into the first user's), so the profile
        # index finds them without an index on anonymous_id that every insert would pay.
        owners = sorted({p for u in users if (p := self._user_profile_of(u)) is not None})
        wanted = set(anonymous_ids)
        moves: list[tuple[int, str]] = []
        touched: set[str] = set()
        for chunk in chunked(owners, _CHUNK):
            rows = db.execute(
                select(
                    events.c.seq, events.c.timestamp, events.c.profile_id, events.c.anonymous_id
                ).where(
                    events.c.workspace_id == ws,
                    among(events.c.profile_id, chunk, self._db.dialect),
                    events.c.user_id.is_(None),
                )
            )
            for seq, timestamp, profile_id, anonymous_id in rows.all():
                if anonymous_id is None or anonymous_id.strip() not in wanted:
                    continue
                owner = self._owner(component_id, timestamp)
                if owner != profile_id:
                    moves.append((seq, owner))
                    touched.update((owner, profile_id))
        if moves:
            assign_events(db, moves)
            rebuild_profiles(db, ws, sorted(touched), default_region, self._now)
            self.changed_profiles.update(touched)


def assign_events(connection: Connection, assignments: Sequence[tuple[int, str]]) -> None:
    """Set the profile of each event (seq, profile id)."""
    if connection.dialect.name == "postgresql" and assignments:
        # One statement instead of one round of the pipeline per event.
        seqs, profile_ids = zip(*assignments, strict=True)
        connection.exec_driver_sql(
            "UPDATE events SET profile_id = batch.profile_id "
            "FROM unnest(%(seqs)s::bigint[], %(profiles)s::varchar[]) AS batch(seq, profile_id) "
            "WHERE events.seq = batch.seq",
            {"seqs": list(seqs), "profiles": list(profile_ids)},
        )
        return
    executemany_fast(
        connection, _ASSIGN_EVENT, [{"b_seq": seq, "b_profile": p} for seq, p in assignments]
    )


def load_profile_states(
    connection: Connection, profile_ids: Sequence[str]
) -> dict[str, ProfileState]:
    states: dict[str, ProfileState] = {}
    for chunk in chunked(profile_ids, _CHUNK):
        rows = connection.execute(
            select(
                profiles.c.id,
                profiles.c.traits,
                profiles.c.trait_versions,
                profiles.c.event_count,
                profiles.c.first_seen,
                profiles.c.last_seen,
            ).where(among(profiles.c.id, chunk, connection.dialect))
        )
        for profile_id, traits, versions, count, first_seen, last_seen in rows.all():
            states[profile_id] = ProfileState(
                TraitMap.from_stored(traits, versions), count, first_seen, last_seen
            )
    return states


def save_profile_states(
    connection: Connection, states: dict[str, ProfileState], now: datetime
) -> None:
    executemany_fast(
        connection,
        _SAVE_PROFILE,
        [
            {
                "b_id": profile_id,
                "b_traits": state.traits.values,
                "b_versions": state.traits.stored_versions(),
                "b_count": state.event_count,
                "b_first": state.first_seen,
                "b_last": state.last_seen,
                "b_now": now,
            }
            for profile_id, state in states.items()
        ],
    )


def rebuild_profiles(
    connection: Connection,
    workspace_id: str,
    profile_ids: Sequence[str],
    default_region: str,
    now: datetime,
) -> None:
    """Recompute profiles from the events assigned to them."""
    states = {profile_id: ProfileState() for profile_id in profile_ids}
    for chunk in chunked(profile_ids, _CHUNK):
        rows = connection.execute(
            select(*OBSERVED_COLUMNS, events.c.profile_id).where(
                events.c.workspace_id == workspace_id,
                among(events.c.profile_id, chunk, connection.dialect),
            )
        ).mappings()
        for row in rows:
            states[row["profile_id"]].add_event(observe(row, default_region))
    save_profile_states(connection, states, now)
