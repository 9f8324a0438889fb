"""Sentiment: VADER reads English, the seed markets' languages are detected and honestly
left unscored, each profile's latest text is its score, and every new text is recorded
once as a `Sentiment Analyzed` event, however often the same events are read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.ingest import parse_message, store_messages
from baton.ingest.messages import ReservedEvent
from baton.predict.definitions import SentimentDefinition
from baton.predict.sentiment import SENTIMENT_ANALYZED, Sentiment, analyser, analyze_new
from baton.storage.database import write_transaction
from baton.storage.tables import events
from tests.conftest import Workspace, process_all
from tests.identity.helpers import send
from tests.segments.helpers import track, user_of

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)
MOODS = SentimentDefinition(kind="sentiment", key="moods", event="Review Written", text="body")
TEXTS = {
    "en+": "Great product, I absolutely love it. Thank you!",
    "en-": "Awful delivery, the parcel was broken and support was useless.",
    "hu": "Nagyon elégedett vagyok, köszönöm a gyors segítséget!",
    "pl": "Paczka przyszła spóźniona i uszkodzona, jestem rozczarowany.",
    "tr": "Berbat bir deneyim, kimse e-postalarıma cevap vermedi.",  # noqa: RUF001
    "ro": "Sunt foarte mulțumit, produsul este de o calitate excelentă.",
}


def test_training_measures_english_and_marks_the_seed_languages_unsupported() -> None:
    shares: list[float] = []
    trained = Sentiment().train(None, "ws", MOODS, NOW, shares.append)  # type: ignore[arg-type]
    metrics = trained.metrics
    assert shares[-1] == 1.0
    assert metrics["supported"] == {"en": True, "hu": False, "pl": False, "tr": False, "ro": False}
    assert metrics["accuracy"]["en"] >= 0.8
    assert all(metrics["accuracy"][language] is None for language in ("hu", "pl", "tr", "ro"))
    assert metrics["samples"] == dict.fromkeys(("en", "hu", "pl", "ro", "tr"), 15)
    assert all(share >= 0.9 for share in metrics["language_detection"].values())


@pytest.mark.parametrize(("key", "language"), [("hu", "hu"), ("pl", "pl"), ("tr", "tr"),
                                               ("ro", "ro")])  # fmt: skip
def test_a_seed_language_is_detected_but_not_guessed(key: str, language: str) -> None:
    reader = analyser()
    reading = reader.read(TEXTS[key], -0.05, reader.supported)
    assert (reading.language, reading.supported, reading.score, reading.label) == (
        language, False, None, None)  # fmt: skip


def test_english_is_scored_with_vader() -> None:
    reader = analyser()
    happy = reader.read(TEXTS["en+"], -0.05, reader.supported)
    sad = reader.read(TEXTS["en-"], -0.05, reader.supported)
    assert happy.language == sad.language == "en"
    assert happy.supported
    assert (happy.label, sad.label) == ("positive", "negative")
    assert happy.score is not None
    assert sad.score is not None
    assert happy.score > 0.5 > -0.5 > sad.score
    flat = reader.read("The parcel arrived on Tuesday.", -0.05, reader.supported)
    assert (flat.score, flat.label) == (0.0, "neutral")
    # A stricter threshold calls mildly negative text neutral.
    mild = reader.read("The box was a bit damaged.", -0.05, reader.supported)
    assert mild.label == "negative"
    assert mild.score is not None
    assert reader.read("The box was a bit damaged.", mild.score - 0.1,
                       reader.supported).label == "neutral"  # fmt: skip


def test_each_profile_is_scored_by_its_latest_text(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    at = clock.now()
    send(engine, clock, workspace.id,
         track("changed", "Review Written", at, {"body": TEXTS["en+"]}),
         track("changed", "Review Written", at - timedelta(days=1), {"body": TEXTS["en-"]}),
         track("sad", "Review Written", at, {"body": TEXTS["en-"]}),
         track("polish", "Review Written", at, {"body": TEXTS["pl"]}),
         track("silent", "Review Written", at, {"stars": 5}),
         track("other", "Ticket Opened", at, {"body": TEXTS["en-"]}))  # fmt: skip
    kind = Sentiment()
    with engine.connect() as connection:
        model = kind.train(connection, workspace.id, MOODS, at, lambda _: None).model
        scores = list(kind.score(connection, workspace.id, MOODS, model, at))
        by_user = {user_of(engine, workspace.id, s.profile_id): s for s in scores}
        assert set(by_user) == {"changed", "sad", "polish"}
        assert by_user["changed"].traits == {"label": "positive", "language": "en"}
        assert by_user["sad"].value is not None
        assert by_user["sad"].value < -0.5
        assert by_user["sad"].traits["label"] == "negative"
        assert (by_user["polish"].value, by_user["polish"].traits) == (
            None, {"label": None, "language": "pl"})  # fmt: skip
        assert by_user["polish"].detail["supported"] is False

        reasons = kind.explain(connection, workspace.id, MOODS, model,
                               by_user["sad"].profile_id, at)  # fmt: skip
        assert reasons[0].text.startswith("their latest Review Written: “Awful delivery")
        assert reasons[0].effect < 0
        words = {r.text for r in reasons[1:]}
        assert "“useless” reads as negative" in words
        assert all(r.effect < 0 for r in reasons[1:])
        polish = kind.explain(connection, workspace.id, MOODS, model,
                              by_user["polish"].profile_id, at)  # fmt: skip
        assert polish[1].text == "written in pl: no analyser, no score"


def test_new_texts_are_recorded_once_each_even_when_read_again(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    send(engine, clock, workspace.id,
         *(track(f"user-{key}", "Review Written", clock.now(), {"body": text})
           for key, text in TEXTS.items()),
         track("user-x", "Review Written", clock.now(), {"body": "   "}),
         track("user-x", "Page Viewed", clock.now(), {"body": TEXTS["en-"]}))  # fmt: skip
    cursor, first = _analyze(engine, workspace, None)
    assert first == len(TEXTS)
    assert _analyze(engine, workspace, None) == (cursor, 0)  # from the start again
    assert _analyze(engine, workspace, cursor) == (cursor, 0)
    # A text identity has not resolved yet waits; the cursor stops before it.
    raw = track("late", "Review Written", clock.now(), {"body": TEXTS["en-"]})
    store_messages(engine, workspace.id, [_message(raw, clock)])
    assert _analyze(engine, workspace, cursor) == (cursor, 0)
    process_all(engine, clock)
    later_cursor, found = _analyze(engine, workspace, cursor)
    assert found == 1
    assert later_cursor is not None
    assert cursor is not None
    assert later_cursor > cursor

    recorded = _recorded(engine, workspace.id)
    assert len(recorded) == len(TEXTS) + 1
    by_user = {user_of(engine, workspace.id, p): props for p, props in recorded}
    assert by_user["user-en-"]["label"] == "negative"
    assert by_user["user-en+"]["label"] == "positive"
    assert by_user["late"]["source_event"] == "Review Written"
    assert (by_user["user-hu"]["language"], by_user["user-hu"]["supported"],
            by_user["user-hu"]["label"]) == ("hu", False, None)  # fmt: skip
    assert {p["prediction"] for p in by_user.values()} == {"moods"}
    assert len({p["source_message_id"] for p in by_user.values()}) == len(by_user)


def test_clients_cannot_send_sentiment_analyzed(clock: ManualClock) -> None:
    with pytest.raises(ReservedEvent):
        _message(track("forger", SENTIMENT_ANALYZED, clock.now(), {"label": "negative"}), clock)


def test_reading_stops_at_the_settled_seq(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    """Past it, an event may still commit below one read (baton/storage/settled.py)."""
    send(engine, clock, workspace.id,
         *(track(f"user-{key}", "Review Written", clock.now(), {"body": TEXTS[key]})
           for key in ("en-", "en+")))  # fmt: skip
    with engine.connect() as connection:
        first, second = connection.execute(
            select(events.c.seq).where(events.c.workspace_id == workspace.id).order_by(events.c.seq)
        ).scalars()
    assert _analyze(engine, workspace, None, settled_through=first) == (first, 1)
    assert _analyze(engine, workspace, first, settled_through=first) == (first, 0)
    assert _analyze(engine, workspace, first) == (second, 1)


def _analyze(
    engine: Engine, workspace: Workspace, cursor: int | None, settled_through: int | None = None
) -> tuple[int | None, int]:
    with write_transaction(engine) as connection:
        return analyze_new(
            connection, workspace.id, "pred_moods", MOODS, cursor, NOW,
            settled_through=settled_through,
        )  # fmt: skip


def _message(raw: dict[str, Any], clock: ManualClock) -> Any:
    return parse_message(raw, received_at=clock.now(), ip=None, size=len(orjson.dumps(raw)))


def _recorded(engine: Engine, workspace_id: str) -> list[tuple[str, dict[str, Any]]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(events.c.profile_id, events.c.properties).where(
                events.c.workspace_id == workspace_id, events.c.event == SENTIMENT_ANALYZED
            )
        )
        return [(p, props) for p, props in rows]
