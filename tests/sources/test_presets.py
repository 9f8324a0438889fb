"""Shopify, Stripe and Zendesk webhooks on a real server, on both databases: a delivery
signed the provider's documented way is mapped and stored once however often it is
retried; a missing, wrong or stale signature stores nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import Engine

from baton.core.clock import ManualClock
from baton.identity import EMAIL, profile_of_identifier
from baton.identity.normalize import normalize_email
from tests.conftest import Workspace, process_all
from tests.sources.helpers import (
    counts,
    create,
    fixture,
    new_key,
    shopify,
    stored,
    stripe,
    zendesk,
)

SECRET = "shpss_0123456789abcdef0123456789abcdef"


def post(client: httpx.Client, key: str, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return client.post(f"/v1/sources/{key}/webhook", content=body, headers=headers)


def test_shopify_orders_and_checkouts_become_ecommerce_events_once(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client
) -> None:
    key = new_key("shopify")
    create(client, workspace.admin_token, key, preset="shopify", secret=SECRET)
    order = fixture("shopify_order")

    created = post(client, key, order, shopify(SECRET, order, "orders/create"))
    assert created.status_code == 200, created.text
    assert created.json() == {"success": True, "accepted": 1}
    # Shopify's retry of the delivery, then the order's payment: one completed order.
    assert post(client, key, order, shopify(SECRET, order, "orders/create")).status_code == 200
    assert post(client, key, order, shopify(SECRET, order, "orders/paid")).status_code == 200
    checkout = fixture("shopify_checkout")
    assert post(client, key, checkout, shopify(SECRET, checkout, "checkouts/create")).is_success
    # A topic without a preset mapping is acknowledged (no retries) and ignored.
    ignored = post(client, key, order, shopify(SECRET, order, "orders/updated"))
    assert ignored.json() == {"success": True, "accepted": 0}

    found = stored(engine, workspace.id)
    assert [e["event"] for e in found] == ["Order Completed", "Checkout Started"]
    completed, started = found
    assert completed["message_id"] == "shopify:order:820982911946154508:completed"
    assert completed["timestamp"].isoformat() == "2026-03-02T08:50:12+00:00"
    assert completed["properties"] == {
        "order_id": "820982911946154508",
        "checkout_id": "901414060",
        "order_number": 1234,
        "revenue": 388.0,
        "shipping": 10.0,
        "coupon": "SPRING20",
        "currency": "USD",
        "total": 398.0,
        "subtotal": 388.0,
        "tax": 0.0,
        "discount": 20.0,
        "products": [
            {"product_id": "632910392", "variant": "808950810", "sku": "IPOD2008PINK",
             "name": "IPod Nano - 8GB", "price": 199.0, "quantity": 1},
            {"product_id": "632910392", "variant": "808950810", "sku": "IPOD2008PINK",
             "name": "IPod Nano - 8GB", "brand": "Apple", "price": 189.0, "quantity": 1},
        ],
    }  # fmt: skip
    # The order's e-mail first, the customer's phone, the customer's id as an external id.
    assert completed["context"]["traits"] == {"email": "jon@example.com", "phone": "+16135551212"}
    assert completed["context"]["externalIds"][0]["id"] == "115310627314723954"
    assert completed["anonymous_id"] == "shopify:115310627314723954"
    assert started["properties"]["checkout_id"] == "123123123"
    assert started["properties"]["value"] == 398.0
    assert started["properties"]["products"][0]["quantity"] == 2
    assert counts(engine, key) == {"received": 5, "rejected": 0, "last_error": None}

    process_all(engine, clock)
    with engine.connect() as connection:
        email = normalize_email("jon@example.com")
        assert email is not None
        assert profile_of_identifier(connection, workspace.id, EMAIL, email) is not None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Shopify-Hmac-Sha256": ""},
        {"X-Shopify-Hmac-Sha256": "bm90IHRoZSBzaWduYXR1cmU="},
        "other secret",
        "altered body",
    ],
)
def test_shopify_deliveries_without_a_valid_signature_store_nothing(
    engine: Engine, workspace: Workspace, client: httpx.Client, headers: Any
) -> None:
    key = new_key("shopify")
    create(client, workspace.admin_token, key, preset="shopify", secret=SECRET)
    order = fixture("shopify_order")
    body = order
    if headers == "other secret":
        headers = shopify("another-secret-entirely", order, "orders/create")
    elif headers == "altered body":
        headers = shopify(SECRET, order, "orders/create")
        body = order.replace(b'"398.00"', b'"0.01"')
    answer = post(client, key, body, {"X-Shopify-Topic": "orders/create", **headers})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthorized"
    assert stored(engine, workspace.id) == []
    found = counts(engine, key)
    assert (found["received"], found["rejected"]) == (0, 1)
    assert "X-Shopify-Hmac-Sha256" in found["last_error"] or "signature" in found["last_error"]


def test_stripe_payments_and_subscriptions_with_replay_protection(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client
) -> None:
    secret = "whsec_test_0123456789abcdefghij"
    key = new_key("stripe")
    create(client, workspace.admin_token, key, preset="stripe", secret=secret)
    succeeded = fixture("stripe_payment_intent_succeeded")
    failed = fixture("stripe_payment_intent_failed")
    subscription = fixture("stripe_subscription_created")
    now = clock.now()

    assert post(client, key, succeeded, stripe(secret, succeeded, now)).status_code == 200
    # Stripe's retry, a minute later and signed anew: the same event id, stored once.
    retry = stripe(secret, succeeded, now + timedelta(minutes=1))
    assert post(client, key, succeeded, retry).status_code == 200
    # During a rotation Stripe signs with both secrets: one valid v1 is enough.
    rotated = stripe(secret, failed, now, "0" * 64)
    assert post(client, key, failed, rotated).status_code == 200
    assert post(client, key, subscription, stripe(secret, subscription, now)).status_code == 200

    # A captured delivery replayed later, a wrong secret, malformed or missing headers.
    stale = stripe(secret, succeeded, now - timedelta(minutes=6))
    assert post(client, key, succeeded, stale).status_code == 401
    assert post(client, key, succeeded, stripe("whsec_other", succeeded, now)).status_code == 401
    for header in ["", "t=abc,v1=00", "v1=00", f"t={int(now.timestamp())}"]:
        answer = post(client, key, succeeded, {"Stripe-Signature": header})
        assert answer.status_code == 401, header
    assert post(client, key, succeeded, {}).status_code == 401

    found = {e["event"]: e for e in stored(engine, workspace.id)}
    assert list(found) == ["Payment Succeeded", "Payment Failed", "Subscription Created"]
    paid = found["Payment Succeeded"]
    assert paid["message_id"] == "stripe:evt_3MtwBwLkdIwHu7ix0PcLtPGe"
    assert paid["properties"] == {
        "payment_intent_id": "pi_3MtwBwLkdIwHu7ix28a3tqPa",
        "amount": 20.0,
        "currency": "USD",
        "status": "succeeded",
    }
    assert paid["context"]["traits"] == {"email": "jenny.rosen@example.com"}
    assert paid["anonymous_id"] == "stripe:cus_NffrFeUfNV2Hib"
    # Yen have no minor unit: 1500 is 1500 yen.
    assert found["Payment Failed"]["properties"]["amount"] == 1500.0
    assert found["Payment Failed"]["properties"]["error_code"] == "card_declined"
    assert found["Subscription Created"]["properties"] == {
        "subscription_id": "sub_1MowQVLkdIwHu7ixeRlqHVzs",
        "status": "active",
        "plan_id": "price_1MowQULkdIwHu7ixraBm864M",
        "product_id": "prod_Na6dGcTsmU0I4R",
        "amount": 10.0,
        "currency": "USD",
        "interval": "month",
        "cancel_at_period_end": False,
    }
    found_counts = counts(engine, key)
    assert (found_counts["received"], found_counts["rejected"]) == (4, 7)


def test_zendesk_tickets_created_and_solved(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client
) -> None:
    secret = "dGhpc19zaWduaW5nX3NlY3JldA=="
    key = new_key("zendesk")
    create(client, workspace.admin_token, key, preset="zendesk", secret=secret)
    opened, solved = fixture("zendesk_ticket_created"), fixture("zendesk_ticket_solved")
    now = clock.now()
    assert post(client, key, opened, zendesk(secret, opened, now)).status_code == 200
    assert post(client, key, opened, zendesk(secret, opened, now)).status_code == 200  # retry
    assert post(client, key, solved, zendesk(secret, solved, now)).status_code == 200
    # Another status change is acknowledged and ignored.
    pending = orjson.dumps({**orjson.loads(solved), "id": "other", "event": {"current": "PENDING"}})
    assert post(client, key, pending, zendesk(secret, pending, now)).json()["accepted"] == 0

    stale = zendesk(secret, opened, now - timedelta(minutes=10))
    assert post(client, key, opened, stale).status_code == 401
    tampered = zendesk(secret, opened, now)
    tampered["X-Zendesk-Webhook-Signature-Timestamp"] = "2026-03-02T09:00:01Z"
    assert post(client, key, opened, tampered).status_code == 401
    missing = {
        "X-Zendesk-Webhook-Signature": zendesk(secret, opened, now)["X-Zendesk-Webhook-Signature"]
    }
    assert post(client, key, opened, missing).status_code == 401

    created, done = stored(engine, workspace.id)
    assert (created["event"], done["event"]) == ("Ticket Created", "Ticket Solved")
    assert created["message_id"] == "zendesk:cbe4028c-7239-495d-b020-f22348516046"
    assert created["properties"] == {
        "ticket_id": "5158",
        "subject": "Where is my order?",
        "status": "OPEN",
        "priority": "LOW",
        "type": "QUESTION",
        "tags": ["delivery"],
        "channel": "web_form",
    }
    assert created["context"]["externalIds"] == [
        {"id": "8447388090494", "type": "zendesk_user_id", "collection": "users",
         "encoding": "none"}
    ]  # fmt: skip
    assert done["anonymous_id"] == "zendesk:8447388090494"


def test_unknown_sources_oversized_and_malformed_bodies_get_4xx(
    engine: Engine, workspace: Workspace, client: httpx.Client
) -> None:
    key = new_key("shopify")
    create(client, workspace.admin_token, key, preset="shopify", secret=SECRET)
    order = fixture("shopify_order")
    headers = shopify(SECRET, order, "orders/create")
    assert post(client, "nosuch-source", order, headers).status_code == 404
    assert post(client, "NOT-A-VALID-KEY", order, headers).status_code == 404
    # A large delivery fits (Shopify sends many fields Baton does not map); more than
    # 512 KB does not.
    large = orjson.loads(order)
    large["note_attributes"] = [{"name": f"n{i}", "value": "x" * 100} for i in range(1500)]
    body = orjson.dumps(large)
    assert 100 * 1024 < len(body) < 512 * 1024
    assert post(client, key, body, shopify(SECRET, body, "orders/create")).json()["accepted"] == 1
    huge = b'{"pad": "' + b"x" * (600 * 1024) + b'"}'
    assert post(client, key, huge, shopify(SECRET, huge, "orders/create")).status_code == 413
    for bad in [b"{not json", b"\xff\xfe", b"", b'"\\u0000"']:
        answer = post(client, key, bad, shopify(SECRET, bad, "orders/create"))
        assert answer.status_code in (200, 400), (bad, answer.text)
        assert answer.status_code == 400 or answer.json()["accepted"] == 0
    # Values that the tracking API refuses (NUL) are a 400 too, not a 5xx.
    nul = orjson.loads(order)
    nul["currency"] = "US\u0000D"
    body = orjson.dumps(nul)
    assert post(client, key, body, shopify(SECRET, body, "orders/create")).status_code == 400
    # A deeply nested body is refused by the JSON parser, not the server.
    deep = b"[" * 5000 + b"]" * 5000
    assert post(client, key, deep, shopify(SECRET, deep, "orders/create")).status_code == 400
    assert [e["event"] for e in stored(engine, workspace.id)] == ["Order Completed"]
