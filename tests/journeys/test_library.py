"""Every journey template of the library, installed into a workspace and driven by
generated customers on the simulated clock: the exact messages each customer gets, how
each instance ends and who reaches the goal."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from email.message import Message
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from baton.channels.consent import set_consent
from baton.channels.settings import EmailSettings, save_settings
from baton.core.clock import ManualClock
from baton.core.errors import InvalidInput, NotFound
from baton.journeys import runner
from baton.journeys.definitions import MessageNode
from baton.journeys.library import get_journey_template, install, library
from baton.journeys.store import get_journey
from baton.journeys.why import why
from baton.predict import get_prediction
from baton.predict.definitions import SentimentDefinition
from baton.predict.kinds import Score
from baton.predict.scores import write_scores
from baton.predict.sentiment import analyze_new
from baton.storage.database import write_transaction
from baton.storage.tables import identifiers, journey_instances, journeys, messages
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, run
from tests.segments.helpers import identify, track
from tests.servers import Mailbox


def installed(
    engine: Engine, clock: ManualClock, workspace: Workspace, name: str, **given: Any
) -> list[tuple[str, str, str]]:
    with write_transaction(engine) as connection:
        done = install(
            connection, workspace.id, get_journey_template(name), given, clock.now(), publish=True
        )
    return [(item.kind, item.key, item.action) for item in done]


def customers(
    engine: Engine, clock: ManualClock, workspace: Workspace, *users: str, **traits: Any
) -> None:
    deliver(
        engine,
        clock,
        workspace.id,
        *(
            identify(u, clock.now(), email=f"{u}@example.com", phone="+33612345678", **traits)
            for u in users
        ),
    )


def email_through(engine: Engine, clock: ManualClock, workspace: Workspace, port: int) -> None:
    """E-mail goes to the test's SMTP server."""
    with write_transaction(engine) as connection:
        email = EmailSettings(url=f"smtp://127.0.0.1:{port}", sender="Shop <shop@example.com>",
                              security="none", links_url="http://127.0.0.1:8000",
                              allow=["127.0.0.1"])  # fmt: skip
        save_settings(connection, workspace.id, "email", email, clock.now())


def html_of(message: Message) -> str:
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True)
    assert isinstance(body, bytes)
    return body.decode()


def _users(connection: Any, workspace_id: str) -> dict[str, str]:
    rows = connection.execute(
        select(identifiers.c.profile_id, identifiers.c.value).where(
            identifiers.c.workspace_id == workspace_id, identifiers.c.kind == "user_id"
        )
    )
    return dict(rows.all())


def outbox(engine: Engine, workspace: Workspace, key: str) -> dict[str, list[str]]:
    """Each customer's messages from the journey, in order: `template` when delivered,
    `template (status: reason)` otherwise."""
    with engine.connect() as connection:
        users = _users(connection, workspace.id)
        rows = connection.execute(
            select(messages.c.profile_id, messages.c.template, messages.c.status, messages.c.reason)
            .join(journeys, journeys.c.id == messages.c.journey_id)
            .where(journeys.c.workspace_id == workspace.id, journeys.c.key == key)
            .order_by(messages.c.created_at, messages.c.id)
        ).all()
    found: dict[str, list[str]] = {}
    for profile_id, template, status, reason in rows:
        shown = template if status == "delivered" else f"{template} ({status}: {reason})"
        found.setdefault(users[profile_id], []).append(shown)
    return found


def endings(engine: Engine, workspace: Workspace, key: str) -> dict[str, tuple[str, bool]]:
    """Each customer's (outcome or `live`, whether they reached the goal)."""
    with engine.connect() as connection:
        users = _users(connection, workspace.id)
        rows = connection.execute(
            select(
                journey_instances.c.profile_id,
                journey_instances.c.outcome,
                journey_instances.c.goal_at,
            )
            .join(journeys, journeys.c.id == journey_instances.c.journey_id)
            .where(journeys.c.workspace_id == workspace.id, journeys.c.key == key)
        ).all()
    return {users[p]: (outcome or "live", goal is not None) for p, outcome, goal in rows}


def later(engine: Engine, clock: ManualClock, span: timedelta) -> None:
    clock.advance(span)
    run(engine, clock)


def send(engine: Engine, clock: ManualClock, workspace: Workspace, *raw: dict[str, Any]) -> None:
    deliver(engine, clock, workspace.id, *raw)


def test_the_library_holds_the_thirteen_templates_each_tagged_and_valid() -> None:
    found = library()
    assert set(found) == {
        "cart-abandonment",
        "browse-abandonment",
        "welcome-onboarding",
        "post-purchase",
        "win-back",
        "birthday",
        "loyalty-tier-upgrade",
        "telecom-outage",
        "card-payment-failed",
        "travel-pre-trip",
        "order-status",
        "support-pause",
        "service-recovery",
    }
    stages = {"awareness", "consideration", "conversion", "retention", "advocacy"}
    for template in found.values():
        assert template.stage in stages
        assert template.industries
        assert all(p.description for p in template.parameters.values())
        rendered = template.render({})
        assert all(j.stage is not None for j in rendered.journeys)
        sent = {
            node.template
            for j in rendered.journeys
            for node in j.nodes.values()
            if isinstance(node, MessageNode)
        }
        assert sent <= {m.key for m in rendered.message_templates}, template.name


def test_parameters_are_checked_and_typed() -> None:
    template = get_journey_template("win-back")
    rendered = template.render({"inactive_days": "30", "discount_code": "HELLO"})
    (segment,) = [d for d in rendered.definitions if d.key == "at-risk-customers"]
    assert "30d" in str(segment.model_dump())
    assert "HELLO" in (rendered.message_templates[0].html or "")
    with pytest.raises(InvalidInput, match="inactive_days: 'soon' is not a whole number"):
        template.render({"inactive_days": "soon"})
    with pytest.raises(InvalidInput, match="no such parameter"):
        template.render({"discount": "X"})
    with pytest.raises(InvalidInput, match=r"journeys\.0\.nodes\.first-wait\.duration"):
        get_journey_template("cart-abandonment").render({"first_delay": "soon"})
    with pytest.raises(NotFound):
        get_journey_template("nope")


def test_cart_abandonment(engine: Engine, clock: ManualClock, workspace: Workspace) -> None:
    done = installed(engine, clock, workspace, "cart-abandonment", discount_code="SAVE5")
    assert ("journey", "cart-abandonment", "published") in done
    assert ("message template", "cart-reminder-incentive", "created") in done
    again = installed(engine, clock, workspace, "cart-abandonment", discount_code="SAVE5")
    assert {action for _, _, action in again} == {"unchanged"}
    customers(engine, clock, workspace, "quick", "slow", "never")
    send(engine, clock, workspace, *(track(u, "Product Added", clock.now()) for u in
                                     ("quick", "slow", "never")))  # fmt: skip
    later(engine, clock, timedelta(minutes=30))
    send(engine, clock, workspace, track("quick", "Order Completed", clock.now()))
    later(engine, clock, timedelta(minutes=31))  # first reminders
    later(engine, clock, timedelta(hours=5))
    send(engine, clock, workspace, track("slow", "Order Completed", clock.now()))
    later(engine, clock, timedelta(hours=18))  # second reminder
    later(engine, clock, timedelta(days=3))  # an order would still count until now
    assert outbox(engine, workspace, "cart-abandonment") == {
        "slow": ["cart-reminder"],
        "never": ["cart-reminder", "cart-reminder-incentive"],
    }
    assert endings(engine, workspace, "cart-abandonment") == {
        "quick": ("goal", True),
        "slow": ("goal", True),
        "never": ("completed", False),
    }


def test_browse_abandonment_names_the_last_product_viewed(
    engine: Engine, clock: ManualClock, workspace: Workspace, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    email_through(engine, clock, workspace, port)
    installed(engine, clock, workspace, "browse-abandonment")
    customers(engine, clock, workspace, "browser", "adder", "once")
    for user in ("browser", "adder"):
        send(engine, clock, workspace,
             track(user, "Product Viewed", clock.now(), {"name": "Red sneakers"}),
             track(user, "Product Viewed", clock.now() + timedelta(seconds=1),
                   {"name": "Wool scarf"}))  # fmt: skip
    send(engine, clock, workspace, track("once", "Product Viewed", clock.now()))
    later(engine, clock, timedelta(hours=1))
    send(engine, clock, workspace, track("adder", "Product Added", clock.now()))
    later(engine, clock, timedelta(hours=1, minutes=1))
    assert outbox(engine, workspace, "browse-abandonment") == {"browser": ["browse-reminder"]}
    ((recipients, message),) = mailbox.received
    assert recipients == ["browser@example.com"]
    html = next(p for p in message.walk() if p.get_content_type() == "text/html")
    body = html.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "You were looking at Wool scarf earlier." in body.decode()
    later(engine, clock, timedelta(days=3))
    assert endings(engine, workspace, "browse-abandonment") == {
        "browser": ("completed", False),
        "adder": ("goal", True),
    }


def test_welcome_and_onboarding_asks_for_double_opt_in(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    done = installed(engine, clock, workspace, "welcome-onboarding")
    assert ("policy", "subscription group onboarding", "created") in done
    customers(engine, clock, workspace, "confirmed", "silent")
    with write_transaction(engine) as connection:
        profile_id = {v: k for k, v in _users(connection, workspace.id).items()}["confirmed"]
        set_consent(connection, workspace.id, profile_id, "onboarding", True, "double_opt_in",
                    {"confirmed_from": "192.0.2.1"}, clock.now())  # fmt: skip
    send(engine, clock, workspace, *(track(u, "Signed Up", clock.now()) for u in
                                     ("confirmed", "silent")))  # fmt: skip
    later(engine, clock, timedelta(days=1, minutes=1))
    send(engine, clock, workspace, track("confirmed", "Order Completed", clock.now()))
    later(engine, clock, timedelta(days=3))
    assert outbox(engine, workspace, "welcome-onboarding") == {
        "confirmed": ["welcome", "onboarding-tip-1", "onboarding-tip-2"],
        "silent": [
            "welcome",
            "onboarding-tip-1 (skipped: no_consent)",
            "onboarding-tip-2 (skipped: no_consent)",
        ],
    }
    assert endings(engine, workspace, "welcome-onboarding") == {
        "confirmed": ("completed", True),  # the goal does not end the series
        "silent": ("completed", False),
    }


def test_post_purchase_routes_nps_answers(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    installed(engine, clock, workspace, "post-purchase")
    scores = {"detractor": 3, "passive": 8, "promoter": 10}
    customers(engine, clock, workspace, *scores, "mute")
    send(engine, clock, workspace, *(track(u, "Order Completed", clock.now(), {"order_id": u})
                                     for u in [*scores, "mute"]))  # fmt: skip
    later(engine, clock, timedelta(days=3))
    later(engine, clock, timedelta(days=4))
    later(engine, clock, timedelta(days=7))  # the survey
    send(engine, clock, workspace, *(track(u, "NPS Submitted", clock.now(), {"score": s})
                                     for u, s in scores.items()))  # fmt: skip
    later(engine, clock, timedelta(days=7))
    first = ["delivery-follow-up", "review-request", "nps-survey"]
    assert outbox(engine, workspace, "post-purchase") == {
        "detractor": [*first, "nps-detractor-task"],
        "passive": [*first, "nps-thanks"],
        "promoter": [*first, "referral-ask"],
        "mute": first,
    }
    assert endings(engine, workspace, "post-purchase") == {
        "detractor": ("completed", True),
        "passive": ("completed", True),
        "promoter": ("completed", True),
        "mute": ("timed_out", False),
    }


def test_win_back(
    engine: Engine, clock: ManualClock, workspace: Workspace, smtp: tuple[Mailbox, int]
) -> None:
    email_through(engine, clock, workspace, smtp[1])
    installed(engine, clock, workspace, "win-back", inactive_days=30)
    customers(engine, clock, workspace, "lapsed", "returns", "loyal", "risky")
    # The churn model the template installed scores them (as its training would).
    with engine.connect() as connection:
        churn = get_prediction(connection, workspace.id, "churn-90d")
        people = _users(connection, workspace.id)
    scores = [Score(p, 0.9 if u == "risky" else 0.2) for p, u in people.items()]
    write_scores(engine, workspace.id, churn.id, churn.key, 1, scores, clock.now())
    send(engine, clock, workspace, *(track(u, "Order Completed", clock.now()) for u in
                                     ("lapsed", "returns", "loyal")))  # fmt: skip
    later(engine, clock, timedelta(days=20))
    send(engine, clock, workspace, track("loyal", "Order Completed", clock.now()))
    later(engine, clock, timedelta(days=10, minutes=1))  # lapsed and returns: 30 days quiet
    send(engine, clock, workspace, track("returns", "Order Completed", clock.now()))
    later(engine, clock, timedelta(days=7))
    later(engine, clock, timedelta(days=7))  # an order would still count until now
    assert outbox(engine, workspace, "win-back") == {
        "risky": ["win-back-offer", "win-back-last-chance"],
        "lapsed": ["win-back-offer", "win-back-last-chance"],
        "returns": ["win-back-offer"],
    }
    offers = {
        tuple(to): html_of(m) for to, m in smtp[0].received if m["Subject"].startswith("We miss")
    }
    assert set(offers) == {
        ("risky@example.com",),
        ("lapsed@example.com",),
        ("returns@example.com",),
    }
    assert all("WEMISSYOU" in html for html in offers.values())
    # The why-answer gives the score the journey read.
    with engine.connect() as connection:
        journey = get_journey(connection, workspace.id, "win-back")
        risky = next(p for p, u in people.items() if u == "risky")
        answer = why(connection, workspace.id, journey, risky, clock.now())
    assert answer["predictions"] == [
        {"trait": "predicted.churn-90d", "value": 0.9, "decile": None,
         "answer": "predicted.churn-90d is 0.9"}
    ]  # fmt: skip
    lose = "We would hate to lose you"
    assert [to for to, html in offers.items() if lose in html] == [("risky@example.com",)]
    assert endings(engine, workspace, "win-back") == {
        "risky": ("completed", False),
        "lapsed": ("completed", False),
        "returns": ("goal", True),
    }


def test_birthday_greets_at_nine_in_each_time_zone(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    installed(engine, clock, workspace, "birthday")
    day = (clock.now() + timedelta(days=3)).date()
    customers(engine, clock, workspace, "tokyo", birthday=day.replace(year=1990).isoformat(),
              timezone="Asia/Tokyo")  # fmt: skip
    customers(engine, clock, workspace, "lima", birthday=day.replace(year=1985).isoformat(),
              timezone="America/Lima")  # fmt: skip
    half_a_year_off = (day + timedelta(days=180)).replace(year=1990).isoformat()
    customers(engine, clock, workspace, "other", birthday=half_a_year_off)
    sent_at: dict[str, datetime] = {}
    while len(sent_at) < 2 and clock.now().date() <= day + timedelta(days=1):
        later(engine, clock, timedelta(minutes=30))
        for user in outbox(engine, workspace, "birthday"):
            sent_at.setdefault(user, clock.now())
    assert set(sent_at) == {"tokyo", "lima"}
    tokyo = sent_at["tokyo"].astimezone(ZoneInfo("Asia/Tokyo"))
    lima = sent_at["lima"].astimezone(ZoneInfo("America/Lima"))
    assert (tokyo.date(), lima.date()) == (day, day)
    assert timedelta(0) <= tokyo - tokyo.replace(hour=9, minute=0) < timedelta(minutes=30)
    assert timedelta(0) <= lima - lima.replace(hour=9, minute=0) < timedelta(minutes=30)
    send(engine, clock, workspace, track("lima", "Order Completed", clock.now()))
    later(engine, clock, timedelta(days=8))
    assert outbox(engine, workspace, "birthday") == {
        "tokyo": ["birthday-greeting"],
        "lima": ["birthday-greeting"],
    }
    assert endings(engine, workspace, "birthday") == {
        "tokyo": ("completed", False),
        "lima": ("goal", True),
    }


def test_loyalty_tier_upgrade(engine: Engine, clock: ManualClock, workspace: Workspace) -> None:
    installed(engine, clock, workspace, "loyalty-tier-upgrade", benefits_after="2d")
    customers(engine, clock, workspace, "gold", "silver")
    send(engine, clock, workspace, track("gold", "Loyalty Tier Upgraded", clock.now(),
                                         {"tier": "Gold"}))  # fmt: skip
    later(engine, clock, timedelta(days=1))
    send(engine, clock, workspace, track("gold", "Order Completed", clock.now()))
    later(engine, clock, timedelta(days=1, minutes=1))
    assert outbox(engine, workspace, "loyalty-tier-upgrade") == {
        "gold": ["tier-congratulations", "tier-congratulations-push", "tier-benefits"]
    }
    assert endings(engine, workspace, "loyalty-tier-upgrade") == {"gold": ("completed", True)}


def test_telecom_outage_pauses_marketing_until_the_all_clear(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    done = installed(engine, clock, workspace, "telecom-outage")
    assert ("policy", "pause outage", "created") in done
    installed(engine, clock, workspace, "cart-abandonment")
    customers(engine, clock, workspace, "north-1", "north-2", region="North")
    customers(engine, clock, workspace, "south", region="South")
    customers(engine, clock, workspace, "east", region="East")

    def call(key: str, region: str) -> dict[str, Any]:
        with write_transaction(engine) as connection:
            found = runner.enter_matching(connection, workspace.id, key, {"region": region},
                                          {"region": region}, clock.now())  # fmt: skip
        run(engine, clock)
        return found

    assert call("telecom-outage", "North") == {"entered": 2, "refused": {}}
    assert call("telecom-outage", "East") == {"entered": 1, "refused": {}}
    send(engine, clock, workspace, *(track(u, "Product Added", clock.now()) for u in
                                     ("north-1", "south")))  # fmt: skip
    later(engine, clock, timedelta(hours=1, minutes=1))
    assert outbox(engine, workspace, "cart-abandonment") == {
        "south": ["cart-reminder"],
        "north-1": ["cart-reminder (pending: paused:outage)"],
    }
    # Service is back in the North; the South had no outage to clear.
    assert call("telecom-outage-all-clear", "North") == {"entered": 2, "refused": {}}
    assert call("telecom-outage-all-clear", "South") == {"entered": 0, "refused": {"audience": 1}}
    later(engine, clock, timedelta(minutes=16))  # the held reminder is judged again
    assert outbox(engine, workspace, "cart-abandonment") == {
        "south": ["cart-reminder"],
        "north-1": ["cart-reminder"],
    }
    later(engine, clock, timedelta(days=3))
    notice, clear = ["outage-sms", "outage-push"], ["outage-all-clear-sms", "outage-all-clear-push"]
    assert outbox(engine, workspace, "telecom-outage") == {
        "north-1": notice,
        "north-2": notice,
        "east": [*notice, *clear],  # no call in 3 days: all clear anyway
    }
    assert outbox(engine, workspace, "telecom-outage-all-clear") == {
        "north-1": clear,
        "north-2": clear,
    }
    assert endings(engine, workspace, "telecom-outage") == {
        "north-1": ("exited", False),
        "north-2": ("exited", False),
        "east": ("completed", False),
    }


def test_failed_card_payment(engine: Engine, clock: ManualClock, workspace: Workspace) -> None:
    installed(engine, clock, workspace, "card-payment-failed")
    customers(engine, clock, workspace, "fixed", "stuck", "replaced")
    send(engine, clock, workspace, *(track(u, "Card Payment Failed", clock.now(),
                                           {"merchant": "Rail"}) for u in
                                     ("fixed", "stuck", "replaced")))  # fmt: skip
    later(engine, clock, timedelta(minutes=30))
    send(engine, clock, workspace, track("fixed", "Card Payment Succeeded", clock.now()),
         track("replaced", "Card Replaced", clock.now()))  # fmt: skip
    later(engine, clock, timedelta(hours=2))
    help_now = ["card-failed-push", "card-failed-inbox"]
    assert outbox(engine, workspace, "card-payment-failed") == {
        "fixed": help_now,
        "stuck": [*help_now, "card-failed-task"],
        "replaced": help_now,
    }
    assert endings(engine, workspace, "card-payment-failed") == {
        "fixed": ("completed", False),
        "stuck": ("completed", False),
        "replaced": ("goal", True),
    }


def test_travel_pre_trip(engine: Engine, clock: ManualClock, workspace: Workspace) -> None:
    installed(engine, clock, workspace, "travel-pre-trip")
    trip = (clock.now() + timedelta(days=12)).date()
    customers(engine, clock, workspace, "early", "late", trip_date=trip.isoformat())
    week_before = datetime.combine(trip - timedelta(days=7), time(9), UTC)
    later(engine, clock, week_before - timedelta(minutes=1) - clock.now())
    assert outbox(engine, workspace, "travel-pre-trip") == {}
    later(engine, clock, timedelta(minutes=6))  # date triggers are looked at every 5 minutes
    week = {"early": ["trip-week-before"], "late": ["trip-week-before"]}
    assert outbox(engine, workspace, "travel-pre-trip") == week
    later(engine, clock, timedelta(days=6))  # past 09:00 the day before
    send(engine, clock, workspace, track("early", "Checked In", clock.now()))
    later(engine, clock, timedelta(hours=7))
    day_before = ["trip-week-before", "trip-day-before", "check-in-push"]
    assert outbox(engine, workspace, "travel-pre-trip") == {
        "early": day_before,
        "late": [*day_before, "check-in-sms"],
    }
    assert endings(engine, workspace, "travel-pre-trip") == {
        "early": ("goal", True),
        "late": ("completed", False),
    }


def test_order_status_updates(engine: Engine, clock: ManualClock, workspace: Workspace) -> None:
    installed(engine, clock, workspace, "order-status")
    customers(engine, clock, workspace, "ann", "bob")
    send(engine, clock, workspace, track("ann", "Order Completed", clock.now(), {"order_id": "a1"}),
         track("bob", "Order Completed", clock.now(), {"order_id": "b1"}))  # fmt: skip
    for status in ("Order Shipped", "Order Delayed", "Order Out for Delivery", "Order Delivered"):
        later(engine, clock, timedelta(hours=6))
        send(engine, clock, workspace, track("ann", status, clock.now(), {"order_id": "a1"}))
    send(engine, clock, workspace, track("bob", "Order Shipped", clock.now(), {"order_id": "zz"}))
    assert outbox(engine, workspace, "order-status") == {
        "ann": ["order-shipped", "order-delayed", "order-out-for-delivery", "order-delivered"],
    }
    assert endings(engine, workspace, "order-status") == {
        "ann": ("completed", True),
        "bob": ("live", False),  # another order's news is not theirs
    }


def test_support_pause_holds_promotions_until_the_ticket_is_resolved(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    installed(engine, clock, workspace, "support-pause", recheck="10m")
    installed(engine, clock, workspace, "cart-abandonment")
    customers(engine, clock, workspace, "upset", "calm")
    send(engine, clock, workspace, track("upset", "Ticket Opened", clock.now()))
    send(engine, clock, workspace, *(track(u, "Product Added", clock.now()) for u in
                                     ("upset", "calm")))  # fmt: skip
    later(engine, clock, timedelta(hours=1, minutes=1))
    later(engine, clock, timedelta(hours=2))
    assert outbox(engine, workspace, "cart-abandonment") == {
        "calm": ["cart-reminder"],
        "upset": ["cart-reminder (pending: paused:open-ticket)"],
    }
    send(engine, clock, workspace, track("upset", "Ticket Resolved", clock.now()))
    later(engine, clock, timedelta(minutes=11))
    assert outbox(engine, workspace, "cart-abandonment") == {
        "calm": ["cart-reminder"],
        "upset": ["cart-reminder"],
    }
    later(engine, clock, timedelta(hours=1))
    assert outbox(engine, workspace, "support-csat") == {"upset": ["csat-survey"]}


def test_service_recovery_reaches_out_after_a_negative_text(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    installed(engine, clock, workspace, "service-recovery", apology_after="30m")
    customers(engine, clock, workspace, "angry", "pleased", "magyar")
    tickets = {"angry": "This is the worst service ever, I am furious and want a refund.",
               "pleased": "Thank you, the support team was wonderful!",
               "magyar": "Borzasztó élmény, senki nem válaszolt a leveleimre."}  # fmt: skip
    send(engine, clock, workspace, *(track(u, "Ticket Opened", clock.now(), {"body": text})
                                     for u, text in tickets.items()))  # fmt: skip
    moods = SentimentDefinition(kind="sentiment", key="ticket-mood", event="Ticket Opened",
                                text="body")  # fmt: skip
    for _ in range(2):  # read twice: the second reading records nothing again
        with write_transaction(engine) as connection:
            analyze_new(connection, workspace.id, "pred_mood", moods, None, clock.now(),
                        settled_through=None)  # fmt: skip
        later(engine, clock, timedelta(minutes=1))
    assert outbox(engine, workspace, "service-recovery") == {"angry": ["service-recovery-task"]}
    later(engine, clock, timedelta(minutes=30))
    assert outbox(engine, workspace, "service-recovery") == {
        "angry": ["service-recovery-task", "service-recovery-apology"]
    }
    assert endings(engine, workspace, "service-recovery") == {"angry": ("completed", False)}
