"""Backtests and test runs: a journey version run on a simulated clock, in isolation.

A backtest replays the workspace's stored events of a window, in timestamp order,
through the interpreter; timers fire when simulated time passes them; messages are
arbitrated against the workspace policy (caps count the messages other journeys really
sent in the window). A test run does the same for one profile from now on, with the
events the caller says will happen. Nothing is written: no instance, no message, no
step leaves the simulator.

What a backtest cannot know: traits as they were (it reads today's), and other journeys'
decisions it would have changed (exclusion groups, who wins a cap at the same instant).
"""

from __future__ import annotations

import gc
import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, or_, select

from baton.channels import (
    CAP_PREFIX,
    DEFERRED,
    HELD_OUT,
    SENT,
    SKIPPED,
    Contender,
    Ledger,
    Verdict,
    allowed,
    arbitrate,
    consents_of,
    load_ledgers,
)
from baton.core.errors import InvalidInput
from baton.core.formats import iso_instant
from baton.core.local_time import zone
from baton.journeys.admission import admission
from baton.journeys.definitions import (
    NODE_TYPES,
    DateTraitTrigger,
    JourneyDefinition,
    ScheduleTrigger,
    event_of,
)
from baton.journeys.interpreter import (
    Advance,
    Arrival,
    CancelPending,
    Enter,
    Send,
    State,
    Stimulus,
    Tick,
    advance,
)
from baton.journeys.profiles import ProfileView, conditions_catalog
from baton.journeys.refusals import ALREADY_IN
from baton.journeys.store import Journey, definition_of
from baton.segments import (
    Catalog,
    Condition,
    EventFact,
    ProfileEvaluation,
    ProfileFacts,
    events_read,
    load_facts,
)
from baton.storage.database import among
from baton.storage.tables import events, journey_instances, profiles
from baton.workspaces import Policy, load_policy

MAX_SAMPLE = 100
_FORGET_EVERY = 64  # events remembered for a profile between two clean-ups
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_CHUNK = 10_000


@dataclass
class _Profile:
    """What the simulator knows of a profile: today's traits and the events replayed."""

    id: str
    traits: dict[str, Any]
    facts: ProfileFacts
    ledger: Ledger = field(default_factory=Ledger)
    consent: dict[str, bool] = field(default_factory=dict)  # recorded, by group
    ended_at: datetime | None = None  # when its last instance ended


@dataclass
class _Instance:
    number: int
    profile: _Profile
    state: State
    steps: list[dict[str, Any]] = field(default_factory=list)
    deferred: set[int] = field(default_factory=set)  # messages waiting, by number


@dataclass
class _Message:
    number: int
    instance: _Instance
    node: str
    contender: Contender
    template: str | None
    decisions: list[Verdict] = field(default_factory=list)


@dataclass
class Tally:
    """What a simulation counted, for its report."""

    entered: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    goals: int = 0
    visits: Counter[str] = field(default_factory=Counter)
    ended_at: Counter[str] = field(default_factory=Counter)
    node_goals: Counter[str] = field(default_factory=Counter)
    node_messages: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    channels: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    caps: Counter[str] = field(default_factory=Counter)
    events: int = 0


class Simulator:
    """One journey version on a simulated clock, for any number of profiles."""

    def __init__(
        self,
        definition: JourneyDefinition,
        catalog: Catalog,
        policy: Policy,
        *,
        sample: int = 0,
        entry_rules: bool = True,
    ) -> None:
        self.definition = definition
        self.catalog = catalog
        self.policy = policy
        self.default_zone = zone(policy.timezone or "UTC")
        self.entry_rules = entry_rules
        self.sample = sample
        self.now: datetime | None = None
        self.tally = Tally()
        self.profiles: dict[str, _Profile] = {}
        self.live: dict[str, _Instance] = {}
        self.instances: list[_Instance] = []  # the first `sample`, kept for their paths
        self.messages: list[_Message] = []  # those of sampled instances
        self._numbers = itertools.count()
        self._timers: list[tuple[datetime, int, _Instance]] = []
        self._deferred: list[tuple[datetime, int, _Message]] = []
        matcher = event_of(definition.trigger)
        self.trigger = matcher
        self.needs_facts = any(True for _ in definition.conditions())
        # How far back conditions read each event (None: all of it), to forget the rest.
        self._horizons = {
            name: None if since is None or since > _EPOCH else _EPOCH - since
            for name, since in catalog.oldest_events_needed(_EPOCH).items()
        }

    # -- what the interpreter asks

    def view(self, profile: _Profile) -> ProfileView:
        assert self.now is not None
        return ProfileView(
            profile.id,
            lambda: profile.traits,
            lambda: self.default_zone,
            partial(ProfileEvaluation, self.catalog, profile.facts, self.now),
        )

    def _zone_of(self, profile: _Profile) -> ZoneInfo:
        return self.view(profile).timezone

    # -- input

    def add_profile(self, profile_id: str, traits: dict[str, Any], ledger: Ledger) -> _Profile:
        found = _Profile(profile_id, traits, ProfileFacts(profile_id, traits, None, None, []))
        found.ledger = ledger
        self.profiles[profile_id] = found
        return found

    def remember(self, profile: _Profile, fact: EventFact) -> None:
        """An event that conditions may read (before the window or inside it)."""
        if not self.needs_facts:
            return
        remembered = profile.facts.events
        assert isinstance(remembered, list)
        remembered.append(fact)
        if len(remembered) % _FORGET_EVERY == 0:
            profile.facts.events = [f for f in remembered if self._still_read(f, fact.timestamp)]

    def _still_read(self, fact: EventFact, now: datetime) -> bool:
        horizon = self._horizons.get(fact.event)
        return horizon is None or fact.timestamp > now - horizon

    def event(
        self,
        profile: _Profile,
        name: str,
        properties: dict[str, Any],
        at: datetime,
        message_id: str,
    ) -> None:
        """A stored (or supposed) event of the profile, in timestamp order."""
        self.run_until(at)
        self.now = at
        self.tally.events += 1
        instance = self.live.get(profile.id)
        if instance is not None:
            self._feed(instance, Arrival(at, name, properties, message_id))
        if self.trigger is not None and self.trigger.matches(name, properties, at):
            self.enter(profile, {"event": name, "properties": properties, "message_id": message_id})

    def enter(self, profile: _Profile, trigger: dict[str, Any]) -> str | None:
        """Start an instance now; why not otherwise."""
        assert self.now is not None
        refusal = self._refusal(profile)
        if refusal is not None:
            self.tally.refused[refusal] += 1
            return refusal
        number = next(self._numbers)
        instance = _Instance(number, profile, State(self.definition.start, self.now, trigger))
        self.tally.entered += 1
        if len(self.instances) < self.sample:
            self.instances.append(instance)
        self.live[profile.id] = instance
        self._apply(
            instance, advance(self.definition, None, Enter(self.now, trigger), self.view(profile))
        )
        return None

    def _refusal(self, profile: _Profile) -> str | None:
        assert self.now is not None
        inside = profile.id in self.live
        if not self.entry_rules:
            # A test run told to ignore the entry rules still holds one instance per profile.
            return ALREADY_IN if inside else None
        refusal = admission(
            self.definition,
            self.now,
            paused=False,  # a simulation runs its version as if live, paused or not
            inside=inside,
            last_left=lambda: profile.ended_at,
            audience=partial(self._audience, profile),
        )
        return None if refusal is None else refusal.reason

    def _audience(self, profile: _Profile, condition: Condition) -> dict[str, Any]:
        # The tally counts refusals by reason: the answer alone, without its explanation.
        return {"holds": self.view(profile).holds(condition, "audience")}

    # -- time

    def run_until(self, until: datetime) -> None:
        """Fire the timers and deferred messages due up to `until`, in time order."""
        while True:
            timer = self._timers[0][0] if self._timers else None
            message = self._deferred[0][0] if self._deferred else None
            due = min((t for t in (timer, message) if t is not None), default=None)
            if due is None or due > until:
                return
            self.now = due
            if timer == due:
                _, _, instance = heapq.heappop(self._timers)
                if instance.state.wake_at == due and instance.state.live:
                    self._feed(instance, Tick(due))
            else:
                _, _, waiting = heapq.heappop(self._deferred)
                if waiting.number in waiting.instance.deferred:
                    waiting.instance.deferred.discard(waiting.number)
                    self._judge(waiting)

    # -- moving

    def _feed(self, instance: _Instance, stimulus: Stimulus) -> None:
        result = advance(self.definition, instance.state, stimulus, self.view(instance.profile))
        if result.changed:
            self._apply(instance, result)

    def _apply(self, instance: _Instance, result: Advance) -> None:
        instance.state = state = result.state
        tally = self.tally
        for step in result.steps:
            if step.action == "goal":
                tally.goals += 1
                tally.node_goals[step.node] += 1
            if step.action in NODE_TYPES:
                tally.visits[step.node] += 1
            if instance in self.instances:
                instance.steps.append(
                    {"at": iso_instant(step.at), "node": step.node, "action": step.action}
                )
        for effect in result.effects:
            if isinstance(effect, Send):
                self._send(instance, effect)
            elif isinstance(effect, CancelPending):
                instance.deferred.clear()
        if state.waiting and state.wake_at is not None:
            heapq.heappush(self._timers, (state.wake_at, next(self._numbers), instance))
        if not state.live:
            assert state.outcome is not None
            tally.outcomes[state.outcome] += 1
            tally.ended_at[state.node] += 1
            instance.profile.ended_at = state.ended_at
            del self.live[instance.profile.id]

    def _send(self, instance: _Instance, send: Send) -> None:
        assert self.now is not None
        rules = self.definition.send_rules(send.node)
        contender = Contender(
            f"sim-{instance.number}-{send.node}-{send.visit}",
            send.channel,
            send.subscription_group,
            rules.priority,
            rules.transactional,
            rules.on_cap,
            rules.quiet_hours,
            self.now,
        )
        message = _Message(next(self._numbers), instance, send.node, contender, send.template)
        if instance in self.instances:
            self.messages.append(message)
        if send.held_out:
            self._decided(message, Verdict(SKIPPED, HELD_OUT))
        else:
            self._judge(message)

    def _judge(self, message: _Message) -> None:
        assert self.now is not None
        profile = message.instance.profile
        ((_, verdict),) = arbitrate(
            self.policy,
            [message.contender],
            profile.ledger,
            self._zone_of(profile),
            partial(
                allowed,
                profile.consent,
                profile.traits,
                explicit=self.policy.explicit_groups,
            ),
            self.now,
        )
        if verdict.decision == DEFERRED:
            assert verdict.until is not None
            message.instance.deferred.add(message.number)
            heapq.heappush(self._deferred, (verdict.until, message.number, message))
        self._decided(message, verdict)

    def _decided(self, message: _Message, verdict: Verdict) -> None:
        message.decisions.append(verdict)
        key = verdict.decision if verdict.reason is None else f"{verdict.decision}:{verdict.reason}"
        self.tally.channels[message.contender.channel][key] += 1
        self.tally.node_messages[message.node][verdict.decision] += 1
        if verdict.reason is not None and verdict.reason.startswith(CAP_PREFIX):
            self.tally.caps[key] += 1

    # -- report

    def report(self) -> dict[str, Any]:
        tally = self.tally
        waiting = Counter(instance.state.node for instance in self.live.values())
        nodes = sorted(set(tally.visits) | set(waiting) | set(tally.ended_at))
        return {
            "events_replayed": tally.events,
            "entered": tally.entered,
            "refused": dict(sorted(tally.refused.items())),
            "outcomes": dict(sorted(tally.outcomes.items())),
            "live_at_end": len(self.live),
            "goals": {
                "reached": tally.goals,
                "rate": round(tally.goals / tally.entered, 4) if tally.entered else 0.0,
            },
            "nodes": {
                node: {
                    "entered": tally.visits[node],
                    "exited": tally.ended_at[node],
                    "waiting": waiting[node],
                    "goals": tally.node_goals[node],
                    **(
                        {"messages": dict(sorted(tally.node_messages[node].items()))}
                        if node in tally.node_messages
                        else {}
                    ),
                }
                for node in nodes
            },
            "messages": {
                channel: _message_counts(counts)
                for channel, counts in sorted(tally.channels.items())
            },
            "caps": dict(sorted(tally.caps.items())),
            "sample": [self.path(instance) for instance in self.instances],
        }

    def path(self, instance: _Instance) -> dict[str, Any]:
        state = instance.state
        return {
            "profile_id": instance.profile.id,
            "outcome": state.outcome,
            "node": state.node,
            "steps": instance.steps,
            "messages": [
                {
                    "node": m.node,
                    "channel": m.contender.channel,
                    "template": m.template,
                    "decisions": [_verdict_json(v) for v in m.decisions],
                }
                for m in self.messages
                if m.instance is instance
            ],
        }


def _message_counts(counts: Counter[str]) -> dict[str, Any]:
    found: dict[str, Any] = {"sent": counts.get(SENT, 0), "skipped": {}, "deferred": {}}
    for key, count in sorted(counts.items()):
        decision, _, reason = key.partition(":")
        if decision in (SKIPPED, DEFERRED):
            found[decision][reason] = count
    return found


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    found: dict[str, Any] = {"decision": verdict.decision}
    if verdict.reason is not None:
        found["reason"] = verdict.reason
    if verdict.until is not None:
        found["until"] = iso_instant(verdict.until)
    return found


# --- entry points ------------------------------------------------------------------------


def backtest(
    connection: Connection,
    workspace_id: str,
    journey: Journey,
    version: int,
    start: datetime,
    end: datetime,
    sample: int = 20,
) -> dict[str, Any]:
    """Replay the stored events of [start, end) through a version of the journey."""
    if end <= start:
        raise InvalidInput("to must be after from", field="to")
    definition = definition_of(connection, journey.id, version)
    if isinstance(definition.trigger, ScheduleTrigger | DateTraitTrigger):
        raise InvalidInput(
            "a backtest replays events: journeys started by a schedule or a date trait "
            "cannot be backtested yet",
            field="trigger",
        )
    policy = load_policy(connection, workspace_id)
    catalog = conditions_catalog(connection, workspace_id, [definition])
    simulator = Simulator(definition, catalog, policy, sample=min(sample, MAX_SAMPLE))
    heard = definition.events_heard()
    read_by_conditions = catalog.oldest_events_needed(start) if simulator.needs_facts else {}
    wanted = [and_(events.c.event.in_(sorted(heard)), events.c.timestamp >= start)]
    wanted += events_read(read_by_conditions, connection.dialect)
    rows = connection.execution_options(yield_per=_CHUNK).execute(
        select(
            events.c.profile_id,
            events.c.event,
            events.c.timestamp,
            events.c.seq,
            events.c.properties,
            events.c.message_id,
        )
        .where(
            events.c.workspace_id == workspace_id,
            events.c.profile_id.is_not(None),
            events.c.timestamp < end,
            or_(*wanted),
        )
        .order_by(events.c.timestamp, events.c.seq)
    )
    with _without_cycle_collection():
        for chunk in rows.partitions():
            profile_ids = {row[0] for row in chunk}
            _meet(connection, simulator, workspace_id, journey.id, profile_ids, start)
            for profile_id, name, at, seq, properties, message_id in chunk:
                profile = simulator.profiles[profile_id]
                properties = properties or {}
                if name in read_by_conditions:
                    simulator.remember(profile, EventFact(name, at, seq, properties))
                if at >= start and name in heard:
                    simulator.event(profile, name, properties, at, message_id)
        simulator.run_until(end)
    return {
        "journey": journey.key,
        "version": version,
        "from": iso_instant(start),
        "to": iso_instant(end),
        **simulator.report(),
    }


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """A backtest holds millions of young objects that form no garbage cycles: Python's
    cycle collector would scan them over and over (40% of the time for a million
    events). Reference counting still frees everything as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _meet(
    connection: Connection,
    simulator: Simulator,
    workspace_id: str,
    journey_id: str,
    profile_ids: set[str],
    start: datetime,
) -> None:
    """Add the profiles not met yet: today's traits, and the messages other journeys
    really sent them that caps count."""
    new = sorted(profile_ids - simulator.profiles.keys())
    if not new:
        return
    found = connection.execute(
        select(profiles.c.id, profiles.c.traits).where(
            profiles.c.workspace_id == workspace_id,
            among(profiles.c.id, new, connection.dialect),
        )
    ).all()
    traits = {profile_id: found_traits or {} for profile_id, found_traits in found}
    since = start - simulator.policy.longest_cap
    ledgers = load_ledgers(connection, simulator.policy, new, since, other_than=journey_id)
    recorded = consents_of(connection, new)
    for profile_id in new:
        met = simulator.add_profile(profile_id, traits.get(profile_id, {}), ledgers[profile_id])
        met.consent = recorded.get(profile_id, {})


@dataclass(frozen=True)
class Supposed:
    """An event a test run supposes the profile sends, `after` its entry."""

    after: timedelta
    event: str
    properties: dict[str, Any]


def trial_run(
    connection: Connection,
    workspace_id: str,
    journey: Journey,
    version: int,
    profile_id: str,
    now: datetime,
    *,
    supposed: Iterable[Supposed] = (),
    properties: dict[str, Any] | None = None,
    horizon: timedelta = timedelta(days=30),
    entry_rules: bool = True,
) -> dict[str, Any]:
    """Run one profile through a version of the journey from `now` for `horizon`, with
    its real traits, history and messages, and the events supposed; sends nothing."""
    definition = definition_of(connection, journey.id, version)
    policy = load_policy(connection, workspace_id)
    catalog = conditions_catalog(connection, workspace_id, [definition])
    simulator = Simulator(definition, catalog, policy, sample=1, entry_rules=entry_rules)
    facts, _ = load_facts(connection, workspace_id, [profile_id], catalog, now)
    real = facts.get(profile_id, ProfileFacts(profile_id, {}, None, None, []))
    ledger = load_ledgers(connection, policy, [profile_id], now - policy.longest_cap)
    profile = simulator.add_profile(profile_id, real.traits, ledger[profile_id])
    profile.consent = consents_of(connection, [profile_id]).get(profile_id, {})
    profile.facts = ProfileFacts(
        profile_id, real.traits, real.first_seen, real.last_seen, list(real.events)
    )
    profile.ended_at = connection.execute(
        select(func.max(journey_instances.c.ended_at)).where(
            journey_instances.c.journey_id == journey.id,
            journey_instances.c.profile_id == profile_id,
        )
    ).scalar()
    simulator.now = now
    refusal = simulator.enter(profile, _trigger(connection, definition, profile_id, properties))
    result: dict[str, Any] = {
        "journey": journey.key,
        "version": version,
        "profile_id": profile_id,
        "from": iso_instant(now),
        "to": iso_instant(now + horizon),
        "entered": refusal is None,
    }
    if refusal is not None:
        return {**result, "refusal": refusal}
    ordered = sorted(supposed, key=lambda s: s.after)
    for number, event in enumerate(ordered):
        at = now + event.after
        if at > now + horizon:
            break
        simulator.run_until(at)
        simulator.remember(profile, EventFact(event.event, at, -1 - number, event.properties))
        simulator.event(profile, event.event, event.properties, at, f"test-run:{number}")
    simulator.run_until(now + horizon)
    (instance,) = simulator.instances
    path = simulator.path(instance)
    phone = profile.traits.get("phone")
    address = {"email": profile.traits.get("email"), "sms": phone, "whatsapp": phone}
    for message in path["messages"]:
        message["to"] = address.get(message["channel"])
        message["payload"] = {"trigger": instance.state.trigger}
    return {**result, **path}


def _trigger(
    connection: Connection,
    definition: JourneyDefinition,
    profile_id: str,
    properties: dict[str, Any] | None,
) -> dict[str, Any]:
    """The given properties, else those of the profile's latest event that triggers it."""
    matcher = event_of(definition.trigger)
    if matcher is None or properties is not None:
        return {"event": None if matcher is None else matcher.event, "properties": properties or {}}
    rows = connection.execute(
        select(events.c.event, events.c.properties, events.c.message_id, events.c.timestamp)
        .where(events.c.profile_id == profile_id, events.c.event == matcher.event)
        .order_by(events.c.timestamp.desc(), events.c.seq.desc())
        .limit(50)
    )
    for name, found, message_id, at in rows:
        if matcher.matches(name, found or {}, at):
            return {"event": name, "properties": found or {}, "message_id": message_id}
    return {"event": matcher.event, "properties": {}}
