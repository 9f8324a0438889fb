"""Moving journey instances: events from the inbox, timers come due, API entries, stops.

Each batch reads and writes in one transaction: the instances' new state, their steps,
the outbox messages and the inbox rows it consumed commit together or not at all, so a
crash redoes a batch from the start and nothing is lost or done twice.

Concurrency: the inbox is consumed by one worker at a time (a lock shared by all
processes), in order, so a profile's events are seen in the order they were processed.
Timers are claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers fire
different instances side by side; the inbox worker locks the instances it moves, waiting
for a timer worker that holds one. SQLite has one writer, which serializes all of it.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    true,
    update,
)

from baton.channels import NewMessage, cancel_pending, enqueue
from baton.core.batches import UNAVAILABLE, chunked, one_at_a_time
from baton.core.clock import Clock
from baton.core.errors import Conflict
from baton.core.ids import new_id
from baton.core.local_time import zone
from baton.core.tracing import stage_span
from baton.identity import message_from_baton
from baton.journeys.admission import admission
from baton.journeys.allocation import allocations_of
from baton.journeys.best_time import SendTimesReader
from baton.journeys.decisions import (
    Decider,
    Reached,
    decision_row,
    insert_decisions,
    reward_goals,
)
from baton.journeys.definitions import ApiTrigger, JourneyDefinition, event_of
from baton.journeys.interpreter import (
    Advance,
    Allocations,
    Arrival,
    CancelPending,
    Decided,
    Enter,
    Handover,
    Send,
    State,
    Stimulus,
    Stop,
    Tick,
    UpdateTraits,
    advance,
)
from baton.journeys.profiles import ProfileView, conditions_catalog
from baton.journeys.refusals import ALREADY_IN, EXCLUSION, Refusal, record_refusals
from baton.journeys.store import (
    LiveJourney,
    Status,
    definition_of,
    get_journey,
    live_journeys,
    mark_archived,
)
from baton.segments import Catalog, ProfileEvaluation, ProfileFacts, load_facts
from baton.storage.database import (
    among,
    any_row,
    executemany_fast,
    insert_ignoring_duplicates,
    write_transaction,
)
from baton.storage.leases import Leases, partitioned
from baton.storage.tables import (
    PENDING_EVENTS,
    events,
    journey_inbox,
    journey_instances,
    journey_steps,
    journeys,
    profiles,
    workspaces,
)

log = logging.getLogger(__name__)

INBOX_LOCK = "journeys-inbox"
DEFAULT_BATCH_SIZE = 500
# Hand-overs one stimulus may chain (journey A enters B enters C ...).
_MAX_HANDOVERS = 10
_ENTER_CHUNK = 1000


@dataclass
class Instance:
    id: str
    journey_id: str
    version: int
    profile_id: str
    state: State
    steps: int


@dataclass
class _Writes:
    new: list[Instance] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    messages: list[NewMessage] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    trait_messages: list[dict[str, Any]] = field(default_factory=list)
    refusals: dict[tuple[str, str], Refusal] = field(default_factory=dict)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    reached: list[Reached] = field(default_factory=list)


class Batch:
    """One workspace's share of one transaction."""

    def __init__(self, connection: Connection, workspace_id: str, now: datetime) -> None:
        self.connection = connection
        self.workspace_id = workspace_id
        self.now = now
        self.live = {j.journey.id: j for j in live_journeys(connection, workspace_id)}
        self.by_key = {j.journey.key: j for j in self.live.values()}
        self.triggered: dict[str, list[LiveJourney]] = defaultdict(list)
        # Highest priority first: it wins an exclusion group when one event starts both.
        for journey in sorted(self.live.values(), key=lambda j: -j.definition.priority):
            matcher = event_of(journey.definition.trigger)
            if matcher is not None:
                self.triggered[matcher.event].append(journey)
        self.instances: dict[str, list[Instance]] = defaultdict(list)
        self._loaded: set[str] = set()  # profiles whose live instances are all here
        self._adopted: set[str] = set()
        self._touched: dict[str, Instance] = {}
        self._writes = _Writes()
        self._traits: dict[str, dict[str, Any]] = {}
        self._facts: dict[str, ProfileFacts] = {}
        self._catalog: Catalog | None = None
        self._timezone: ZoneInfo | None = None
        self._allocations: dict[str, Allocations] = {}
        self._deciders: dict[str, Decider] = {}
        self.send_times = SendTimesReader(
            connection, workspace_id, now, lambda: self.default_timezone, self.instances.keys
        )

    # -- what the interpreter may ask

    @property
    def default_timezone(self) -> ZoneInfo:
        if self._timezone is None:
            name = self.connection.execute(
                select(workspaces.c.timezone).where(workspaces.c.id == self.workspace_id)
            ).scalar()
            self._timezone = zone(name or "UTC")
        return self._timezone

    def traits_of(self, profile_id: str) -> dict[str, Any]:
        if profile_id not in self._traits:
            wanted = sorted({*self.instances, profile_id} - self._traits.keys())
            rows = self.connection.execute(
                select(profiles.c.id, profiles.c.traits).where(
                    among(profiles.c.id, wanted, self.connection.dialect)
                )
            )
            for found_id, traits in rows:
                self._traits[found_id] = traits or {}
            for missing in wanted:
                self._traits.setdefault(missing, {})
        return self._traits[profile_id]

    def view(self, profile_id: str) -> ProfileView:
        return ProfileView(
            profile_id,
            partial(self.traits_of, profile_id),
            lambda: self.default_timezone,
            partial(self.evaluation_of, profile_id),
        )

    def evaluation_of(self, profile_id: str) -> ProfileEvaluation:
        if self._catalog is None:
            found = [j.definition for j in self.live.values()]
            found += [self.definition(i) for mine in self.instances.values() for i in mine]
            self._catalog = conditions_catalog(self.connection, self.workspace_id, found)
        if profile_id not in self._facts:
            facts, _ = load_facts(
                self.connection, self.workspace_id, [profile_id], self._catalog, self.now
            )
            self._facts[profile_id] = facts.get(
                profile_id, ProfileFacts(profile_id, {}, None, None, [])
            )
        return ProfileEvaluation(self._catalog, self._facts[profile_id], self.now)

    def allocations(self, journey_id: str) -> Allocations:
        """How the journey's optimized splits share new entries now."""
        if journey_id not in self._allocations:
            self._allocations[journey_id] = allocations_of(self.connection, journey_id)
        return self._allocations[journey_id]

    def decider(self, journey_id: str) -> Decider:
        """What the journey's decide nodes choose with (their bandits and caps)."""
        if journey_id not in self._deciders:
            self._deciders[journey_id] = Decider(self.connection, journey_id, self.now)
        return self._deciders[journey_id]

    def definition(self, instance: Instance) -> JourneyDefinition:
        live = self.live.get(instance.journey_id)
        if live is not None and live.journey.published_version == instance.version:
            return live.definition
        return definition_of(self.connection, instance.journey_id, instance.version)

    # -- loading

    def load_live(self, profile_ids: Iterable[str], lock: bool) -> None:
        """Every live instance of these profiles (some may be adopted already)."""
        wanted = sorted(set(profile_ids) - self._loaded)
        if not wanted:
            return
        self._loaded.update(wanted)
        query = select(journey_instances).where(
            among(journey_instances.c.profile_id, wanted, self.connection.dialect),
            journey_instances.c.ended_at.is_(None),
        )
        if lock and self.connection.dialect.name == "postgresql":
            query = query.with_for_update()
        for row in self.connection.execute(query.order_by(journey_instances.c.id)):
            if row.id not in self._adopted:
                self.adopt(row)
        for profile_id in wanted:
            self.instances.setdefault(profile_id, [])

    def adopt(self, row: Any) -> Instance:
        """Take over an instance row read by the caller (a due timer, a stop)."""
        self._adopted.add(row.id)
        state = State.from_row(
            row.node, row.state, row.entered_at, row.wake_at, row.goal_at, row.outcome, row.ended_at
        )
        instance = Instance(row.id, row.journey_id, row.version, row.profile_id, state, row.steps)
        self.instances[row.profile_id].append(instance)
        return instance

    # -- moving instances

    def feed(self, instance: Instance, stimulus: Stimulus) -> Advance | None:
        live = self.live.get(instance.journey_id)
        if live is None and not isinstance(stimulus, Stop):
            return None  # archived or unpublished meanwhile: nothing moves it
        paused = live is not None and live.paused
        result = advance(
            self.definition(instance),
            instance.state,
            stimulus,
            self.view(instance.profile_id),
            paused=paused,
            allocations=self.allocations(instance.journey_id),
            send_times=self.send_times,
            decider=self.decider(instance.journey_id),
        )
        if result.changed:
            self._record(instance, result)
        return result

    def arrival(self, profile_id: str, stimulus: Arrival) -> None:
        """An event of the profile: move its instances, then start what it triggers."""
        seen: set[str] = set()
        for instance in list(self.instances[profile_id]):
            if not instance.state.live:
                continue
            if instance.journey_id in seen:
                # Two live instances of one journey: a merge brought them together.
                self.feed(instance, Stop(stimulus.at, "merged"))
                continue
            seen.add(instance.journey_id)
            self.feed(instance, stimulus)
        for journey in self.triggered.get(stimulus.event, ()):
            matcher = event_of(journey.definition.trigger)
            assert matcher is not None
            if matcher.matches(stimulus.event, stimulus.properties, stimulus.at):
                trigger = {
                    "event": stimulus.event,
                    "properties": stimulus.properties,
                    "message_id": stimulus.message_id,
                }
                self.start(journey, profile_id, trigger, stimulus.at)

    def start(
        self,
        journey: LiveJourney,
        profile_id: str,
        trigger: dict[str, Any],
        at: datetime,
        depth: int = 0,
    ) -> Instance | Refusal:
        """Start an instance; why it did not start otherwise (recorded for "why")."""
        refusal = self._refusal(journey, profile_id)
        if refusal is not None:
            if refusal.reason != ALREADY_IN:
                self._writes.refusals[(journey.journey.id, profile_id)] = refusal
            return refusal
        assert journey.journey.published_version is not None
        result = advance(
            journey.definition,
            None,
            Enter(at, trigger),
            self.view(profile_id),
            allocations=self.allocations(journey.journey.id),
            send_times=self.send_times,
            decider=self.decider(journey.journey.id),
        )
        instance = Instance(
            new_id("jin", self.now),
            journey.journey.id,
            journey.journey.published_version,
            profile_id,
            result.state,
            0,
        )
        self.instances[profile_id].append(instance)
        self._writes.new.append(instance)
        self._record(instance, result, depth)
        return instance

    def _refusal(self, journey: LiveJourney, profile_id: str) -> Refusal | None:
        self.load_live([profile_id], lock=True)
        mine = [i for i in self.instances[profile_id] if i.journey_id == journey.journey.id]
        refusal = admission(
            journey.definition,
            self.now,
            paused=journey.paused,
            inside=any(i.state.live for i in mine),
            last_left=partial(self._last_left, journey, profile_id, mine),
            audience=partial(self.view(profile_id).explain, asked_by="audience"),
        )
        if refusal is not None:
            return refusal
        return self._exclusion(journey, profile_id)

    def _last_left(
        self, journey: LiveJourney, profile_id: str, mine: list[Instance]
    ) -> datetime | None:
        """When the profile's latest instance of the journey ended, in this batch or an
        earlier transaction."""
        stored = self.connection.execute(
            select(func.max(journey_instances.c.ended_at)).where(
                journey_instances.c.profile_id == profile_id,
                journey_instances.c.journey_id == journey.journey.id,
            )
        ).scalar()
        ends = [stored, *(i.state.ended_at for i in mine)]
        return max((end for end in ends if end is not None), default=None)

    def _exclusion(self, journey: LiveJourney, profile_id: str) -> Refusal | None:
        """A profile is in one journey of an exclusion group at a time: a higher priority
        journey takes it over from a lower one, anything else is refused."""
        group = journey.definition.exclusion_group
        if group is None:
            return None
        self._hold_group(group, profile_id)
        for other in self.instances[profile_id]:
            rival = self.live.get(other.journey_id)
            if (
                not other.state.live
                or rival is None
                or rival.definition.exclusion_group != group
                or rival.journey.id == journey.journey.id
            ):
                continue
            if rival.definition.priority >= journey.definition.priority:
                return Refusal(
                    EXCLUSION,
                    f"the profile is in journey {rival.journey.key!r} of exclusion group "
                    f"{group!r}, whose priority is not lower",
                    {"group": group, "journey": rival.journey.key, "instance": other.id},
                )
            self.feed(other, Stop(self.now, "preempted"))
        return None

    def _hold_group(self, group: str, profile_id: str) -> None:
        """PostgreSQL: one transaction at a time enters a profile into a group's journeys
        (timer workers hand over side by side); then see what others committed."""
        if self.connection.dialect.name != "postgresql":
            return
        self.connection.execute(_GROUP_LOCK, {"key": f"{group}:{profile_id}"})
        members = [
            j.journey.id for j in self.live.values() if j.definition.exclusion_group == group
        ]
        rows = self.connection.execute(
            select(journey_instances).where(
                journey_instances.c.profile_id == profile_id,
                journey_instances.c.journey_id.in_(members),
                journey_instances.c.ended_at.is_(None),
            )
        )
        for row in rows:
            if row.id not in self._adopted:
                self.adopt(row)

    def _record(self, instance: Instance, result: Advance, depth: int = 0) -> None:
        instance.state = result.state
        self._touched[instance.id] = instance
        for step in result.steps:
            self._writes.steps.append(
                {
                    "instance_id": instance.id,
                    "n": instance.steps,
                    "at": step.at,
                    "node": step.node,
                    "action": step.action,
                    "detail": step.detail,
                }
            )
            instance.steps += 1
        state = result.state
        if (
            state.decisions
            and state.goal_at is not None
            and any(step.action == "goal" for step in result.steps)
        ):
            self._writes.reached.append(
                Reached(instance.id, state.goal_at, state.decisions, self.definition(instance))
            )
        for effect in result.effects:
            self._apply(instance, effect, depth)

    def _apply(self, instance: Instance, effect: Any, depth: int) -> None:
        if isinstance(effect, Send):
            self._writes.messages.append(self._message(instance, effect))
        elif isinstance(effect, CancelPending):
            self._writes.cancelled.append(instance.id)
        elif isinstance(effect, UpdateTraits):
            self._update_traits(instance, effect)
        elif isinstance(effect, Decided):
            self._writes.decisions.append(
                decision_row(
                    self.workspace_id,
                    instance.journey_id,
                    instance.id,
                    instance.profile_id,
                    instance.state.goal_at,
                    effect,
                    self.now,
                )
            )
        elif isinstance(effect, Handover):
            target = self.by_key.get(effect.journey)
            refusal: str | None
            if target is None or depth >= _MAX_HANDOVERS:
                refusal = "it is not published" if target is None else "too many hand-overs"
            else:
                started = self.start(
                    target, instance.profile_id, instance.state.trigger, self.now, depth + 1
                )
                refusal = started.message if isinstance(started, Refusal) else None
            if refusal is not None:
                log.warning(
                    "instance %s was not handed over to journey %s: %s",
                    instance.id,
                    effect.journey,
                    refusal,
                )

    def _message(self, instance: Instance, send: Send) -> NewMessage:
        rules = self.definition(instance).send_rules(send.node)
        return NewMessage(
            self.workspace_id,
            instance.profile_id,
            instance.journey_id,
            instance.version,
            instance.id,
            send.node,
            send.channel,
            send.template,
            send.subscription_group,
            f"{instance.id}:{send.node}:{send.visit}",
            send.payload,
            priority=rules.priority,
            transactional=rules.transactional,
            on_cap=rules.on_cap,
            quiet_hours=rules.quiet_hours,
            held_out=send.held_out,
        )

    def _update_traits(self, instance: Instance, effect: UpdateTraits) -> None:
        """An identify message from Baton itself, processed like any other: identity
        applies it, segments and journeys see it. Its message id is the step's
        idempotency key, so it exists once."""
        current = self.traits_of(instance.profile_id)
        traits: dict[str, Any] = dict(effect.set)
        for name, amount in effect.increment.items():
            value = current.get(name)
            base = value if isinstance(value, int | float) and not isinstance(value, bool) else 0
            traits[name] = base + amount
        traits.update({name: None for name in effect.unset})
        row = message_from_baton(
            self.connection,
            self.workspace_id,
            instance.profile_id,
            {"type": "identify", "traits": traits},
            f"journey:{instance.id}:{effect.node}:{effect.visit}",
            self.now,
            {"library": {"name": "baton-journeys"}, "journey_instance": instance.id},
        )
        if row is None:
            log.warning("profile %s has no identifier to update traits by", instance.profile_id)
            return
        self._writes.trait_messages.append(row)

    # -- writing

    def flush(self) -> None:
        connection, writes = self.connection, self._writes
        new_ids = {i.id for i in writes.new}
        # Instances that ended in this batch are written first: a profile may leave a
        # journey and enter it again in one batch, and the unique index on live instances
        # would refuse the new one while the old one still reads as live.
        executemany_fast(
            connection,
            _UPDATE_INSTANCE,
            [_update_row(i) for i in self._touched.values() if i.id not in new_ids],
        )
        if writes.new:
            executemany_fast(
                connection,
                _INSERT_INSTANCE,
                [_instance_row(self.workspace_id, i) for i in writes.new],
            )
        executemany_fast(connection, _INSERT_STEP, writes.steps)
        insert_decisions(connection, writes.decisions)
        reward_goals(connection, writes.reached)
        enqueue(connection, writes.messages, self.now)
        cancel_pending(connection, writes.cancelled, self.now, "instance ended")
        executemany_fast(
            connection, insert_ignoring_duplicates(connection, events), writes.trait_messages
        )
        record_refusals(
            connection,
            [
                {
                    "journey_id": journey_id,
                    "profile_id": profile_id,
                    "workspace_id": self.workspace_id,
                    "at": self.now,
                    "reason": refusal.reason,
                    "detail": {"message": refusal.message, **refusal.detail},
                    "times": 1,
                }
                for (journey_id, profile_id), refusal in writes.refusals.items()
            ],
        )
        self._writes = _Writes()
        self._touched.clear()


def _instance_row(workspace_id: str, instance: Instance) -> dict[str, Any]:
    return {
        "id": instance.id,
        "workspace_id": workspace_id,
        "journey_id": instance.journey_id,
        "version": instance.version,
        "profile_id": instance.profile_id,
        "entered_at": instance.state.entered_at,
        **_moving(instance),
    }


def _moving(instance: Instance) -> dict[str, Any]:
    """The columns a step can change."""
    state = instance.state
    return {
        "node": state.node,
        "wake_at": state.wake_at,
        "steps": instance.steps,
        "state": state.document(),
        "ended_at": state.ended_at,
        "outcome": state.outcome,
        "goal_at": state.goal_at,
    }


_GROUP_LOCK = text("SELECT pg_advisory_xact_lock(7412, hashtext(:key))")
_INSERT_INSTANCE = insert(journey_instances)
_INBOX_EVENT = (events.c.workspace_id == journey_inbox.c.workspace_id) & (
    events.c.message_id == journey_inbox.c.message_id
)
_INSERT_STEP = insert(journey_steps)
_UPDATE_INSTANCE = (
    update(journey_instances)
    .where(journey_instances.c.id == bindparam("b_id"))
    .values(
        {
            column: bindparam(f"b_{column}")
            for column in ("node", "wake_at", "steps", "state", "ended_at", "outcome", "goal_at")
        }
    )
)


def _update_row(instance: Instance) -> dict[str, Any]:
    """The bind parameters of `_UPDATE_INSTANCE`: those of `_moving`."""
    return {"b_id": instance.id, **{f"b_{k}": v for k, v in _moving(instance).items()}}


# --- the entry points --------------------------------------------------------------------


def process_inbox(
    engine: Engine,
    clock: Clock,
    batch_size: int = DEFAULT_BATCH_SIZE,
    leases: Leases | None = None,
) -> int:
    """Match up to `batch_size` processed events against live journeys; returns how many
    inbox rows were consumed. With `leases` (PostgreSQL, any number of workers): only
    events of the profiles in the slots this worker leases, in order; without: every
    event, one caller at a time (see `partitioned`)."""
    if not any_row(engine, select(journey_inbox.c.seq).order_by(journey_inbox.c.seq)):
        return 0
    with partitioned(engine, INBOX_LOCK, leases):
        try:
            return _consume_inbox(engine, clock, batch_size, leases)
        except UNAVAILABLE:
            raise
        except Exception:
            log.exception("journey inbox batch failed; retrying its events one at a time")
        read: list[int] = []

        def attempt(size: int) -> int:
            read.clear()
            return _consume_inbox(engine, clock, size, leases, read)

        return one_at_a_time(attempt, lambda _error: _skip_events(engine, read), batch_size)


def _inbox_head(connection: Connection, leases: Leases | None) -> Select[Any]:
    """The inbox in order; a leasing worker's slots only, their rows locked: a merge
    moving one to the survivor's slot waits for the batch, or the batch skips it."""
    query = select(journey_inbox.c.seq).order_by(journey_inbox.c.seq)
    if leases is None:
        return query
    return query.where(journey_inbox.c.slot.in_(leases.held(connection))).with_for_update(
        of=journey_inbox
    )


def _inbox_batch(connection: Connection, leases: Leases | None, limit: int) -> Select[Any]:
    """The head of the inbox with its events. The head is taken first, then each row's
    event read by its key: a queue's statistics are always stale, and on PostgreSQL they
    led to joining the whole inbox (or hashing all of `events`) to keep a few hundred."""
    head = (
        _inbox_head(connection, leases)
        .add_columns(journey_inbox.c.workspace_id, journey_inbox.c.message_id)
        .limit(limit)
        .subquery()
    )
    wanted = (
        events.c.message_id,
        events.c.event,
        events.c.properties,
        events.c.profile_id,
        events.c.traceparent,
    )
    same_event = (events.c.workspace_id == head.c.workspace_id) & (
        events.c.message_id == head.c.message_id
    )
    if connection.dialect.name == "postgresql":
        # A nested loop, one index read a row: the key is unique, and the limit keeps
        # the planner from flattening this into a join it could hash over all events.
        found = select(*wanted).where(same_event).limit(1).lateral()
        source, columns = head.outerjoin(found, true()), tuple(found.c)
    else:
        source, columns = head.outerjoin(events, same_event), wanted
    return (
        select(head.c.seq, head.c.workspace_id, *columns).select_from(source).order_by(head.c.seq)
    )


def _skip_events(engine: Engine, read: list[int]) -> None:
    """The inbox row a batch of one read failed on its own: logged and left out, so
    journeys move on. That row, not the head now: another worker or a merge may have
    changed the head, and a row gone meanwhile is simply not there to delete."""
    with write_transaction(engine) as connection:
        for seq in read:
            log.exception("inbox row seq=%s cannot be matched against journeys; skipping it", seq)
            connection.execute(delete(journey_inbox).where(journey_inbox.c.seq == seq))


def _consume_inbox(
    engine: Engine,
    clock: Clock,
    batch_size: int,
    leases: Leases | None,
    read: list[int] | None = None,
) -> int:
    """`read` receives the seqs of the rows read, for `_skip_events` when this fails."""
    with write_transaction(engine) as connection:
        now = clock.now()
        rows = connection.execute(_inbox_batch(connection, leases, batch_size)).all()
        if not rows:
            return 0
        if read is not None:
            read.extend(row.seq for row in rows)
        by_workspace: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            if row.profile_id is not None:
                by_workspace[row.workspace_id].append(row)
        for workspace_id, workspace_rows in by_workspace.items():
            batch = Batch(connection, workspace_id, now)
            if not batch.live:
                continue
            batch.load_live({row.profile_id for row in workspace_rows}, lock=True)
            for row in workspace_rows:
                stimulus = Arrival(now, row.event or "", row.properties or {}, row.message_id)
                # Messages the event queues carry the journey's span (baton/core/tracing.py).
                with stage_span("journeys", row.traceparent, **{"baton.event": row.message_id}):
                    batch.arrival(row.profile_id, stimulus)
            batch.flush()
        # The rows read, not every row up to the last: other workers' slots interleave.
        consumed = journey_inbox.c.seq.in_([row.seq for row in rows])
        connection.execute(delete(journey_inbox).where(consumed))
    return len(rows)


def fire_timers(engine: Engine, clock: Clock, batch_size: int = DEFAULT_BATCH_SIZE) -> int:
    """Move up to `batch_size` instances whose timer came due; returns how many."""
    now = clock.now()
    if not _any_due(engine, now):
        return 0
    try:
        return _fire(engine, now, batch_size)
    except UNAVAILABLE:
        raise
    except Exception:
        log.exception("timer batch failed; retrying its instances one at a time")
    return one_at_a_time(
        lambda size: _fire(engine, now, size),
        lambda _error: _fail_first_due(engine, now),
        batch_size,
    )


def _any_due(engine: Engine, now: datetime) -> bool:
    """A read that says whether a timer may fire: while a backlog holds the due ones (see
    `_watermark`), the journey stage, woken by each of identity's commits, opens no write
    transaction to find none."""
    first_due = select(journey_instances.c.id).order_by(journey_instances.c.wake_at).limit(1)
    with engine.connect() as connection:
        if connection.execute(first_due.where(journey_instances.c.wake_at <= now)).first() is None:
            return False
        until = _watermark(connection, now)
        return (
            connection.execute(first_due.where(journey_instances.c.wake_at <= until)).first()
            is not None
        )


def _fail_first_due(engine: Engine, now: datetime) -> None:
    """An instance whose step fails on its own ends as `failed` instead of retrying forever."""
    with write_transaction(engine) as connection:
        instance_id = connection.execute(_due_instances(connection, now, 1)).scalars().first()
        if instance_id is None:
            return
        log.exception("journey instance %s cannot move; it ends as failed", instance_id)
        connection.execute(
            update(journey_instances)
            .where(journey_instances.c.id == instance_id)
            .values(wake_at=None, ended_at=now, outcome="failed")
        )
        cancel_pending(connection, [instance_id], now, "instance failed")


def _due_instances(connection: Connection, now: datetime, limit: int) -> Select[Any]:
    """Due instances of published journeys, oldest due first, locked for this worker.

    The published journeys are read first and passed as values: joined in, they led
    PostgreSQL to expect a few hundred due rows and so to sort every due instance (a
    sort under a row lock is never bounded by the limit) instead of reading the first
    ones off the `wake_at` index."""
    published = (
        connection.execute(select(journeys.c.id).where(journeys.c.status == "published"))
        .scalars()
        .all()
    )
    query = (
        select(journey_instances)
        .where(
            journey_instances.c.wake_at <= _watermark(connection, now),
            among(journey_instances.c.journey_id, published, connection.dialect),
        )
        .order_by(journey_instances.c.wake_at)
        .limit(limit)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return query


def _fire(engine: Engine, now: datetime, batch_size: int) -> int:
    with write_transaction(engine) as connection:
        rows = connection.execute(_due_instances(connection, now, batch_size)).all()
        by_workspace: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_workspace[row.workspace_id].append(row)
        for workspace_id, workspace_rows in by_workspace.items():
            batch = Batch(connection, workspace_id, now)
            for row in workspace_rows:
                batch.feed(batch.adopt(row), Tick(now))
            batch.flush()
    return len(rows)


def _watermark(connection: Connection, now: datetime) -> datetime:
    """How far timers may fire: not past an event received but not yet seen by journeys.

    A customer who bought at 10:59 must not get the 11:00 reminder because identity was
    a few seconds behind: the timer waits until the purchase has been matched."""
    oldest_unresolved = (
        select(events.c.received_at).where(PENDING_EVENTS).order_by(events.c.seq).limit(1)
    )
    oldest_unmatched = (
        select(events.c.received_at)
        .select_from(journey_inbox.join(events, _INBOX_EVENT))
        .order_by(journey_inbox.c.seq)
        .limit(1)
    )
    found: tuple[datetime | None, ...] = tuple(
        connection.execute(
            select(oldest_unresolved.scalar_subquery(), oldest_unmatched.scalar_subquery())
        ).one()
    )
    return min([now, *(instant for instant in found if instant is not None)])


def inbox_waiting(connection: Connection) -> bool:
    """Whether the journey inbox holds events to match."""
    inbox = select(journey_inbox.c.seq).order_by(journey_inbox.c.seq).limit(1)
    return connection.execute(inbox).first() is not None


def next_timer_at(connection: Connection) -> datetime | None:
    """When the first timer of a published journey comes due."""
    timer = (
        select(journey_instances.c.wake_at)
        .join(journeys, journey_instances.c.journey_id == journeys.c.id)
        .where(journey_instances.c.wake_at.is_not(None), journeys.c.status == "published")
        .order_by(journey_instances.c.wake_at)
        .limit(1)
    )
    found: datetime | None = connection.execute(timer).scalar()
    return found


def enter(
    connection: Connection,
    workspace_id: str,
    key: str,
    profile_id: str,
    properties: dict[str, Any],
    now: datetime,
) -> Instance:
    """Start an instance by API call (any published journey; `api: true` ones only so)."""
    batch = Batch(connection, workspace_id, now)
    journey, trigger = _api_entry(batch, key, properties)
    started = batch.start(journey, profile_id, trigger, now)
    if isinstance(started, Refusal):
        batch.flush()
        raise Conflict(f"not entered: {started.message}")
    batch.flush()
    return started


def _api_entry(
    batch: Batch, key: str, properties: dict[str, Any]
) -> tuple[LiveJourney, dict[str, Any]]:
    """The published journey `key` and the trigger of an entry by API call."""
    journey = batch.by_key.get(key)
    if journey is None:
        raise Conflict(f"journey {key!r} is not published")
    manual = not isinstance(journey.definition.trigger, ApiTrigger)
    return journey, {"event": None, "properties": properties,
                     "via": "api (manual)" if manual else "api"}  # fmt: skip


def enter_matching(
    connection: Connection,
    workspace_id: str,
    key: str,
    traits: dict[str, str],
    properties: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """Start an instance for every live profile whose traits have these values (by API
    call: the customers an outage in a region affects). How many entered, and how many
    did not, by reason."""
    batch = Batch(connection, workspace_id, now)
    journey, trigger = _api_entry(batch, key, properties)
    matching: list[str] = list(
        connection.execute(
            select(profiles.c.id)
            .where(
                profiles.c.workspace_id == workspace_id,
                profiles.c.merged_into.is_(None),
                *(profiles.c.traits[name].as_string() == value for name, value in traits.items()),
            )
            .order_by(profiles.c.id)
        ).scalars()
    )
    entered, refused = 0, Counter[str]()
    for chunk in chunked(matching, _ENTER_CHUNK):
        batch.load_live(chunk, lock=True)
        for profile_id in chunk:
            started = batch.start(journey, profile_id, trigger, now)
            if isinstance(started, Refusal):
                refused[started.reason] += 1
            else:
                entered += 1
        batch.flush()
    return {"entered": entered, "refused": dict(refused)}


def stop_all(
    connection: Connection, workspace_id: str, journey_id: str, outcome: str, now: datetime
) -> int:
    """End every live instance of a journey (archiving), cancelling their pending messages."""
    batch = Batch(connection, workspace_id, now)
    rows = connection.execute(
        select(journey_instances).where(
            journey_instances.c.journey_id == journey_id, journey_instances.c.ended_at.is_(None)
        )
    ).all()
    for row in rows:
        batch.feed(batch.adopt(row), Stop(now, outcome))
    batch.flush()
    return len(rows)


def archive(connection: Connection, workspace_id: str, key: str, now: datetime) -> int:
    """Archive a journey: its live instances end and their pending messages are cancelled.
    Returns how many instances were stopped."""
    journey = get_journey(connection, workspace_id, key)
    if journey.status is Status.ARCHIVED:
        return 0
    mark_archived(connection, journey, now)
    return stop_all(connection, workspace_id, journey.id, "archived", now)
