"""Broadcasts end to end on both databases: drafts and sends through the API, the real
pipeline (`run_until_idle`), e-mail to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import Engine, event, select, update

from baton.campaigns import (
    advance_broadcasts,
    broadcast_summaries,
    cohort_of,
    get_broadcast,
    upload_recipients,
)
from baton.channels.engagement import record_click, record_open
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.core.errors import InvalidInput
from baton.segments import Kind
from baton.storage.database import write_transaction
from baton.storage.tables import audit_log, broadcast_recipients, broadcasts, messages
from baton.teams import Role
from baton.workspaces import KeyKind, create_key
from baton.workspaces.policy import parse_policy, save_policy
from tests.api.test_profiles import bearer
from tests.channels.test_email import use_smtp
from tests.conftest import Workspace
from tests.identity.helpers import profile, send
from tests.journeys.helpers import publish, run
from tests.journeys.test_orchestration import advance_to_hour, decisions_of, on_event
from tests.segments.helpers import define, deliver, identify, track
from tests.servers import Mailbox


def people(
    engine: Engine, clock: ManualClock, workspace: Workspace, n: int, **traits: Any
) -> list[str]:
    """`n` profiles with e-mail addresses; their profile ids."""
    users = [f"u{i:03d}" for i in range(n)]
    found = (identify(u, clock.now(), email=f"{u}@example.com", **traits) for u in users)
    deliver(engine, clock, workspace.id, *found)
    return [profile(engine, workspace.id, u)["id"] for u in users]


def templates(engine: Engine, clock: ManualClock, workspace: Workspace, *keys: str) -> None:
    with write_transaction(engine) as connection:
        for key in keys:
            template = {"key": key, "channel": "email", "subject": f"News {key}",
                        "html": "<p>Hello {{ profile.traits.email }}</p>"}  # fmt: skip
            save_template(connection, workspace.id, parse_template(template), clock.now())


@pytest.fixture
def mailbox(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
) -> Mailbox:
    inbox, port = smtp
    with write_transaction(engine) as connection:
        use_smtp(connection, workspace.id, port, str(client.base_url), clock.now())
    templates(engine, clock, workspace, "news", "news-b")
    return inbox


def put(client: httpx.Client, workspace: Workspace, body: dict[str, Any]) -> httpx.Response:
    base = {"name": "News", "channel": "email", "template": "news"}
    return client.put(
        f"/api/v1/broadcasts/{body['key']}", json={**base, **body},
        headers=bearer(workspace.admin_token),
    )  # fmt: skip


def post(client: httpx.Client, workspace: Workspace, key: str, action: str) -> httpx.Response:
    return client.post(f"/api/v1/broadcasts/{key}/{action}", headers=bearer(workspace.admin_token))


def outbox(engine: Engine, workspace: Workspace) -> list[Any]:
    with engine.connect() as connection:
        query = select(messages).where(
            messages.c.workspace_id == workspace.id, messages.c.broadcast_id.is_not(None)
        )
        return list(connection.execute(query.order_by(messages.c.due_at, messages.c.id)))


def restart_from_scratch(engine: Engine, workspace: Workspace, key: str) -> None:
    """As if every trace of the broadcast's progress were lost: all to queue again."""
    with write_transaction(engine) as connection:
        found = get_broadcast(connection, workspace.id, key)
        connection.execute(
            update(broadcast_recipients)
            .where(broadcast_recipients.c.broadcast_id == found.id)
            .values(queued=False)
        )
        connection.execute(
            update(broadcasts)
            .where(broadcasts.c.id == found.id)
            .values(status="sending", enqueued=0, wake_at=found.row.started_at, finished_at=None)
        )


def test_a_segment_gets_the_message_exactly_once_even_when_progress_is_lost(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    ids = people(engine, clock, workspace, 7, plan="pro")
    deliver(engine, clock, workspace.id, identify("free", clock.now(), email="free@example.com"))
    condition = {"trait": "plan", "op": "equals", "value": "pro"}
    define(engine, clock, workspace.id, Kind.SEGMENT,
           {"key": "pros", "name": "Pros", "condition": condition})  # fmt: skip
    saved = put(client, workspace, {"key": "launch", "audience": {"segment": "pros"}})
    assert saved.status_code == 201, saved.text
    assert saved.json()["status"] == "draft"
    sent = post(client, workspace, "launch", "send")
    assert sent.status_code == 200, sent.text
    run(engine, clock)
    expected = sorted([f"u{i:03d}@example.com"] for i in range(7))
    assert sorted(to for to, _ in mailbox.received) == expected
    restart_from_scratch(engine, workspace, "launch")
    run(engine, clock)
    assert len(mailbox.received) == 7
    assert sorted(m.profile_id for m in outbox(engine, workspace)) == sorted(ids)
    admin = bearer(workspace.admin_token)
    shown = client.get("/api/v1/broadcasts/launch", headers=admin).json()
    assert shown["status"] == "sent"
    report = client.get("/api/v1/broadcasts/launch/report", headers=admin).json()
    totals = report["totals"]
    assert (report["recipients"], totals["sent"], totals["delivered"]) == (7, 7, 7)
    assert report["holdout"] is None
    assert shown["summary"] == {"recipients": 7, "sent": 7, "delivered": 7}
    sequel = put(client, workspace, {"key": "sequel", "audience": {"segment": "pros"}})
    assert sequel.status_code == 201
    listed = client.get("/api/v1/broadcasts", headers=admin).json()
    assert [(b["key"], b["summary"]) for b in listed["items"]] == [
        ("launch", {"recipients": 7, "sent": 7, "delivered": 7}),
        ("sequel", {"recipients": 0, "sent": 0, "delivered": 0}),
    ]
    statements: list[str] = []
    with engine.connect() as connection:
        found = [get_broadcast(connection, workspace.id, k).id for k in ("launch", "sequel")]
        event.listen(connection, "before_cursor_execute", lambda *a: statements.append(a[2]))
        assert broadcast_summaries(connection, found)[found[0]]["sent"] == 7
    assert len(statements) == 2  # one grouped query a table, however many broadcasts
    with engine.connect() as connection:
        actions = connection.execute(
            select(audit_log.c.action).where(audit_log.c.workspace_id == workspace.id)
        ).scalars()
        assert {"broadcast.save", "broadcast.send"} <= set(actions)


def test_the_throttle_spaces_the_messages_and_pause_resume_cancel_hold(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    ids = people(engine, clock, workspace, 6)
    body = {"key": "slow", "audience": {"profiles": ids}, "throttle": {"per_minute": 2}}
    assert put(client, workspace, body).status_code == 201
    assert post(client, workspace, "slow", "send").status_code == 200
    start = clock.now()
    run(engine, clock)
    dues = [m.due_at - start for m in outbox(engine, workspace)]
    assert dues == [timedelta(seconds=30 * n) for n in range(6)]
    assert len(mailbox.received) == 1
    clock.advance(timedelta(seconds=30))
    run(engine, clock)
    assert len(mailbox.received) == 2

    assert post(client, workspace, "slow", "pause").json()["status"] == "paused"
    clock.advance(timedelta(minutes=5))
    run(engine, clock)
    assert len(mailbox.received) == 2
    held = Counter((m.status, m.reason) for m in outbox(engine, workspace))
    assert held == {("delivered", None): 2, ("cancelled", "broadcast_paused"): 4}
    assert post(client, workspace, "slow", "pause").status_code == 409

    assert post(client, workspace, "slow", "resume").json()["status"] == "sending"
    run(engine, clock)
    assert len(mailbox.received) == 2  # the next slot moved by the pause's length
    for sent in (3, 4):
        clock.advance(timedelta(seconds=30))
        run(engine, clock)
        assert len(mailbox.received) == sent

    assert post(client, workspace, "slow", "cancel").json()["status"] == "cancelled"
    clock.advance(timedelta(hours=1))
    run(engine, clock)
    assert len(mailbox.received) == 4
    final = Counter(m.status for m in outbox(engine, workspace))
    assert final == {"delivered": 4, "cancelled": 2}
    assert post(client, workspace, "slow", "resume").status_code == 409


def test_each_person_gets_it_at_their_local_time(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    with write_transaction(engine) as connection:
        save_policy(connection, workspace.id, parse_policy({"timezone": "Asia/Tokyo"}))
    zones = {"budapest": "Europe/Budapest", "york": "America/New_York", "tokyo": None}
    deliver(engine, clock, workspace.id, *(
        identify(u, clock.now(), email=f"{u}@example.com", **({"timezone": z} if z else {}))
        for u, z in zones.items()
    ))  # fmt: skip
    ids = {u: profile(engine, workspace.id, u)["id"] for u in zones}
    day = (clock.now() + timedelta(days=2)).date()
    body = {"key": "local", "audience": {"profiles": list(ids.values())},
            "send": {"local_time": "09:00", "date": day.isoformat()}}  # fmt: skip
    assert put(client, workspace, body).status_code == 201
    assert post(client, workspace, "local", "send").status_code == 200
    run(engine, clock)
    due = {m.profile_id: m.due_at for m in outbox(engine, workspace)}
    for user, name in zones.items():
        local = due[ids[user]].astimezone(ZoneInfo(name or "Asia/Tokyo"))
        assert (local.date(), local.hour, local.minute) == (day, 9, 0), user
    assert mailbox.received == []
    clock.advance(due[ids["tokyo"]] - clock.now())
    run(engine, clock)
    assert [to for to, _ in mailbox.received] == [["tokyo@example.com"]]


# What variant a's and variant b's sample do, by the test's metric: b wins only by the
# metric asked. Clicks count as opens, so by opens the clicks case and the goal case would
# tie (a, the first, wins a tie), and by the goal the opens case would go to a.
ENGAGED = {
    "opens": {"news": "goal", "news-b": "open"},
    "clicks": {"news": "open", "news-b": "click"},
    "goal": {"news": "open", "news-b": "goal"},
}
COUNTED = {"opens": "opens", "clicks": "clicks", "goal": "conversions"}


@pytest.mark.parametrize("metric", ["opens", "clicks", "goal"])
def test_the_ab_winner_by_its_metric_goes_to_the_rest(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
    metric: str,
) -> None:
    ids = people(engine, clock, workspace, 40)
    user_of = {p: f"u{i:03d}" for i, p in enumerate(ids)}
    ab = {"variants": [{"key": "a", "template": "news"}, {"key": "b", "template": "news-b"}],
          "sample": 0.5, "metric": metric, "wait": "2h"}  # fmt: skip
    goal = {"event": "Order Completed", "within": "3d"}
    assert put(client, workspace, {"key": "ab", "audience": {"profiles": ids},
                                   "ab_test": ab, "goal": goal}).status_code == 201  # fmt: skip
    assert post(client, workspace, "ab", "send").status_code == 200
    run(engine, clock)
    with engine.connect() as connection:
        found = get_broadcast(connection, workspace.id, "ab")
    tried = outbox(engine, workspace)
    expected = {p: cohort_of(found.id, p, found.definition) for p in ids}
    assert {m.profile_id for m in tried} == {p for p, (c, _) in expected.items() if c == "sample"}
    assert {m.template for m in tried} == {"news", "news-b"}
    assert len(mailbox.received) == len(tried)
    clock.advance(timedelta(minutes=1))
    buyers = []
    with write_transaction(engine) as connection:
        for m in tried:
            action = ENGAGED[metric][m.template]
            claims = {"m": m.id, "ws": workspace.id, "p": m.profile_id}
            if action == "open":
                record_open(connection, claims, clock.now())
            elif action == "click":
                record_click(connection, {**claims, "u": "https://shop.example/"}, clock.now())
            else:
                buyers.append(track(user_of[m.profile_id], "Order Completed", clock.now()))
    deliver(engine, clock, workspace.id, *buyers)
    run(engine, clock)
    clock.advance(timedelta(hours=2))
    run(engine, clock)
    after = outbox(engine, workspace)
    assert len(after) == 40
    rest = [m for m in after if expected[m.profile_id][0] == "rest"]
    assert rest
    assert {m.template for m in rest} == {"news-b"}
    assert len(mailbox.received) == 40
    report = client.get("/api/v1/broadcasts/ab/report",
                        headers=bearer(workspace.admin_token)).json()  # fmt: skip
    reason = report["ab_test"]["reason"]
    assert report["ab_test"]["winner"] == "b"
    assert reason["metric"] == metric
    assert reason["arms"]["b"]["rate"] == 1.0
    assert reason["arms"]["a"]["rate"] == 0.0
    assert reason["arms"]["b"]["probability_to_be_best"] > 0.9
    variant_b = report["variants"]["b"]
    assert variant_b[COUNTED[metric]] == variant_b["recipients"] - len(rest)


def test_the_holdout_measures_the_lift_and_the_why_answer_tells(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    ids = people(engine, clock, workspace, 60)
    body = {"key": "lift", "audience": {"profiles": ids}, "holdout": 0.25,
            "goal": {"event": "Order Completed", "within": "3d"}}  # fmt: skip
    assert put(client, workspace, body).status_code == 201
    assert post(client, workspace, "lift", "send").status_code == 200
    run(engine, clock)
    with engine.connect() as connection:
        found = get_broadcast(connection, workspace.id, "lift")
    held = {p for p in ids if cohort_of(found.id, p, found.definition)[0] == "holdout"}
    assert 5 <= len(held) <= 25
    statuses = {m.profile_id: (m.status, m.reason) for m in outbox(engine, workspace)}
    assert {p for p, s in statuses.items() if s == ("skipped", "held_out")} == held
    assert len(mailbox.received) == 60 - len(held)
    clock.advance(timedelta(hours=1))
    # Every treated person buys for 10; one held-out person buys for 20.
    buyers = [f"u{i:03d}" for i, p in enumerate(ids) if p not in held]
    buyers.append(next(f"u{i:03d}" for i, p in enumerate(ids) if p in held))
    deliver(engine, clock, workspace.id, *(
        track(u, "Order Completed", clock.now(), {"revenue": 20 if n == len(buyers) - 1 else 10})
        for n, u in enumerate(buyers)
    ))  # fmt: skip
    admin = bearer(workspace.admin_token)
    report = client.get("/api/v1/broadcasts/lift/report", headers=admin).json()
    lift = report["holdout"]
    treated = 60 - len(held)
    assert report["holdout_size"] == len(held)
    assert report["totals"]["conversions"] == treated
    assert report["totals"]["revenue"] == 10 * treated
    assert (lift["treated"]["rate"], lift["holdout"]["conversions"]) == (1.0, 1)
    assert lift["lift"] == round(1 - 1 / len(held), 6)
    assert lift["lift_interval"][0] > 0
    assert lift["p_value"] < 0.05
    assert sum(group["delivered"] for group in report["locales"].values()) == treated

    a_held = next(iter(held))
    why = client.get(f"/api/v1/broadcasts/lift/why?profile_id={a_held}", headers=admin).json()
    assert why["cohort"] == "holdout"
    assert "held out" in why["answer"]
    treated_one = next(p for p in ids if p not in held)
    why = client.get(f"/api/v1/broadcasts/lift/why?profile_id={treated_one}", headers=admin)
    assert "was sent at" in why.json()["answer"]
    assert why.json()["message"]["decisions"][0]["decision"] == "sent"


def test_a_csv_upload_names_people_by_email_or_id(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    ids = people(engine, clock, workspace, 3)
    admin = bearer(workspace.admin_token)
    assert put(client, workspace, {"key": "csv", "audience": {"upload": True}}).status_code == 201
    early = post(client, workspace, "csv", "send")
    assert early.status_code == 400
    assert early.json()["error"]["field"] == "audience"
    text = "Email,name\nU000@EXAMPLE.com,Ann\nnobody@example.com,No\nu001@example.com,Bo\n"
    uploaded = client.post("/api/v1/broadcasts/csv/recipients", json={"csv": text}, headers=admin)
    assert uploaded.json() == {"rows": 3, "added": 2, "unknown": 1}
    by_id = f"profile_id\n{ids[2]}\n{ids[0]}\n"
    again = client.post("/api/v1/broadcasts/csv/recipients", json={"csv": by_id}, headers=admin)
    assert again.json() == {"rows": 2, "added": 1, "unknown": 0}
    draft = client.get("/api/v1/broadcasts/csv", headers=admin).json()
    assert draft["summary"] == {"recipients": 3, "sent": 0, "delivered": 0}
    bad = client.post("/api/v1/broadcasts/csv/recipients", json={"csv": "who\nx\n"},
                      headers=admin)  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "file"
    assert post(client, workspace, "csv", "send").status_code == 200
    run(engine, clock)
    assert sorted(to for to, _ in mailbox.received) == [[f"u{i:03d}@example.com"] for i in range(3)]
    late = client.post("/api/v1/broadcasts/csv/recipients", json={"csv": by_id}, headers=admin)
    assert late.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"audience": {}}, "audience"),
        ({"audience": {"segment": "a", "upload": True}}, "audience"),
        ({"audience": {"upload": True}, "send": {"local_time": "25:00", "date": "2026-12-24"}},
         "send.local_time"),
        ({"audience": {"upload": True}, "send": {"at": "2026-12-24T09:00:00"}}, "send.at"),
        ({"audience": {"upload": True}, "throttle": {"per_minute": 0}}, "throttle.per_minute"),
        ({"audience": {"upload": True}, "holdout": 1.5}, "holdout"),
        ({"audience": {"upload": True}, "ab_test": {"variants": [{"key": "a", "template": "x"}],
          "sample": 0.2}}, "ab_test.variants"),
        ({"audience": {"upload": True}, "ab_test": {"variants": [
            {"key": "a", "template": "x"}, {"key": "b", "template": "y"}],
          "sample": 0.2, "metric": "goal"}}, None),
        ({"audience": {"upload": True}, "colour": "red"}, "colour"),
    ],
)  # fmt: skip
def test_bad_definitions_answer_400_naming_the_field(
    client: httpx.Client, workspace: Workspace, body: dict[str, Any], field: str | None
) -> None:
    answer = put(client, workspace, {"key": "bad", **body})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"] == field


def test_sending_checks_what_the_draft_names_and_roles_gate_it(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    body = {"key": "gated", "template": "missing", "audience": {"segment": "nobody"}}
    assert put(client, workspace, body).status_code == 201
    refused = post(client, workspace, "gated", "send")
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "template"
    templates(engine, clock, workspace, "missing")
    refused = post(client, workspace, "gated", "send")
    assert refused.json()["error"]["field"] == "audience.segment"
    assert post(client, workspace, "nothing", "send").status_code == 404
    with write_transaction(engine) as connection:
        viewer = create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(), role=Role.VIEWER)
    as_viewer = client.post("/api/v1/broadcasts/gated/send", headers=bearer(viewer))
    assert as_viewer.status_code == 403
    assert client.get("/api/v1/broadcasts/gated", headers=bearer(viewer)).status_code == 200
    gone = client.delete("/api/v1/broadcasts/gated", headers=bearer(workspace.admin_token))
    assert gone.status_code == 204


def test_a_marketers_send_waits_for_approval_where_the_workspace_asks(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    ids = people(engine, clock, workspace, 2)
    admin = bearer(workspace.admin_token)
    asked = client.patch("/api/v1/workspace", json={"require_approval": ["broadcasts"]},
                         headers=admin)  # fmt: skip
    assert asked.status_code == 200, asked.text
    with write_transaction(engine) as connection:
        marketer = create_key(connection, workspace.id, KeyKind.ADMIN, clock.now(),
                              role=Role.MARKETER)  # fmt: skip
    body = {"key": "held", "name": "Held", "channel": "email", "template": "news",
            "audience": {"profiles": ids}}  # fmt: skip
    assert client.put("/api/v1/broadcasts/held", json=body,
                      headers=bearer(marketer)).status_code == 201  # fmt: skip
    held = client.post("/api/v1/broadcasts/held/send", headers=bearer(marketer))
    assert held.status_code == 202, held.text
    review = held.json()
    assert (review["kind"], review["object_key"]) == ("broadcasts", "held")
    run(engine, clock)
    assert mailbox.received == []
    assert client.get("/api/v1/broadcasts/held", headers=admin).json()["status"] == "draft"
    approved = client.post(f"/api/v1/reviews/{review['id']}/approve", headers=admin)
    assert approved.status_code == 200, approved.text
    assert client.get("/api/v1/broadcasts/held", headers=admin).json()["status"] == "sending"
    run(engine, clock)
    assert len(mailbox.received) == 2


def test_a_person_erased_during_a_throttled_send_gets_nothing_the_others_one_each(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    ids = people(engine, clock, workspace, 6)
    body = {"key": "slow", "audience": {"profiles": ids}, "throttle": {"per_minute": 2}}
    assert put(client, workspace, body).status_code == 201
    assert post(client, workspace, "slow", "send").status_code == 200
    while not outbox(engine, workspace):  # started, snapshotted, a first batch queued
        assert advance_broadcasts(engine, clock, batch_size=2)
    assert len(outbox(engine, workspace)) == 2
    with write_transaction(engine) as connection:
        found = get_broadcast(connection, workspace.id, "slow")
        # A recipient whose profile is gone however it went is not queued either.
        connection.execute(broadcast_recipients.insert().values(
            broadcast_id=found.id, profile_id="prf_gone", cohort="rest", queued=False))  # fmt: skip
    erased = client.delete(f"/api/v1/profiles/{ids[4]}", headers=bearer(workspace.admin_token))
    assert erased.status_code == 200, erased.text
    assert erased.json()["deleted"]["broadcast_recipients"] == 1
    for _ in range(2):
        clock.advance(timedelta(minutes=5))
        run(engine, clock)
    assert sorted(m.profile_id for m in outbox(engine, workspace)) == sorted(ids[:4] + ids[5:])
    expected = [[f"u{i:03d}@example.com"] for i in (0, 1, 2, 3, 5)]
    assert sorted(to for to, _ in mailbox.received) == expected


def test_a_pause_during_the_ab_wait_moves_the_winners_choice_later(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    ids = people(engine, clock, workspace, 20)
    ab = {"variants": [{"key": "a", "template": "news"}, {"key": "b", "template": "news-b"}],
          "sample": 0.5, "metric": "opens", "wait": "2h"}  # fmt: skip
    body = {"key": "ab", "audience": {"profiles": ids}, "ab_test": ab}
    assert put(client, workspace, body).status_code == 201
    assert post(client, workspace, "ab", "send").status_code == 200
    run(engine, clock)
    tried = len(outbox(engine, workspace))
    assert 0 < tried < 20
    clock.advance(timedelta(minutes=30))
    assert post(client, workspace, "ab", "pause").json()["status"] == "paused"
    clock.advance(timedelta(minutes=30))
    assert post(client, workspace, "ab", "resume").json()["status"] == "sending"
    run(engine, clock)
    clock.advance(timedelta(minutes=89))  # past the first wait, not the one moved
    run(engine, clock)
    with engine.connect() as connection:
        assert get_broadcast(connection, workspace.id, "ab").row.winner is None
    assert len(outbox(engine, workspace)) == tried
    clock.advance(timedelta(minutes=1))
    run(engine, clock)
    assert len(outbox(engine, workspace)) == 20
    assert len(mailbox.received) == 20


def test_people_merged_between_upload_and_send_get_it_once(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    anonymous = {"type": "track", "event": "Viewed", "anonymousId": "phone-app",
                 "timestamp": clock.now().isoformat()}  # fmt: skip
    deliver(engine, clock, workspace.id, anonymous)
    browsing = profile(engine, workspace.id, "phone-app")["id"]
    ids = people(engine, clock, workspace, 2)
    admin = bearer(workspace.admin_token)
    for key, audience in (("csv", {"upload": True}), ("list", {"profiles": [browsing, *ids]})):
        assert put(client, workspace, {"key": key, "audience": audience}).status_code == 201
    listed = "profile_id\n" + "\n".join([browsing, *ids]) + "\n"
    uploaded = client.post("/api/v1/broadcasts/csv/recipients", json={"csv": listed},
                           headers=admin)  # fmt: skip
    assert uploaded.json() == {"rows": 3, "added": 3, "unknown": 0}
    signed_in = identify("u000", clock.now())
    deliver(engine, clock, workspace.id, {**signed_in, "anonymousId": "phone-app"})
    assert profile(engine, workspace.id, "u000")["id"] == browsing  # the older survives
    for key in ("csv", "list"):
        assert post(client, workspace, key, "send").status_code == 200
    run(engine, clock)
    sent = Counter((m.broadcast_id, m.profile_id) for m in outbox(engine, workspace))
    assert sorted(sent.values()) == [1] * 4
    assert {p for _, p in sent} == {browsing, ids[1]}
    received = sorted(to for to, _ in mailbox.received)
    assert received == [["u000@example.com"]] * 2 + [["u001@example.com"]] * 2


def test_an_upload_with_a_field_too_long_or_a_nul_answers_400_naming_the_file(
    client: httpx.Client, engine: Engine, workspace: Workspace
) -> None:
    assert put(client, workspace, {"key": "csv", "audience": {"upload": True}}).status_code == 201
    long = "profile_id\n" + "x" * 131_073 + "\n"  # over the csv module's field limit
    answer = client.post("/api/v1/broadcasts/csv/recipients", json={"csv": long},
                         headers=bearer(workspace.admin_token))  # fmt: skip
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"] == "file"
    for text in ("profile_id\nprof_\x00x\n", "user_id\nu\x00\n"):
        with write_transaction(engine) as connection, pytest.raises(InvalidInput) as refused:
            upload_recipients(connection, workspace.id, "csv", text, "US")
        assert refused.value.field == "file"


def why(client: httpx.Client, workspace: Workspace, key: str, profile_id: str) -> Any:
    answer = client.get(f"/api/v1/broadcasts/{key}/why?profile_id={profile_id}",
                        headers=bearer(workspace.admin_token))  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


def report_of(client: httpx.Client, workspace: Workspace, key: str) -> Any:
    answer = client.get(f"/api/v1/broadcasts/{key}/report", headers=bearer(workspace.admin_token))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_consent_and_a_cap_a_journey_filled_hold_the_broadcast_back_and_say_why(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    with write_transaction(engine) as connection:
        save_policy(connection, workspace.id,
                    parse_policy({"caps": [{"name": "daily", "max": 1, "per": "1d"}]}))  # fmt: skip
    ids = people(engine, clock, workspace, 3)
    deliver(engine, clock, workspace.id, identify("u002", clock.now(), unsubscribed=True))
    # A journey's message fills u000's daily cap before the broadcast.
    templates(engine, clock, workspace, "promo")
    journey = publish(engine, clock, workspace.id, on_event("promo", "Visited", 20))
    deliver(engine, clock, workspace.id, track("u000", "Visited", clock.now()))
    run(engine, clock)
    assert [to for to, _ in mailbox.received] == [["u000@example.com"]]
    clock.advance(timedelta(minutes=1))
    # A higher priority than the journey's: priority settles messages due together, it
    # never takes back one already sent.
    body = {"key": "capped", "audience": {"profiles": ids}, "priority": 90}
    assert put(client, workspace, body).status_code == 201
    assert post(client, workspace, "capped", "send").status_code == 200
    run(engine, clock)
    assert sorted(to for to, _ in mailbox.received) == [["u000@example.com"], ["u001@example.com"]]
    by_profile = {m.profile_id: m for m in outbox(engine, workspace)}
    assert {p: (m.status, m.reason) for p, m in by_profile.items()} == {
        ids[0]: ("skipped", "cap:daily"),
        ids[1]: ("delivered", None),
        ids[2]: ("skipped", "no_consent"),
    }
    assert all(m.journey_id is None for m in by_profile.values())
    totals = report_of(client, workspace, "capped")["totals"]
    assert (totals["recipients"], totals["sent"], totals["delivered"], totals["skipped"]) == (
        3, 1, 1, 2)  # fmt: skip

    capped = why(client, workspace, "capped", ids[0])
    assert "frequency cap 'daily'" in capped["answer"]
    assert [(d["decision"], d["reason"]) for d in capped["message"]["decisions"]] == [
        ("skipped", "cap:daily")]  # fmt: skip
    unsubscribed = why(client, workspace, "capped", ids[2])
    assert "has not consented" in unsubscribed["answer"]
    assert unsubscribed["message"]["reason"] == "no_consent"
    assert [(d["decision"], d["reason"]) for d in unsubscribed["message"]["decisions"]] == [
        ("skipped", "no_consent")]  # fmt: skip
    with engine.connect() as connection:
        statuses = connection.execute(
            select(messages.c.status).where(messages.c.journey_id == journey.id)
        ).all()
    assert [s for (s,) in statuses] == ["delivered"]


@pytest.mark.parametrize(("priority", "winner"), [(90, "broadcast"), (10, "journey")])
def test_a_broadcast_and_a_journey_due_together_the_higher_priority_takes_the_caps_slot(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
    priority: int,
    winner: str,
) -> None:
    with write_transaction(engine) as connection:
        save_policy(connection, workspace.id,
                    parse_policy({"caps": [{"name": "daily", "max": 1, "per": "1d"}]}))  # fmt: skip
    (only,) = people(engine, clock, workspace, 1)
    templates(engine, clock, workspace, "promo")
    publish(engine, clock, workspace.id, on_event("promo", "Visited", 50))
    body = {"key": "contest", "audience": {"profiles": [only]}, "priority": priority}
    assert put(client, workspace, body).status_code == 201
    assert post(client, workspace, "contest", "send").status_code == 200
    while not outbox(engine, workspace):  # queued, not dispatched yet
        assert advance_broadcasts(engine, clock)
    # The journey's message comes due at the same instant; one dispatch judges both.
    send(engine, clock, workspace.id, track("u000", "Visited", clock.now()))
    run(engine, clock)
    with engine.connect() as connection:
        found = connection.execute(
            select(messages).where(messages.c.workspace_id == workspace.id)
        ).all()
    outcome = {("broadcast" if m.broadcast_id else "journey"): (m.status, m.reason) for m in found}
    loser = "journey" if winner == "broadcast" else "broadcast"
    assert outcome == {winner: ("delivered", None), loser: ("skipped", "cap:daily")}
    assert len(mailbox.received) == 1
    subjects = {"broadcast": "News news", "journey": "News promo"}
    assert mailbox.received[0][1]["Subject"] == subjects[winner]
    (lost,) = (m for m in found if ("broadcast" if m.broadcast_id else "journey") == loser)
    assert decisions_of(engine, lost.id) == [("skipped", "cap:daily")]


def test_quiet_hours_hold_a_broadcast_message_until_they_end(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    quiet = {"timezone": "Europe/Budapest", "quiet_hours": {"start": "21:00", "end": "08:00"}}
    with write_transaction(engine) as connection:
        save_policy(connection, workspace.id, parse_policy(quiet))
    advance_to_hour(clock, 22)  # 23:00 or midnight in Budapest
    ids = people(engine, clock, workspace, 2)
    assert put(client, workspace, {"key": "late", "audience": {"profiles": ids}}).status_code == 201
    assert post(client, workspace, "late", "send").status_code == 200
    run(engine, clock)
    assert mailbox.received == []
    local = clock.now().astimezone(ZoneInfo("Europe/Budapest"))
    morning = datetime.combine(local.date() + timedelta(days=local.hour >= 8), datetime.min.time(),
                               ZoneInfo("Europe/Budapest")).replace(hour=8)  # fmt: skip
    held = outbox(engine, workspace)
    expected = [("pending", "quiet_hours", morning)] * 2
    assert [(m.status, m.reason, m.due_at) for m in held] == expected
    answer = why(client, workspace, "late", ids[0])
    assert "deferred (quiet hours in the profile's time zone) until" in answer["answer"]
    assert [(d["decision"], d["reason"]) for d in answer["message"]["decisions"]] == [
        ("deferred", "quiet_hours")]  # fmt: skip
    clock.advance(morning - clock.now() - timedelta(seconds=1))
    run(engine, clock)
    assert mailbox.received == []
    clock.advance(timedelta(seconds=1))
    run(engine, clock)
    assert sorted(to for to, _ in mailbox.received) == [["u000@example.com"], ["u001@example.com"]]
    for m in held:
        assert decisions_of(engine, m.id) == [("deferred", "quiet_hours"), ("sent", None)]
    assert report_of(client, workspace, "late")["totals"]["delivered"] == 2


def test_sent_at_a_future_instant_it_waits_scheduled_then_goes(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    ids = people(engine, clock, workspace, 2)
    at = clock.now() + timedelta(hours=3)
    body = {"key": "later", "audience": {"profiles": ids}, "send": {"at": at.isoformat()}}
    assert put(client, workspace, body).status_code == 201
    sent = post(client, workspace, "later", "send")
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "scheduled"
    run(engine, clock)
    assert (outbox(engine, workspace), mailbox.received) == ([], [])
    assert "scheduled" in why(client, workspace, "later", ids[0])["answer"]
    clock.advance(at - clock.now() - timedelta(seconds=1))
    run(engine, clock)
    assert (outbox(engine, workspace), mailbox.received) == ([], [])
    admin = bearer(workspace.admin_token)
    assert client.get("/api/v1/broadcasts/later", headers=admin).json()["status"] == "scheduled"
    clock.advance(timedelta(seconds=1))
    run(engine, clock)
    assert [m.due_at for m in outbox(engine, workspace)] == [at, at]
    assert sorted(to for to, _ in mailbox.received) == [["u000@example.com"], ["u001@example.com"]]
    shown = client.get("/api/v1/broadcasts/later", headers=admin).json()
    assert shown["status"] == "sent"
    started = report_of(client, workspace, "later")["started_at"]
    assert started == at.isoformat().replace("+00:00", "Z")


def test_the_report_breaks_down_by_locale_with_clicks_and_unsubscribes(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    mailbox: Mailbox,
) -> None:
    with write_transaction(engine) as connection:
        template = {"key": "intl", "channel": "email", "subject": "News",
                    "html": '<p>See the <a href="https://shop.example/sale">sale</a></p>',
                    "locales": {"hu": {"subject": "Hírek"},
                                "pl": {"subject": "Wiadomości"}}}  # fmt: skip
        save_template(connection, workspace.id, parse_template(template), clock.now())
    locales = {"u000": "hu", "u001": "hu", "u002": "pl", "u003": None}
    deliver(engine, clock, workspace.id, *(
        identify(u, clock.now(), email=f"{u}@example.com", **({"locale": loc} if loc else {}))
        for u, loc in locales.items()
    ))  # fmt: skip
    ids = [profile(engine, workspace.id, u)["id"] for u in locales]
    body = {"key": "intl", "template": "intl", "subscription_group": "newsletter",
            "audience": {"profiles": ids}}  # fmt: skip
    assert put(client, workspace, body).status_code == 201
    assert post(client, workspace, "intl", "send").status_code == 200
    run(engine, clock)
    mail = {to: m for (to,), m in mailbox.received}
    assert {to: str(make_header(decode_header(m["Subject"]))) for to, m in mail.items()} == {
        "u000@example.com": "Hírek", "u001@example.com": "Hírek",
        "u002@example.com": "Wiadomości", "u003@example.com": "News"}  # fmt: skip

    # u000 (hu) clicks the link in the mail, u003 (en) only opens it (a click counts as an
    # open, an open never as a click); u002 (pl) unsubscribes with one click.
    def html_of(to: str) -> str:
        part = next(p for p in mail[to].walk() if p.get_content_type() == "text/html")
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode()

    (click_url,) = re.findall(r'href="([^"]+/v1/e/c/[^"]+)"', html_of("u000@example.com"))
    assert client.get(click_url, follow_redirects=False).status_code == 302
    (pixel_url,) = re.findall(r'src="([^"]+/v1/e/o/[^"]+)"', html_of("u003@example.com"))
    assert client.get(pixel_url).status_code == 200
    link = re.fullmatch(r"<(.+/v1/unsubscribe/\S+)>", mail["u002@example.com"]["List-Unsubscribe"])
    assert link is not None
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    unsubscribed = client.post(link.group(1), content="List-Unsubscribe=One-Click", headers=form)
    assert unsubscribed.status_code == 200, unsubscribed.text
    run(engine, clock)

    report = report_of(client, workspace, "intl")
    assert list(report["locales"]) == ["en", "hu", "pl"]
    picked = ("recipients", "delivered", "opens", "clicks", "unsubscribes")
    assert {k: tuple(g[f] for f in picked) for k, g in report["locales"].items()} == {
        "en": (1, 1, 1, 0, 0), "hu": (2, 2, 1, 1, 0), "pl": (1, 1, 0, 0, 1)}  # fmt: skip
    assert report["locales"]["hu"]["clicks_rate"] == 0.5
    assert report["locales"]["pl"]["unsubscribes_rate"] == 1.0
    totals = report["totals"]
    assert (totals["clicks"], totals["unsubscribes"], totals["opens"]) == (1, 1, 2)
    assert (totals["clicks_rate"], totals["unsubscribes_rate"]) == (0.25, 0.25)
