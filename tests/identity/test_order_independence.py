"""Property: the same set of messages, processed in any order and in any batch sizes,
yields the same grouping into profiles, and each profile the same traits, identifiers
(shared ones too), first and last seen, and counts; every merged-away profile leads to
the profile holding its events."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.ingest import parse_message, store_messages
from baton.storage.database import write_transaction
from baton.workspaces import create_workspace
from tests.conftest import process_all
from tests.identity.helpers import outcome

USERS = ["u1", "u2", "u3"]
DEVICES = ["d1", "d2", "d3", "d4"]
EMAILS = ["ann@example.com", "ANN@example.com ", "bo@example.com", "cy@example.com"]
TIMES = [f"2026-02-01T10:0{minute}:00Z" for minute in range(6)]


@st.composite
def message(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["identify", "track", "page", "alias"]))
    user = draw(st.none() | st.sampled_from(USERS))
    device = draw(st.none() | st.sampled_from(DEVICES))
    if user is None and device is None:
        device = draw(st.sampled_from(DEVICES))
    raw: dict[str, Any] = {"type": kind, "timestamp": draw(st.sampled_from(TIMES))}
    if user is not None:
        raw["userId"] = user
    if device is not None:
        raw["anonymousId"] = device
    if kind == "alias":
        raw["userId"] = user or draw(st.sampled_from(USERS))
        raw["previousId"] = draw(st.sampled_from(USERS + DEVICES))
    traits = {}
    if draw(st.booleans()):
        traits["email"] = draw(st.sampled_from(EMAILS))
    if draw(st.booleans()):
        traits["color"] = draw(st.sampled_from(["red", "green", "blue"]))
    if kind == "identify":
        raw["traits"] = traits
    elif traits:
        raw["context"] = {"traits": traits}
    if kind == "track":
        raw["event"] = "Clicked"
    return raw


scenario = st.lists(message(), min_size=1, max_size=14).flatmap(
    lambda messages: st.tuples(
        st.just([{**m, "messageId": f"m{i:02d}"} for i, m in enumerate(messages)]),
        st.permutations(list(range(len(messages)))),
        st.permutations(list(range(len(messages)))),
        st.integers(min_value=1, max_value=5),
        st.integers(min_value=1, max_value=14),
    )
)


def run(
    engine: Engine, clock: ManualClock, messages: list[dict[str, Any]], order: list[int], chunk: int
) -> str:
    with write_transaction(engine) as connection:
        workspace_id = create_workspace(connection, "property", clock)
    for start in range(0, len(order), chunk):
        parsed = [
            parse_message(messages[i], received_at=clock.now(), ip=None, size=0)
            for i in order[start : start + chunk]
        ]
        store_messages(engine, workspace_id, parsed)
        process_all(engine, clock, batch_size=chunk)
    return workspace_id


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario)
def test_grouping_does_not_depend_on_processing_order(
    engine: Engine,
    clock: ManualClock,
    case: tuple[list[dict[str, Any]], list[int], list[int], int, int],
) -> None:
    messages, first_order, second_order, first_chunk, second_chunk = case
    first = run(engine, clock, messages, first_order, first_chunk)
    second = run(engine, clock, messages, second_order, second_chunk)
    assert outcome(engine, first) == outcome(engine, second)
