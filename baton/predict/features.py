"""The feature matrix of a workspace as of an instant: profile traits, computed traits and
event counts and recency, read with a few GROUP BY queries (never one query per profile).

Trait values imported from CSV are text ("29.85", "Yes", "Month-to-month"), so each trait's
type is inferred from the values seen, and the result is kept as a `FeatureSpec`: JSON that
rebuilds exactly the same columns when the model scores later.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Connection, Float, case, cast, func, literal, select

from baton.predict.definitions import PREFIX, Features
from baton.segments import PREDICTED_KEY
from baton.segments.definitions import SEGMENT_ENTERED, SEGMENT_EXITED
from baton.storage.tables import Instant, events, profiles

AUTO_EVENTS = 20
MAX_LEVELS = 30
OTHER = "other"
_DAY = 86400.0
_BOOLEAN_WORDS = {"yes": True, "no": False, "true": True, "false": False, "y": True, "n": False}
_BOOLEAN_NUMBERS = {"1": True, "0": False}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Who someone is, not how they behave: never a feature, whatever its values look like.
_IDENTITY_KEYS = {
    "email",
    "phone",
    "name",
    "firstname",
    "lastname",
    "username",
    "userid",
    "id",
    "address",
}
# Baton's own bookkeeping, not the customer's behaviour.
_OWN_EVENTS = (SEGMENT_ENTERED, SEGMENT_EXITED)

Source = Literal["trait", "computed", "event"]
Type = Literal["numeric", "boolean", "categorical"]
# Per event: how many in the last 30 and 90 days, how many ever, days since the last one.
Stat = Literal["count_30d", "count_90d", "count_ever", "days_since"]
_STATS: tuple[Stat, ...] = ("count_30d", "count_90d", "count_ever", "days_since")
Matrix = NDArray[np.float64]


@dataclass(frozen=True)
class Feature:
    """One column: where its value comes from, its type and (categorical) its levels.

    Categorical values are encoded as the index of their level, `len(levels)` for the rest
    ("other"); booleans as 1/0; a missing value is NaN whatever the type.
    """

    name: str
    source: Source
    key: str
    type: Type
    inferred: str
    stat: Stat | None = None
    levels: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "source": self.source,
            "key": self.key,
            "type": self.type,
            "inferred": self.inferred,
        }
        if self.stat is not None:
            data["stat"] = self.stat
        if self.type == "categorical":
            data["levels"] = list(self.levels)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Feature:
        return cls(
            name=data["name"],
            source=data["source"],
            key=data["key"],
            type=data["type"],
            inferred=data["inferred"],
            stat=data.get("stat"),
            levels=tuple(data.get("levels", ())),
        )


@dataclass(frozen=True)
class FeatureSpec:
    features: tuple[Feature, ...]
    # Traits left out, with why: {"name", "reason"}.
    dropped: tuple[dict[str, str], ...] = ()

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def categorical(self) -> list[int]:
        return [i for i, f in enumerate(self.features) if f.type == "categorical"]

    def to_json(self) -> dict[str, Any]:
        return {
            "features": [f.to_json() for f in self.features],
            "dropped": [dict(d) for d in self.dropped],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureSpec:
        return cls(
            tuple(Feature.from_json(f) for f in data["features"]),
            tuple(data.get("dropped", ())),
        )


@dataclass(frozen=True)
class Profiles:
    """Live profiles, in id order, with their traits and computed traits."""

    ids: list[str]
    traits: list[dict[str, Any]]
    computed: list[dict[str, Any]] = field(repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    def subset(self, keep: Sequence[int]) -> Profiles:
        return Profiles(
            [self.ids[i] for i in keep],
            [self.traits[i] for i in keep],
            [self.computed[i] for i in keep],
        )


def load_profiles(
    connection: Connection,
    workspace_id: str,
    *,
    seen_before: datetime | None = None,
    profile_id: str | None = None,
) -> Profiles:
    """Live profiles (not merged away); only those first seen before `seen_before` if given."""
    query = (
        select(profiles.c.id, profiles.c.traits, profiles.c.computed)
        .where(profiles.c.workspace_id == workspace_id, profiles.c.merged_into.is_(None))
        .order_by(profiles.c.id)
    )
    if seen_before is not None:
        query = query.where(profiles.c.first_seen < seen_before)
    if profile_id is not None:
        query = query.where(profiles.c.id == profile_id)
    ids: list[str] = []
    traits: list[dict[str, Any]] = []
    computed: list[dict[str, Any]] = []
    for id_, trait_values, computed_values in connection.execute(query):
        ids.append(id_)
        traits.append(trait_values or {})
        computed.append(computed_values or {})
    return Profiles(ids, traits, computed)


def infer_spec(
    connection: Connection,
    workspace_id: str,
    selection: Features,
    population: Profiles,
    as_of: datetime,
    *,
    skip: Iterable[str] = (),
) -> FeatureSpec:
    """The columns for `selection`, their types inferred from `population`'s values."""
    skipped = set(selection.exclude) | set(skip)
    found: list[Feature] = []
    dropped: list[dict[str, str]] = []
    taken: set[str] = set()
    for source, documents, chosen in (
        ("trait", population.traits, selection.traits),
        ("computed", population.computed, selection.computed),
    ):
        keys = _keys(documents) if chosen == "*" else list(chosen)
        for key in keys:
            # The predictions' own computed traits (under `predicted`) never feed a model.
            if (
                key in skipped
                or key.startswith(PREFIX)
                or (source, key) == ("computed", PREDICTED_KEY)
            ):
                continue
            name = key if key not in taken else f"computed {key}"
            taken.add(name)
            inferred = _infer(name, source, key, [d.get(key) for d in documents])  # type: ignore[arg-type]
            if isinstance(inferred, str):
                dropped.append({"name": name, "reason": inferred})
            else:
                found.append(inferred)
    if selection.events == "auto":
        names = frequent_events(connection, workspace_id, as_of)
    elif selection.events == "none":
        names = []
    else:
        names = list(selection.events)
    for event in names:
        found.extend(event_features(event))
    return FeatureSpec(tuple(found), tuple(dropped))


def frequent_events(connection: Connection, workspace_id: str, as_of: datetime) -> list[str]:
    """The workspace's most frequent event names before `as_of`."""
    count = func.count().label("n")
    rows = connection.execute(
        select(events.c.event, count)
        .where(
            events.c.workspace_id == workspace_id,
            events.c.type == "track",
            events.c.event.is_not(None),
            events.c.event.not_in(_OWN_EVENTS),
            events.c.profile_id.is_not(None),
            events.c.timestamp < as_of,
        )
        .group_by(events.c.event)
        .order_by(count.desc(), events.c.event)
        .limit(AUTO_EVENTS)
    )
    return [str(event) for event, _ in rows]


def event_features(event: str) -> list[Feature]:
    names: dict[Stat, tuple[str, str]] = {
        "count_30d": (f"{event}: times in the last 30 days", "count of events"),
        "count_90d": (f"{event}: times in the last 90 days", "count of events"),
        "count_ever": (f"{event}: times ever", "count of events"),
        "days_since": (f"days since last {event}", "days since the last one; missing if never"),
    }
    return [
        Feature(name, "event", event, "numeric", inferred, stat=stat)
        for stat, (name, inferred) in names.items()
    ]


def matrix(
    connection: Connection,
    workspace_id: str,
    spec: FeatureSpec,
    population: Profiles,
    as_of: datetime,
) -> Matrix:
    """One row per profile of `population`, one column per feature of `spec`; events count
    only when they happened before `as_of`."""
    values = np.full((len(population), len(spec.features)), np.nan)
    for column, feature in enumerate(spec.features):
        if feature.source == "event":
            continue
        documents = population.traits if feature.source == "trait" else population.computed
        values[:, column] = _encode(feature, [d.get(feature.key) for d in documents])
    _event_columns(connection, workspace_id, spec, population, as_of, values)
    return values


def _event_columns(
    connection: Connection,
    workspace_id: str,
    spec: FeatureSpec,
    population: Profiles,
    as_of: datetime,
    values: Matrix,
) -> None:
    columns: dict[tuple[str, Stat], int] = {
        (f.key, f.stat): i for i, f in enumerate(spec.features) if f.stat is not None
    }
    names = sorted({event for event, _ in columns})
    if not names or not len(population):
        return
    at = events.c.timestamp
    query = (
        select(
            events.c.profile_id,
            events.c.event,
            func.sum(case((at >= as_of - timedelta(days=30), 1), else_=0)),
            func.sum(case((at >= as_of - timedelta(days=90), 1), else_=0)),
            func.count(),
            _days_since(func.max(at), as_of, connection.dialect.name),
        )
        .where(
            events.c.workspace_id == workspace_id,
            events.c.event.in_(names),
            events.c.profile_id.is_not(None),
            at < as_of,
        )
        .group_by(events.c.profile_id, events.c.event)
    )
    if len(population) == 1:
        query = query.where(events.c.profile_id == population.ids[0])
    # Never having done it is a count of 0 (but no "days since").
    for (_, stat), column in columns.items():
        if stat != "days_since":
            values[:, column] = 0.0
    found = connection.execute(query).all()
    if not found:
        return
    # A million (profile, event) rows at scale: placed with numpy, not row by row.
    profile_ids, event_names, *measured = zip(*found, strict=True)
    row_of = {profile_id: i for i, profile_id in enumerate(population.ids)}
    rows = np.fromiter((row_of.get(p, -1) for p in profile_ids), np.int64, len(found))
    code_of = {event: i for i, event in enumerate(names)}
    codes = np.fromiter((code_of[e] for e in event_names), np.int64, len(found))
    for stat, numbers in zip(_STATS, measured, strict=True):
        target = np.array([columns.get((event, stat), -1) for event in names])[codes]
        keep = (rows >= 0) & (target >= 0)
        values[rows[keep], target[keep]] = np.asarray(numbers, dtype=np.float64)[keep]


def _days_since(last: Any, as_of: datetime, dialect: str) -> Any:
    """Days from `last` to `as_of`, computed by the database: converting a million instants
    in Python costs more than the query."""
    instant = literal(as_of, Instant())
    if dialect == "sqlite":
        return func.julianday(instant) - func.julianday(last)
    return cast(func.extract("epoch", instant - last), Float) / _DAY


def _keys(documents: list[dict[str, Any]]) -> list[str]:
    counts: Counter[str] = Counter()
    for document in documents:
        counts.update(document.keys())
    return sorted(counts)


def _infer(name: str, source: Source, key: str, raw: list[Any]) -> Feature | str:
    """The feature for these values, or why none is made of them."""
    present = [v for v in raw if v is not None and not (isinstance(v, str) and not v.strip())]
    if not present:
        return "never set"
    if any(isinstance(v, (dict, list)) for v in present):
        return "not a single value (a list or an object)"
    if re.sub(r"[^a-z]", "", key.lower()) in _IDENTITY_KEYS:
        return "identifies a person"
    texts = [_text(v) for v in present]
    distinct = Counter(texts)
    # A value some profiles have and others lack still tells them apart.
    if len(distinct) < 2 and len(present) == len(raw):
        return f"the same for everyone ({_quote(present[0])})"
    examples = _examples(present, distinct)
    if all(t.lower() in _BOOLEAN_WORDS or t in _BOOLEAN_NUMBERS for t in distinct):
        if all(isinstance(v, bool) for v in present):
            inferred = "boolean"
        else:
            inferred = f"boolean from {examples}"
        return Feature(name, source, key, "boolean", inferred)
    if all(_number(v) is not None for v in present):
        if any(isinstance(v, str) for v in present):
            like = next(v for v in present if isinstance(v, str))
            inferred = f"numeric from text like {_quote(like)}"
        else:
            inferred = "numeric"
        return Feature(name, source, key, "numeric", inferred)
    if sum(1 for t in texts if _EMAIL.match(t)) * 2 > len(texts):
        return "looks like e-mail addresses"
    if len(distinct) > MAX_LEVELS and len(distinct) * 2 > len(texts):
        return f"{len(distinct)} different values among {len(texts)}: an id or free text"
    levels = tuple(level for level, _ in sorted(distinct.items(), key=lambda kv: (-kv[1], kv[0])))
    if len(levels) > MAX_LEVELS:
        inferred = (
            f"categorical from text: the {MAX_LEVELS} most frequent of {len(levels)} values, "
            f"the rest '{OTHER}'"
        )
        levels = levels[:MAX_LEVELS]
    else:
        inferred = f"categorical from text, {len(levels)} values such as {examples}"
    return Feature(name, source, key, "categorical", inferred, levels=levels)


def _encode(feature: Feature, raw: list[Any]) -> NDArray[np.float64]:
    """Values repeat (levels, yes/no, common amounts): each distinct one is converted once."""
    if feature.type == "categorical":
        index = {level: float(i) for i, level in enumerate(feature.levels)}
        other = float(len(feature.levels))

        def convert(value: Any) -> float:
            if value is None or isinstance(value, (dict, list)):
                return math.nan
            text = _text(value)
            return index.get(text, other) if text else math.nan

    elif feature.type == "boolean":

        def convert(value: Any) -> float:
            truth = _boolean(value)
            return math.nan if truth is None else float(truth)

    else:

        def convert(value: Any) -> float:
            number = _number(value)
            return math.nan if number is None else number

    cache: dict[Any, float] = {}
    out = np.empty(len(raw))
    for i, value in enumerate(raw):
        hashable = (type(value), value) if not isinstance(value, (dict, list)) else None
        if hashable is None:
            out[i] = convert(value)
            continue
        found = cache.get(hashable)
        if found is None:
            found = cache[hashable] = convert(value)
        out[i] = found
    return out


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if value is None or isinstance(value, (dict, list)):
        return None
    text = _text(value).lower()
    found = _BOOLEAN_WORDS.get(text)
    return found if found is not None else _BOOLEAN_NUMBERS.get(text)


def _quote(value: Any) -> str:
    return f"'{_text(value)}'"


def _examples(present: list[Any], distinct: Counter[str]) -> str:
    return "/".join(f"'{text}'" for text, _ in distinct.most_common(2))


def describe(feature: Feature, value: float) -> str:
    """A feature's value in plain words: "no Order Completed in 74 days", "contract: one year"."""
    label = _words(feature.key)
    missing = math.isnan(value)
    if feature.source == "event":
        event = feature.key
        if feature.stat == "days_since":
            if missing:
                return f"never did {event}"
            days = int(value)
            return f"{event} today" if days == 0 else f"no {event} in {_count(days, 'day')}"
        times = int(value)
        within = {"count_30d": " in the last 30 days", "count_90d": " in the last 90 days"}
        span = within.get(feature.stat or "", "")
        if times == 0:
            return f"no {event}{span}" if span else f"never did {event}"
        return f"{event} {_times(times)}{span}"
    if missing:
        return f"{label}: not set"
    if feature.type == "categorical":
        level = feature.levels[int(value)] if int(value) < len(feature.levels) else OTHER
        return f"{label}: {level.lower()}"
    if feature.type == "boolean":
        return f"{label}: {'yes' if value else 'no'}"
    return f"{label}: {value:g}"


def _words(key: str) -> str:
    """`PaperlessBilling`, `paperless_billing` → "paperless billing"."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", key)
    return re.sub(r"[_\-\s]+", " ", spaced).strip().lower()


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")
