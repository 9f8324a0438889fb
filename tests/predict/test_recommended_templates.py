"""Recommended items in message templates, on both databases: `recommendations.<key>`
lists a profile's items from the catalogue in the model's order, without those sold out
since; the template preview shows them; the browse-abandonment e-mail offers up to three
of them under "You might also like", and only the viewed product without them."""

from __future__ import annotations

from datetime import timedelta
from email.message import Message
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from baton.channels import MessageTemplate, parse_template, personalise
from baton.channels.templates import recommendations_read, sources_of
from baton.core.clock import ManualClock
from baton.identity import find_profile
from baton.predict.catalog import CatalogItem, save_items
from baton.predict.definitions import parse_prediction
from baton.predict.kinds import Score
from baton.predict.recommended import EVERY
from baton.predict.scores import write_scores
from baton.predict.store import Status, save_prediction, set_state
from baton.storage.database import write_transaction
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.identity.helpers import send
from tests.journeys.helpers import deliver
from tests.journeys.test_library import customers, email_through, installed, later
from tests.segments.helpers import identify, track
from tests.servers import Mailbox

CATALOGUE = {
    "hat": CatalogItem(name="Bobble hat", price=12.0, attributes={"url": "https://s.example/h"}),
    "gloves": CatalogItem(name="Wool gloves", in_stock=False),
    "socks": CatalogItem(name="Ski socks", price=8.0),
    "boots": CatalogItem(name="Snow boots", price=99.0),
    "scarf": CatalogItem(name="Wool scarf"),
}


def recommend(
    engine: Engine, clock: ManualClock, workspace_id: str, key: str,
    chosen: dict[str, list[str]], **given: Any,
) -> None:  # fmt: skip
    """The catalogue, and `chosen` as the scores of the recommendations prediction `key`,
    as its training would write them."""
    definition = parse_prediction({"key": key, "kind": "recommendations", **given})
    with write_transaction(engine) as connection:
        save_items(connection, workspace_id, list(CATALOGUE.items()), clock.now())
        prediction, _ = save_prediction(connection, workspace_id, definition, clock.now())
        # Trained: no training pending, version 1 active.
        set_state(connection, prediction, status=Status.READY.value, train_requested_at=None,
                  active_version=1)  # fmt: skip
    scores = [
        Score(p, 1.0, detail={"items": items, "source": "model"}) for p, items in chosen.items()
    ]
    write_scores(engine, workspace_id, prediction.id, key, 1, scores, clock.now())


def profile_of(engine: Engine, workspace_id: str, user: str) -> str:
    with engine.connect() as connection:
        found: str = find_profile(connection, workspace_id, user, "US")["id"]
    return found


def rendered(engine: Engine, workspace_id: str, template: MessageTemplate, profile_id: str) -> str:
    with engine.connect() as connection:
        body = personalise(connection, workspace_id, template, profile_id).body
    assert body is not None
    return body


def test_templates_list_the_recommended_items_in_order(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    send(engine, clock, workspace.id, identify("ann", clock.now()), identify("bob", clock.now()))
    ann, bob = profile_of(engine, workspace.id, "ann"), profile_of(engine, workspace.id, "bob")
    # gloves sold out after scoring; `gone` left the catalogue.
    recommend(engine, clock, workspace.id, "browse-recs",
              {ann: ["socks", "gloves", "gone", "hat", "boots", "scarf"]})  # fmt: skip
    recommend(engine, clock, workspace.id, "loose", {ann: ["gloves"]},
              filters={"in_stock": False})  # fmt: skip
    template = parse_template({"key": "t", "channel": "sms", "body": (
        "{% for item in recommendations.browse-recs limit: 3 %}{{ item.name }}"
        "{% if item.price %} {{ item.price | money }}{% endif %}"
        "{% if item.url %} {{ item.url }}{% endif %};{% endfor %}"
        '|{{ recommendations["loose"].first.name }}|{{ recommendations.none.size }}'
    )})  # fmt: skip
    assert rendered(engine, workspace.id, template, ann) == (
        "Ski socks $8.00;Bobble hat $12.00 https://s.example/h;Snow boots $99.00;|Wool gloves|0"
    )
    assert rendered(engine, workspace.id, template, bob) == "||0"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Hello {{ profile.traits.name }}", set()),
        ("{{ event.properties.recommendations }}", set()),
        ("{% for i in recommendations.browse-recs %}{{ i.name }}{% endfor %}", {"browse-recs"}),
        ('{{ recommendations["a"].first.name }}{{ recommendations.b.size }}', {"a", "b"}),
        ("{% assign k = 'a' %}{{ recommendations[k].first.name }}", {EVERY}),
        ("{% for pair in recommendations %}{{ pair }}{% endfor %}", {EVERY}),
    ],
)
def test_only_templates_that_read_recommendations_load_them(
    source: str, expected: set[str]
) -> None:
    template = parse_template({"key": "t", "channel": "sms", "body": source})
    assert recommendations_read(sources_of(template)) == expected


def test_the_template_preview_shows_them(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    send(engine, clock, workspace.id, identify("cleo", clock.now()))
    cleo = profile_of(engine, workspace.id, "cleo")
    recommend(engine, clock, workspace.id, "picks", {cleo: ["boots", "hat"]})
    draft = {
        "channel": "sms",
        "body": "{% for i in recommendations.picks %}{{ i.name }},{% endfor %}",
    }
    answer = client.post("/api/v1/templates/preview", json={"template": draft, "user_id": "cleo"},
                         headers=bearer(workspace.admin_token))  # fmt: skip
    assert answer.status_code == 200, answer.text
    assert answer.json()["rendered"]["body"] == "Snow boots,Bobble hat,"


def html_of(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    body = part.get_payload(decode=True)
    assert isinstance(body, bytes)
    return body.decode()


def test_the_browse_abandonment_email_offers_recommended_items(
    engine: Engine, clock: ManualClock, workspace: Workspace, smtp: tuple[Mailbox, int]
) -> None:
    mailbox, port = smtp
    email_through(engine, clock, workspace, port)
    installed(engine, clock, workspace, "browse-abandonment")
    customers(engine, clock, workspace, "picked", "plain")
    picked = profile_of(engine, workspace.id, "picked")
    recommend(engine, clock, workspace.id, "browse-recs",
              {picked: ["hat", "gloves", "socks", "boots", "scarf"]})  # fmt: skip
    for user in ("picked", "plain"):
        deliver(engine, clock, workspace.id,
             track(user, "Product Viewed", clock.now(), {"name": "Wool scarf"}),
             track(user, "Product Viewed", clock.now() + timedelta(seconds=1),
                   {"name": "Red sneakers"}))  # fmt: skip
    later(engine, clock, timedelta(hours=2, minutes=1))
    by_recipient = {recipients[0]: html_of(message) for recipients, message in mailbox.received}
    assert set(by_recipient) == {"picked@example.com", "plain@example.com"}
    offered = by_recipient["picked@example.com"]
    assert "You were looking at Red sneakers earlier." in offered
    assert "You might also like:" in offered
    assert ">Bobble hat</a>" in offered  # linked to its url (through click tracking)
    shown = [item.name for item in CATALOGUE.values() if item.name in offered]
    # The first three in stock, in order; the sold-out gloves are skipped.
    assert shown == ["Bobble hat", "Ski socks", "Snow boots"]
    assert offered.index("Bobble hat") < offered.index("Ski socks") < offered.index("Snow boots")
    plain = by_recipient["plain@example.com"]
    assert "You were looking at Red sneakers earlier." in plain
    assert "You might also like" not in plain
