"""The generic JSON source: its expressions (with properties that hold for any payload),
its declarative mapping, validated on save, and its two ways of verifying a sender."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine
from standardwebhooks import Webhook

from baton.core.clock import ManualClock
from baton.sources.expressions import EVERY, Expression, parse
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.sources.helpers import counts, create, new_key, stored

# JSON documents: the payloads expressions walk.
_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=5)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=20,
)  # fmt: skip
_steps = st.lists(st.text(max_size=8) | st.integers(-5, 5) | st.just(EVERY), max_size=6).map(tuple)


@given(_steps)
def test_an_expression_reads_back_as_itself(steps: tuple[Any, ...]) -> None:
    expression = Expression(steps)
    assert parse(str(expression)) == expression


@st.composite
def _document_and_path(draw: st.DrawFn) -> tuple[Any, list[Any], Any]:
    """A document, a path that exists in it, and what lies at its end."""
    value = draw(_json)
    document = value
    path: list[Any] = []
    for _ in range(draw(st.integers(0, 6))):
        if isinstance(value, dict) and value:
            step: Any = draw(st.sampled_from(sorted(value)))
        elif isinstance(value, list) and value:
            step = draw(st.integers(-len(value), len(value) - 1))
        else:
            break
        path.append(step)
        value = value[step]
    return document, path, value


@given(_document_and_path())
def test_an_existing_path_finds_what_lies_there(found: tuple[Any, list[Any], Any]) -> None:
    document, path, value = found
    assert parse(str(Expression(tuple(path)))).find(document) == value


@given(_json, _steps)
def test_any_expression_on_any_payload_finds_something_or_none_without_failing(
    document: Any, steps: tuple[Any, ...]
) -> None:
    found = Expression(steps).find(document)
    if EVERY in steps:
        assert isinstance(found, list)


def test_expressions_by_example() -> None:
    payload = {"a": {"b": 1}, "items": [{"sku": "x"}, {"sku": "y"}, {"no": 1}], "k e": 2}
    assert parse("$.a.b").find(payload) == 1
    assert parse("$.items[0]").find(payload) == {"sku": "x"}
    assert parse("$.items[-1].no").find(payload) == 1
    assert parse("$.items[*].sku").find(payload) == ["x", "y"]
    assert parse('$["k e"]').find(payload) == 2
    assert parse("$.missing.deeper").find(payload) is None
    assert parse("$.a[0]").find(payload) is None
    assert parse("$").find(payload) == payload
    for bad in ["a.b", "$.", "$..a", "$[x]", "$.a[", "$." + "a." * 30 + "a", "$[1.5]"]:
        with pytest.raises(ValueError, match=r"expression|unexpected"):
            parse(bad)


MAPPING: dict[str, Any] = {
    "rules": [
        {
            "when": {"$.type": "order.paid"},
            "event": "Order Completed",
            "user_id": "$.data.customer.id",
            "email": "$.data.customer.email",
            "properties": {
                "order_id": "$.data.id",
                "total": "$.data.total",
                "skus": "$.data.items[*].sku",
                "first_sku": "$.data.items[0].sku",
                "channel": "web",
            },
            "timestamp": "$.created",
        },
        {"when": {"$.type": "user.created"}, "event": "$.data.kind", "email": "$.data.email"},
    ]
}


def order(kind: str = "order.paid") -> bytes:
    return orjson.dumps(
        {
            "type": kind,
            "created": 1772441400,
            "data": {
                "id": "o-1",
                "total": 12.5,
                "customer": {"id": "u-7", "email": "ann@example.com"},
                "items": [{"sku": "A"}, {"sku": "B"}],
            },
        }
    )


def test_standard_webhooks_deliveries_map_by_their_rules(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client
) -> None:
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    key = new_key("generic")
    create(client, workspace.admin_token, key, preset="generic", secret=secret, mapping=MAPPING)
    sender = Webhook(secret)
    url = f"/v1/sources/{key}/webhook"

    def signed(message_id: str, body: bytes, at: Any = None) -> dict[str, str]:
        at = at or clock.now()
        signature = sender.sign(message_id, at, body.decode())
        return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
                "webhook-signature": signature}  # fmt: skip

    body = order()
    assert client.post(url, content=body, headers=signed("msg_1", body)).json()["accepted"] == 1
    assert client.post(url, content=body, headers=signed("msg_1", body)).status_code == 200
    signup = orjson.dumps({"type": "user.created", "data": {"kind": "Signed Up",
                                                          "email": "bo@example.com"}})  # fmt: skip
    assert client.post(url, content=signup, headers=signed("msg_2", signup)).status_code == 200
    other = order("order.refunded")
    assert client.post(url, content=other, headers=signed("msg_3", other)).json() == {
        "success": True, "accepted": 0}  # fmt: skip

    old = signed("msg_4", body, clock.now() - timedelta(minutes=6))
    assert client.post(url, content=body, headers=old).status_code == 401
    forged = {**signed("msg_5", body), "webhook-id": "msg_6"}
    assert client.post(url, content=body, headers=forged).status_code == 401
    assert client.post(url, content=body).status_code == 401

    paid, signed_up = stored(engine, workspace.id)
    assert paid["event"] == "Order Completed"
    assert paid["message_id"] == f"{key}:msg_1"
    assert paid["user_id"] == "u-7"
    assert paid["timestamp"].isoformat() == "2026-03-02T08:50:00+00:00"
    assert paid["properties"] == {"order_id": "o-1", "total": 12.5, "skus": ["A", "B"],
                                  "first_sku": "A", "channel": "web"}  # fmt: skip
    assert paid["context"]["traits"] == {"email": "ann@example.com"}
    assert (signed_up["event"], signed_up["anonymous_id"]) == ("Signed Up", f"{key}:bo@example.com")
    assert counts(engine, key)["rejected"] == 3


def test_an_hmac_header_of_the_sources_choosing(
    engine: Engine, workspace: Workspace, client: httpx.Client
) -> None:
    secret = "a-shared-secret-of-some-length"
    key = new_key("generic")
    verification = {"scheme": "hmac_sha256", "header": "X-Hub-Signature-256", "prefix": "sha256="}
    create(client, workspace.admin_token, key, preset="generic", secret=secret,
           mapping={**MAPPING, "verification": verification})  # fmt: skip
    body = order()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    url = f"/v1/sources/{key}/webhook"
    good = {"X-Hub-Signature-256": f"sha256={digest}"}
    assert client.post(url, content=body, headers=good).json()["accepted"] == 1
    # Without a delivery id, the body's digest is the message id: a retry is stored once.
    assert client.post(url, content=body, headers=good).status_code == 200
    bad = {"X-Hub-Signature-256": digest}
    assert client.post(url, content=body, headers=bad).status_code == 401
    (event,) = stored(engine, workspace.id)
    assert event["message_id"] == f"{key}:{hashlib.sha256(body).hexdigest()}"


@pytest.mark.parametrize(
    ("mapping", "field"),
    [
        ({"rules": []}, "mapping.rules"),
        ({"rules": [{"event": "X"}]}, "mapping.rules.0"),
        ({"rules": [{"event": "X", "email": "email"}]}, "mapping.rules.0.email"),
        ({"rules": [{"event": "$.a[", "email": "$.e"}]}, "mapping.rules.0.event"),
        ({"rules": [{"event": "X", "email": "$.e", "properties": {"p": "$.."}}]},
         "mapping.rules.0.properties.p"),
        ({"rules": [{"event": "X", "email": "$.e", "when": {"type": 1}}]},
         "mapping.rules.0.when"),
        ({"rules": [{"event": "X", "email": "$.e", "extra": 1}]}, "mapping.rules.0.extra"),
        ({"rules": [{"event": "X", "email": "$.e"}], "verification": {"scheme": "hmac_sha256"}},
         "mapping.verification"),
    ],
)  # fmt: skip
def test_a_mapping_is_validated_on_save_naming_the_field_at_fault(
    workspace: Workspace, client: httpx.Client, mapping: dict[str, Any], field: str
) -> None:
    body = {"preset": "generic", "secret": "whsec_" + base64.b64encode(b"k" * 32).decode(),
            "mapping": mapping}  # fmt: skip
    answer = client.put(f"/api/v1/sources/{new_key('generic')}", json=body,
                        headers=bearer(workspace.admin_token))  # fmt: skip
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"].startswith(field), answer.json()
