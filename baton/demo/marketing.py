"""The demo's marketing beside its journeys: a newsletter broadcast sent mid-period with
an A/B test of its subject and a holdout, read and clicked by its recipients and bought
from; next month's newsletter as a draft; a home-page banner; and the shop's Shopify
source, so the console's Broadcasts, Placements and Integrations pages have something to
show. Everything goes through the functions the API calls.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, select

from baton.campaigns import get_broadcast, parse_broadcast, save_draft, start
from baton.channels import DELIVERED, parse_template, record_click, record_open, save_template
from baton.core.clock import ManualClock
from baton.personalize import parse_placement, save_placement
from baton.segments import Kind, save_definition
from baton.sources import Saved, save_source
from baton.storage.database import write_transaction
from baton.storage.tables import identifiers, messages

NEWSLETTER, DRAFT = "monthly-news", "next-month-news"
PLACEMENT = "home-banner"
# Who opens the newsletter (and of them, who clicks), by the subject line they got: the
# A/B test has a winner to find.
_READ: dict[str, tuple[float, float]] = {
    "newsletter": (0.30, 0.25),
    "newsletter-personal": (0.45, 0.35),
}
_LINK = "https://shop.example.com/new"
_HTML = (
    "<p>Hello {{ profile.traits.firstName | default: 'there' }},</p>"
    f'<p>This month: raincoats for the rain, boots for the cold. <a href="{_LINK}">'
    "See what is new</a>.</p>"
)
_HTML_HU = (
    "<p>Szia {{ profile.traits.firstName | default: '' }}!</p>"
    f'<p>E havi újdonságaink: esőkabátok és csizmák. <a href="{_LINK}">Nézd meg</a>.</p>'
)
_TEMPLATES = [
    {"key": "newsletter", "channel": "email", "name": "Monthly newsletter",
     "subject": "What is new this month", "html": _HTML,
     "locales": {"hu": {"subject": "Újdonságok ebben a hónapban", "html": _HTML_HU}}},
    {"key": "newsletter-personal", "channel": "email", "name": "Monthly newsletter (personal)",
     "subject": "{{ profile.traits.firstName | default: 'Hello' }}, we picked these for you",
     "html": _HTML,
     "locales": {"hu": {"subject": "Neked válogattuk, {{ profile.traits.firstName }}",
                        "html": _HTML_HU}}},
]  # fmt: skip
_SEGMENT = {"key": "customers", "name": "Signed-up customers", "condition": {"event": "Signed Up"}}


def _newsletter(key: str, name: str) -> dict[str, object]:
    return {
        "key": key, "name": name, "channel": "email", "template": "newsletter",
        "audience": {"segment": _SEGMENT["key"]},
        "throttle": {"spread_hours": 2},
        "ab_test": {"variants": [{"key": "plain", "template": "newsletter"},
                                 {"key": "personal", "template": "newsletter-personal"}],
                    "sample": 0.3, "metric": "opens", "wait": "4h"},
        "holdout": 0.1,
        "goal": {"event": "Order Completed", "within": "7d"},
    }  # fmt: skip


def newsletter_hour(days: int) -> int:
    """The hour since the start the newsletter goes, at 9:00: two thirds into the period,
    so a week of its conversions is seen (as much of it as the period holds)."""
    return (days * 2 // 3) * 24 + 8  # its messages arrive at the hour's end


def add_marketing(
    connection: Connection, workspace_id: str, now: datetime, days: int, seed: int
) -> None:
    """The newsletter's templates (in English and Hungarian) and audience, next month's
    draft, the banner and the Shopify source."""
    for template in _TEMPLATES:
        save_template(connection, workspace_id, parse_template(template), now)
    save_definition(connection, workspace_id, Kind.SEGMENT.parse(_SEGMENT), now)
    upcoming = _newsletter(DRAFT, "Next month's newsletter") | {
        "send": {"local_time": "09:00", "date": (now + timedelta(days=days + 14)).date()}
    }
    save_draft(connection, workspace_id, parse_broadcast(upcoming), now)
    banner = {
        "key": PLACEMENT, "name": "Home page banner", "kind": "banner",
        "variants": [{"key": "come-back", "when": {"segment": "at-risk-customers"},
                      "content": {"title": "We miss you", "body": "10% off your next order.",
                                  "cta_text": "Shop now", "cta_url": "/sale"}}],
        "default": {"title": "New this month", "body": "Raincoats and boots for the season.",
                    "cta_text": "See what is new", "cta_url": "/new"},
    }  # fmt: skip
    save_placement(connection, workspace_id, parse_placement(banner), now)
    # Seeded, so the same demo has the same source; its secret is a placeholder that the
    # shop's own webhook signing secret replaces (docs/demo.md).
    rng = random.Random(f"{seed}:{workspace_id}:shopify")
    key = f"shopify-{rng.getrandbits(64):016x}"
    secret = f"{rng.getrandbits(128):032x}"
    shop = Saved(preset="shopify", name="Shopify store (demo)", secret=secret)
    save_source(connection, workspace_id, key, shop, now)


def send_newsletter(connection: Connection, workspace_id: str, now: datetime) -> None:
    """The newsletter, sent now as staff would send it: its engine takes it from there."""
    definition = parse_broadcast(_newsletter(NEWSLETTER, "Monthly newsletter"))
    save_draft(connection, workspace_id, definition, now)
    start(connection, workspace_id, NEWSLETTER, now)


def read_newsletter(
    engine: Engine, workspace_id: str, clock: ManualClock, since: datetime, seed: int
) -> None:
    """The opens and clicks of the newsletters delivered since `since` (once it is sent),
    as the e-mail's pixel and link record them."""
    with write_transaction(engine) as connection:
        sent = get_broadcast(connection, workspace_id, NEWSLETTER)
        rows = connection.execute(
            select(messages.c.id, messages.c.profile_id, messages.c.template, identifiers.c.value)
            .join(identifiers, identifiers.c.profile_id == messages.c.profile_id)
            .where(
                messages.c.broadcast_id == sent.id,
                messages.c.status == DELIVERED,
                messages.c.dispatched_at > since,
                messages.c.dispatched_at <= clock.now(),
                identifiers.c.kind == "user_id",
            )
        ).all()
        for message_id, profile_id, template, user_id in rows:
            opens, clicks = _READ[template]
            rng = random.Random(f"{seed}:newsletter:{user_id}")
            if rng.random() >= opens:
                continue
            claims = {"ws": workspace_id, "p": profile_id, "m": message_id}
            record_open(connection, claims, clock.now())
            if rng.random() < clicks:
                record_click(connection, claims | {"u": _LINK}, clock.now())
