"""Sentiment (`kind: sentiment`): the mood of a text property of an event, as a score from
-1 to 1, a label and the language it is written in.

Nothing is trained. `train` measures the analysers on the labelled sentences of
`sentiment_samples.yaml` (accuracy of the label per language, and of the language
detection) and records which languages have an analyser: English has VADER. For
Hungarian, Polish, Turkish and Romanian no package was found that scores sentences, is
light and works offline (Polish and Turkish lexicons exist, but need a spaCy model from
outside PyPI or a morphological analyser), so they are `supported: false`: their texts
get a detected language but no score and no label, never a guess. Languages are told
apart by lingua, among the seed markets' and a few common ones.

A profile's score reads its latest event of the definition (by time): `value` is the
score, `traits` are `label` (negative, neutral or positive: at or below `negative_below`,
at or above its opposite, or between) and `language` (ISO 639-1), so segments can hold
"wrote something negative" or "writes in Hungarian"; `detail` keeps `supported` and the
source message id. There is no decile: the score is a reading, not a ranking.

`analyze_new` reads the events that arrived since a cursor and records a `Sentiment
Analyzed` event for each, as Baton records its own events, so a journey can start on a
negative one (the service-recovery template).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from lingua import Language, LanguageDetector, LanguageDetectorBuilder
from sqlalchemy import Connection, func, select
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from baton.predict.definitions import SentimentDefinition
from baton.predict.kinds import Progress, Reason, Score, Trained
from baton.storage.database import among
from baton.storage.tables import events, profiles
from baton.timeline import timeline_row, write_timeline

SENTIMENT_ANALYZED = "Sentiment Analyzed"
SAMPLES = Path(__file__).with_name("sentiment_samples.yaml")
# The seed markets' languages and a few that their customers often write in.
_DETECTED = (
    Language.ENGLISH,
    Language.HUNGARIAN,
    Language.POLISH,
    Language.TURKISH,
    Language.ROMANIAN,
    Language.GERMAN,
    Language.FRENCH,
    Language.SPANISH,
    Language.ITALIAN,
    Language.DUTCH,
    Language.RUSSIAN,
    Language.UKRAINIAN,
)
# Events read by one call of `analyze_new`.
BATCH = 500
# Longer texts are cut: the start of a ticket says how its writer feels.
_MAX_TEXT = 5_000
_SHOWN = 80


@dataclass(frozen=True)
class Reading:
    """What the analyser makes of one text."""

    score: float | None
    label: str | None
    language: str | None
    supported: bool


class Analyser:
    """Language detection and the per-language scorers, built once per process."""

    # Languages with an analyser; see the module's docstring for the others.
    supported: frozenset[str] = frozenset({"en"})

    def __init__(self) -> None:
        self._detector: LanguageDetector = LanguageDetectorBuilder.from_languages(
            *_DETECTED
        ).build()
        self._vader = SentimentIntensityAnalyzer()

    def language(self, text: str) -> str | None:
        found = self._detector.detect_language_of(text)
        return None if found is None else found.iso_code_639_1.name.lower()

    def read(self, text: str, negative_below: float, supported: frozenset[str]) -> Reading:
        """The text's language, and its score and label where that language is supported."""
        text = text[:_MAX_TEXT]
        language = self.language(text)
        if language not in supported or language not in self.supported:
            return Reading(None, None, language, False)
        score = float(self._vader.polarity_scores(text)["compound"])
        return Reading(score, label_of(score, negative_below), language, True)

    def words(self, text: str) -> list[tuple[str, float]]:
        """The words of an English text VADER's lexicon knows, with their valence (-4..4),
        strongest first."""
        lexicon: dict[str, float] = self._vader.lexicon
        found = {w.strip(".,!?;:\"'()").lower() for w in text[:_MAX_TEXT].split()}
        known = [(w, float(lexicon[w])) for w in found if w in lexicon]
        return sorted(known, key=lambda item: (-abs(item[1]), item[0]))


@cache
def analyser() -> Analyser:
    return Analyser()


def label_of(score: float, negative_below: float) -> str:
    if score <= negative_below:
        return "negative"
    return "positive" if score >= -negative_below else "neutral"


class Sentiment:
    """The `Kind` of `sentiment` predictions."""

    def train(
        self,
        connection: Connection,
        workspace_id: str,
        definition: SentimentDefinition,
        now: datetime,
        progress: Progress,
    ) -> Trained:
        reader = analyser()
        samples: dict[str, dict[str, list[str]]] = yaml.safe_load(SAMPLES.read_text("utf-8"))
        accuracy: dict[str, float | None] = {}
        detection: dict[str, float] = {}
        counts: dict[str, int] = {}
        for done, (language, by_label) in enumerate(sorted(samples.items()), start=1):
            pairs = [(text, label) for label, texts in by_label.items() for text in texts]
            readings = [
                reader.read(text, definition.negative_below, reader.supported) for text, _ in pairs
            ]
            counts[language] = len(pairs)
            detection[language] = _share(r.language == language for r in readings)
            if language in reader.supported:
                right = (r.label == label for r, (_, label) in zip(readings, pairs, strict=True))
                accuracy[language] = _share(right)
            else:
                accuracy[language] = None
            progress(done / len(samples))
        supported = {language: language in reader.supported for language in samples}
        return Trained(
            model=json.dumps(
                {"supported": sorted(reader.supported), "negative_below": definition.negative_below}
            ).encode(),
            metrics={
                "accuracy": accuracy,
                "supported": supported,
                "language_detection": detection,
                "samples": counts,
                "analysers": {"en": f"vaderSentiment {metadata.version('vaderSentiment')}"},
            },
            features=[
                {
                    "name": definition.text,
                    "type": "text",
                    "importance": None,
                    "event": definition.event,
                }
            ],
            window_start=None,
            window_end=now,
            intended_use=(
                "Spot unhappy customers in what they write (tickets, reviews, NPS comments)"
                " and start a service-recovery journey; follow the mood of a customer base."
            ),
            limits=[
                "Only English is scored (VADER, a lexicon tuned to social media);"
                " other languages are detected and left unscored.",
                'Sarcasm, mixed feelings and domain words ("cheap", "sick") are misread.',
                "Measured on a few labelled sentences per language, not on this workspace's texts.",
            ],
        )

    def score(
        self,
        connection: Connection,
        workspace_id: str,
        definition: SentimentDefinition,
        model: bytes,
        now: datetime,
    ) -> Iterator[Score]:
        reader, supported = analyser(), _supported(model)
        for profile_id, message_id, text in _latest_texts(connection, workspace_id, definition):
            reading = reader.read(text, definition.negative_below, supported)
            yield Score(
                profile_id,
                reading.score,
                traits={"label": reading.label, "language": reading.language},
                detail={"supported": reading.supported, "source_message_id": message_id},
            )

    def explain(
        self,
        connection: Connection,
        workspace_id: str,
        definition: SentimentDefinition,
        model: bytes,
        profile_id: str,
        now: datetime,
    ) -> list[Reason]:
        found = _latest_texts(connection, workspace_id, definition, profile_id)
        if not found:
            return [Reason(f"no {definition.event} with a text yet", definition.text, 0.0)]
        _, _, text = found[0]
        reader = analyser()
        reading = reader.read(text, definition.negative_below, _supported(model))
        shown = text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
        score = reading.score or 0.0
        reasons = [Reason(f"their latest {definition.event}: “{shown}”", definition.text, score)]
        if not reading.supported:
            language = reading.language or "an undetected language"
            reasons.append(Reason(f"written in {language}: no analyser, no score", "language", 0))
            return reasons
        for word, valence in reader.words(text)[:3]:
            mood = "negative" if valence < 0 else "positive"
            reasons.append(Reason(f"“{word}” reads as {mood}", definition.text, valence / 4))
        return reasons


def analyze_new(
    connection: Connection,
    workspace_id: str,
    prediction_id: str,
    definition: SentimentDefinition,
    cursor: int | None,
    now: datetime,
    *,
    settled_through: int | None,
) -> tuple[int | None, int]:
    """Read the definition's events after `cursor` (an events `seq`, None for the start),
    up to `BATCH` of them, and record a `Sentiment Analyzed` event for each text; returns
    the new cursor and how many were recorded.

    It reads no further than `settled_through` (`SettledEvents`: None for every event),
    past which an event may still commit below one read. It stops before an event
    identity has not resolved yet, and reads it next time. The
    recorded event's message id is derived from its source's, so reading the same events
    again records and announces nothing twice.
    """
    e = events.c
    query = (
        select(
            e.seq, e.message_id, e.profile_id, e.error, e.properties[definition.text].as_string()
        )
        .where(e.workspace_id == workspace_id, e.event == definition.event, e.type == "track")
        .order_by(e.seq)
        .limit(BATCH)
    )
    if cursor is not None:
        query = query.where(e.seq > cursor)
    if settled_through is not None:
        query = query.where(e.seq <= settled_through)
    reader, read_up_to = analyser(), cursor
    rows: list[dict[str, Any]] = []
    for seq, message_id, profile_id, error, body in connection.execute(query):
        if profile_id is None and error is None:
            break
        read_up_to = seq
        if profile_id is None or not isinstance(body, str) or not body.strip():
            continue
        reading = reader.read(body, definition.negative_below, reader.supported)
        properties = {
            "prediction": definition.key,
            "score": reading.score,
            "label": reading.label,
            "language": reading.language,
            "supported": reading.supported,
            "source_event": definition.event,
            "source_message_id": message_id,
        }
        key = _derived_id(prediction_id, message_id)
        rows.append(
            timeline_row(
                workspace_id,
                profile_id,
                SENTIMENT_ANALYZED,
                properties,
                now,
                key,
                library="baton-predict",
            )
        )
    # Announced only once: an event announced again would reach the journeys again.
    seen = _recorded(connection, workspace_id, [row["message_id"] for row in rows])
    fresh = [row for row in rows if row["message_id"] not in seen]
    write_timeline(connection, fresh, now)
    return read_up_to, len(fresh)


def _recorded(connection: Connection, workspace_id: str, message_ids: list[str]) -> set[str]:
    if not message_ids:
        return set()
    found = connection.execute(
        select(events.c.message_id).where(
            events.c.workspace_id == workspace_id,
            among(events.c.message_id, message_ids, connection.dialect),
        )
    )
    return set(found.scalars())


def _derived_id(prediction_id: str, source_message_id: str) -> str:
    """One id per (prediction, source message), whatever the source id's length."""
    digest = hashlib.sha256(f"{prediction_id}\x00{source_message_id}".encode()).hexdigest()
    return f"sentiment-{digest[:40]}"


def _latest_texts(
    connection: Connection,
    workspace_id: str,
    definition: SentimentDefinition,
    profile_id: str | None = None,
) -> list[tuple[str, str, str]]:
    """(profile, message id, text) of each live profile's latest event with a text."""
    e = events.c
    text = e.properties[definition.text].as_string()
    place = (
        func.row_number()
        .over(partition_by=e.profile_id, order_by=(e.timestamp.desc(), e.seq.desc()))
        .label("place")
    )
    ranked = (
        select(e.profile_id, e.message_id, text.label("text"), place)
        .join(profiles, profiles.c.id == e.profile_id)
        .where(
            e.workspace_id == workspace_id,
            e.event == definition.event,
            e.type == "track",
            text.is_not(None),
            profiles.c.merged_into.is_(None),
        )
    )
    if profile_id is not None:
        ranked = ranked.where(e.profile_id == profile_id)
    latest = ranked.subquery()
    rows = connection.execute(
        select(latest.c.profile_id, latest.c.message_id, latest.c.text)
        .where(latest.c.place == 1)
        .order_by(latest.c.profile_id)
    )
    return [(p, m, t) for p, m, t in rows if isinstance(t, str) and t.strip()]


def _supported(model: bytes) -> frozenset[str]:
    return frozenset(json.loads(model)["supported"])


def _share(hits: Iterable[bool]) -> float:
    found = list(hits)
    return round(sum(found) / len(found), 4) if found else 0.0
