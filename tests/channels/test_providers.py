"""SMS, push, chat, task and in-app delivery against real local HTTP servers standing in
for Twilio, FCM, Telegram and a CRM, on both databases; delivery receipts, keywords and
invalid tokens fed back into the profile."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

import httpx
import orjson
import pytest
from sqlalchemy import Engine, select

from baton.channels.ratelimit import TokenBucket
from baton.channels.settings import (
    ChatSettings,
    PushSettings,
    SmsSettings,
    TaskSettings,
    save_settings,
)
from baton.channels.sms import signature
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.storage.database import write_transaction
from baton.storage.tables import message_attempts, push_tokens
from baton.workspaces import user_hash
from tests.api.test_profiles import bearer
from tests.channels.helpers import signature_holds, timeline
from tests.conftest import Workspace
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver, messages_of, publish, run
from tests.segments.helpers import identify, track
from tests.servers import Answer, HttpServer, Request


def answer(status: int, body: Any) -> Answer:
    return status, {"Content-Type": "application/json"}, orjson.dumps(body)


@pytest.fixture
def provider() -> Iterator[HttpServer]:
    with HttpServer(lambda request: answer(200, {})) as server:
        yield server


def journey(key: str, channel: str, template: str, **message: Any) -> dict[str, Any]:
    return {
        "key": key,
        "name": key,
        "trigger": {"event": f"{key} go"},
        "start": "send",
        "nodes": {"send": {"type": "message", "channel": channel, "template": template,
                           **message}},
    }  # fmt: skip


def setup(engine: Engine, clock: ManualClock, workspace_id: str, channel: str, settings: Any,
          **template: str) -> None:  # fmt: skip
    with write_transaction(engine) as connection:
        save_settings(connection, workspace_id, channel, settings, clock.now())
        save_template(connection, workspace_id,
                      parse_template({"key": f"{channel}-t", "channel": channel, **template}),
                      clock.now())  # fmt: skip


def provider_ids(engine: Engine, message_id: str) -> list[str | None]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(message_attempts.c.provider_id)
                .where(message_attempts.c.message_id == message_id)
                .order_by(message_attempts.c.n)
            ).scalars()
        )


def test_sms_goes_through_twilio_and_receipts_and_keywords_come_back(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: HttpServer,
    client: httpx.Client,
) -> None:  # fmt: skip
    sids = iter(["SM1", "SM2", "SM3"])
    provider.respond = lambda request: answer(201, {"sid": next(sids), "status": "queued"})
    settings = SmsSettings(api_url=provider.url, account_sid="AC42", auth_token="tok-tok-tok-1",
                           sender="+15005550006", callbacks_url=str(client.base_url),
                           allow=["127.0.0.1"])  # fmt: skip
    setup(engine, clock, workspace.id, "sms", settings, body="Hi {{ profile.traits.firstName }}")
    sms = publish(engine, clock, workspace.id, journey("promo", "sms", "sms-t"))
    deliver(engine, clock, workspace.id, identify("sam", clock.now(), firstName="Sam",
                                                  phone="(415) 555-0100"))  # fmt: skip
    deliver(engine, clock, workspace.id, track("sam", "promo go", clock.now()))

    (call,) = provider.requests
    assert call.path == "/2010-04-01/Accounts/AC42/Messages.json"
    assert (
        call.headers["Authorization"] == "Basic " + base64.b64encode(b"AC42:tok-tok-tok-1").decode()
    )
    form = dict(parse_qsl(call.body.decode()))
    status_url = f"{client.base_url}/v1/channels/sms/{workspace.id}/status"
    assert form == {"To": "+14155550100", "From": "+15005550006", "Body": "Hi Sam",
                    "StatusCallback": status_url}  # fmt: skip
    (first,) = messages_of(engine, sms)
    assert first["status"] == "delivered"
    assert provider_ids(engine, first["id"]) == ["SM1"]

    # The receipt, signed as Twilio signs it; a forged or altered one is refused.
    receipt = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    forged = client.post(status_url, data=receipt, headers={"X-Twilio-Signature": "AAAA"})
    assert forged.status_code == 401
    signed = {"X-Twilio-Signature": signature("tok-tok-tok-1", status_url, receipt)}
    tampered = {**receipt, "MessageStatus": "undelivered"}
    assert client.post(status_url, data=tampered, headers=signed).status_code == 401
    assert client.post(status_url, data=receipt, headers=signed).status_code == 204
    assert client.post(status_url, data=receipt, headers=signed).status_code == 204  # again
    sam = profile(engine, workspace.id, "sam")["id"]
    names = ("SMS Delivered", "SMS Failed", "Message Delivered")
    assert [e["event"] for e in timeline(engine, sam, *names)] == ["SMS Delivered",
                                                                  "Message Delivered"]  # fmt: skip

    deliver(engine, clock, workspace.id, track("sam", "promo go", clock.now()))
    failed = {"MessageSid": "SM2", "MessageStatus": "undelivered", "ErrorCode": "30003"}
    headers = {"X-Twilio-Signature": signature("tok-tok-tok-1", status_url, failed)}
    assert client.post(status_url, data=failed, headers=headers).status_code == 204
    second = messages_of(engine, sms)[1]
    assert (second["status"], second["detail"]) == ("failed", "carrier: undelivered (30003)")
    assert timeline(engine, sam, "SMS Failed")[0]["error_code"] == "30003"

    # STOP unsubscribes from marketing SMS; START subscribes again.
    inbound_url = f"{client.base_url}/v1/channels/sms/{workspace.id}/inbound"
    for word, sent in [("Stop", 2), ("START", 3)]:
        text = {"From": "+14155550100", "Body": f" {word} "}
        headers = {"X-Twilio-Signature": signature("tok-tok-tok-1", inbound_url, text)}
        reply = client.post(inbound_url, data=text, headers=headers)
        assert reply.status_code == 200
        assert "<Response>" in reply.text
        clock.advance(timedelta(minutes=1))
        deliver(engine, clock, workspace.id, track("sam", "promo go", clock.now()))
        assert len(provider.requests) == sent
    third = messages_of(engine, sms)[2]
    assert (third["status"], third["reason"]) == ("skipped", "no_consent")
    consent = client.get(f"/api/v1/profiles/{sam}/consent",
                         headers=bearer(workspace.admin_token)).json()  # fmt: skip
    assert [(c["group"], c["subscribed"], c["source"]) for c in consent["history"]] == [
        ("channel:sms", True, "sms_keyword"), ("channel:sms", False, "sms_keyword")]  # fmt: skip


# The worked example of Twilio's request validation ("Webhooks security",
# https://www.twilio.com/docs/usage/webhooks/webhooks-security, formerly
# https://www.twilio.com/docs/usage/security#validating-requests): auth token, URL, POST
# parameters and the X-Twilio-Signature Twilio sends for them, as published.
TWILIO_AUTH_TOKEN = "12345"
TWILIO_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMETERS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
TWILIO_SIGNATURE = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_the_twilio_signature_matches_twilios_worked_example() -> None:
    # Given in another order than Twilio's sorted one: the signature must sort them.
    shuffled = dict(reversed(TWILIO_PARAMETERS.items()))
    assert signature(TWILIO_AUTH_TOKEN, TWILIO_URL, shuffled) == TWILIO_SIGNATURE
    tampered = {**TWILIO_PARAMETERS, "Digits": "1235"}
    assert signature(TWILIO_AUTH_TOKEN, TWILIO_URL, tampered) != TWILIO_SIGNATURE
    other_url = TWILIO_URL.replace("foo=1", "foo=2")
    assert signature(TWILIO_AUTH_TOKEN, other_url, TWILIO_PARAMETERS) != TWILIO_SIGNATURE


def test_a_signed_receipt_holding_nul_is_refused(
    client: httpx.Client, workspace: Workspace
) -> None:
    """PostgreSQL cannot compare text holding NUL: a signed receipt with one made a 500."""
    sms = {"account_sid": "AC42", "auth_token": "tok-tok-tok-1", "sender": "+15005550006",
           "callbacks_url": str(client.base_url)}  # fmt: skip
    admin = bearer(workspace.admin_token)
    assert client.put("/api/v1/channels/sms", json=sms, headers=admin).status_code == 200
    url = f"{client.base_url}/v1/channels/sms/{workspace.id}/status"
    receipt = {"MessageSid": "\x00_", "MessageStatus": "delivered"}
    signed = {"X-Twilio-Signature": signature("tok-tok-tok-1", url, receipt)}
    refused = client.post(url, data=receipt, headers=signed)
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["field"] == "MessageSid"


def test_push_goes_to_every_device_and_forgets_unregistered_tokens(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: HttpServer
) -> None:
    def fcm(request: Request) -> Answer:
        token = orjson.loads(request.body)["message"]["token"]
        if token == "old-phone":
            return answer(404, {"error": {"code": 404, "status": "NOT_FOUND", "details": [
                {"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                 "errorCode": "UNREGISTERED"}]}})  # fmt: skip
        return answer(200, {"name": f"projects/acme/messages/{token}"})

    provider.respond = fcm
    settings = PushSettings(
        api_url=provider.url, allow=["127.0.0.1"], project_id="acme", access_token="ya29.secret"
    )
    setup(engine, clock, workspace.id, "push", settings, title="Hello", body="Your order shipped")
    push = publish(engine, clock, workspace.id, journey("ship", "push", "push-t"))
    for token, kind in [("old-phone", "android"), ("new-phone", "ios")]:
        seen = track("pat", "App Opened", clock.now())
        seen["context"] = {"device": {"token": token, "type": kind}}
        deliver(engine, clock, workspace.id, seen)
    deliver(engine, clock, workspace.id, identify("pat", clock.now(), pushTokens=["tablet"]))
    deliver(engine, clock, workspace.id, track("pat", "ship go", clock.now()))

    assert sorted(orjson.loads(r.body)["message"]["token"] for r in provider.requests) == [
        "new-phone", "old-phone", "tablet"]  # fmt: skip
    sent = orjson.loads(provider.requests[0].body)["message"]
    assert sent["notification"] == {"title": "Hello", "body": "Your order shipped"}
    assert provider.requests[0].path == "/v1/projects/acme/messages:send"
    assert provider.requests[0].headers["Authorization"] == "Bearer ya29.secret"
    (message,) = messages_of(engine, push)
    assert message["status"] == "delivered"
    assert message["detail"].startswith("2 of 3 devices")
    with engine.connect() as connection:
        kept = connection.execute(
            select(push_tokens.c.token, push_tokens.c.platform)
            .where(push_tokens.c.workspace_id == workspace.id)
            .order_by(push_tokens.c.token)
        ).all()
    assert kept == [("new-phone", "ios"), ("tablet", None)]


def test_chat_and_task_messages_are_delivered_and_recorded(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: HttpServer
) -> None:
    provider.respond = lambda request: (
        answer(200, {"ok": True, "result": {"message_id": 42}})
        if "/sendMessage" in request.path
        else answer(201, {"id": "task-9"})
    )
    setup(engine, clock, workspace.id, "chat",
          ChatSettings(api_url=provider.url, allow=["127.0.0.1"], bot_token="123:abc-def"),
          body="Hi {{ profile.traits.firstName }}, your table is ready")  # fmt: skip
    task_settings = TaskSettings(url=f"{provider.url}/crm/tasks", allow=["127.0.0.1"],
                                 secret="crm-secret-crm-secret")  # fmt: skip
    setup(engine, clock, workspace.id, "task", task_settings,
          title="Call {{ profile.traits.firstName }}",
          body="Unhappy: NPS {{ event.properties.score }}")  # fmt: skip
    chat = publish(engine, clock, workspace.id, journey("table", "chat", "chat-t"))
    task = publish(engine, clock, workspace.id, journey("detractor", "task", "task-t"))
    deliver(engine, clock, workspace.id,
            identify("kim", clock.now(), firstName="Kim", telegramChatId="5551234"))  # fmt: skip
    deliver(engine, clock, workspace.id, track("kim", "table go", clock.now()),
            track("kim", "detractor go", clock.now(), {"score": 3}))  # fmt: skip

    by_path = {r.path: r for r in provider.requests}
    sent = by_path["/bot123:abc-def/sendMessage"]
    assert orjson.loads(sent.body) == {"chat_id": "5551234", "text": "Hi Kim, your table is ready"}
    (chat_message,) = messages_of(engine, chat)
    assert chat_message["status"] == "delivered"
    assert provider_ids(engine, chat_message["id"]) == ["42"]

    posted = by_path["/crm/tasks"]
    body = orjson.loads(posted.body)
    assert (body["title"], body["body"]) == ("Call Kim", "Unhappy: NPS 3")
    assert body["profile"]["traits"]["telegramChatId"] == "5551234"
    (task_message,) = messages_of(engine, task)
    assert posted.headers["webhook-id"] == task_message["idempotency_key"]
    assert posted.headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
    assert signature_holds(b"crm-secret-crm-secret", posted.headers, posted.body)
    kim = profile(engine, workspace.id, "kim")["id"]
    created = timeline(engine, kim, "Task Created", "Message Delivered")
    assert sorted(e["event"] for e in created) == ["Message Delivered", "Message Delivered",
                                                   "Task Created"]  # fmt: skip
    assert {e["message_id"] for e in created} == {task_message["id"], chat_message["id"]}


def test_a_throttled_provider_is_retried_and_a_missing_address_fails(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: HttpServer
) -> None:
    provider.respond = lambda request: answer(429, {"ok": False, "parameters": {"retry_after": 3}})
    setup(engine, clock, workspace.id, "chat",
          ChatSettings(api_url=provider.url, bot_token="123:abc-def",
                       allow=["127.0.0.1"]), body="Hi")  # fmt: skip
    chat = publish(engine, clock, workspace.id, journey("hi", "chat", "chat-t"))
    deliver(engine, clock, workspace.id, identify("lee", clock.now(), telegramChatId=77),
            identify("nobody", clock.now()))  # fmt: skip
    deliver(engine, clock, workspace.id, track("lee", "hi go", clock.now()),
            track("nobody", "hi go", clock.now()))  # fmt: skip
    found = {m["profile_id"]: m for m in messages_of(engine, chat)}
    lee, nobody = (profile(engine, workspace.id, who)["id"] for who in ("lee", "nobody"))
    assert (found[lee]["status"], found[lee]["attempts"]) == ("pending", 1)
    assert found[nobody]["status"] == "failed"
    assert found[nobody]["detail"] == "the profile has no telegramChatId trait"
    provider.respond = lambda request: answer(200, {"ok": True, "result": {"message_id": 1}})
    clock.advance(timedelta(minutes=2))
    run(engine, clock)
    assert messages_of(engine, chat)[0]["status"] == "delivered"


def settings_of(channel: str, url: str, allow: list[str]) -> Any:
    """Settings of an HTTP provider channel at `url`."""
    if channel == "sms":
        return SmsSettings(api_url=url, account_sid="AC42", auth_token="tok-tok-tok-1",
                           sender="+15005550006", allow=allow)  # fmt: skip
    if channel == "push":
        return PushSettings(api_url=url, project_id="acme", access_token="ya29.secret",
                            allow=allow)  # fmt: skip
    if channel == "chat":
        return ChatSettings(api_url=url, bot_token="123:abc-def", allow=allow)
    return TaskSettings(url=f"{url}/crm", allow=allow)


@pytest.mark.parametrize("channel", ["sms", "push", "chat", "task"])
def test_every_provider_on_a_private_address_is_refused_unless_allowed(
    engine: Engine, clock: ManualClock, workspace: Workspace, provider: HttpServer, channel: str
) -> None:
    """An `api_url` (or a CRM's `url`) pointing inside the network reaches nothing until
    the channel's settings allow it."""
    provider.respond = lambda request: answer(200, {"ok": True, "result": {"message_id": 1}})
    setup(
        engine,
        clock,
        workspace.id,
        channel,
        settings_of(channel, provider.url, []),
        title="Hi",
        body="Hi",
    )
    kai = identify("kai", clock.now(), phone="+14155550100", telegramChatId="77",
                   pushToken="phone-1")  # fmt: skip
    deliver(engine, clock, workspace.id, kai)
    refused = publish(engine, clock, workspace.id, journey("inside", channel, f"{channel}-t"))
    deliver(engine, clock, workspace.id, track("kai", "inside go", clock.now()))
    (message,) = messages_of(engine, refused)
    assert message["status"] == "failed"
    assert "127.0.0.1, which is not a public address" in message["detail"]
    assert provider.requests == []

    setup(
        engine,
        clock,
        workspace.id,
        channel,
        settings_of(channel, provider.url, ["127.0.0.0/8"]),
        title="Hi",
        body="Hi",
    )
    allowed = publish(engine, clock, workspace.id, journey("allowed", channel, f"{channel}-t"))
    deliver(engine, clock, workspace.id, track("kai", "allowed go", clock.now()))
    assert messages_of(engine, allowed)[0]["status"] == "delivered"
    assert len(provider.requests) == 1


def test_in_app_messages_are_pulled_and_marked_by_the_site(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client
) -> None:
    with write_transaction(engine) as connection:
        banner_template = {"key": "banner", "channel": "inbox", "body": "10% off today",
                           "title": "Welcome back {{ profile.traits.firstName }}"}  # fmt: skip
        save_template(connection, workspace.id, parse_template(banner_template), clock.now())
    banner = publish(engine, clock, workspace.id, journey("back", "inbox", "banner"))
    deliver(engine, clock, workspace.id, identify("ina", clock.now(), firstName="Ina"))
    deliver(engine, clock, workspace.id, track("ina", "back go", clock.now()))
    (message,) = messages_of(engine, banner)
    assert message["status"] == "delivered"

    auth = (workspace.write_key, "")
    made = client.post("/api/v1/identity-secret", headers=bearer(workspace.admin_token))
    secret = made.json()["secret"]
    ina = {"userId": "ina", "userHash": user_hash(secret, "ina")}
    stranger = {"userId": "stranger", "userHash": user_hash(secret, "stranger")}
    assert client.get("/v1/inbox", params=ina).status_code == 401
    assert client.get("/v1/inbox", auth=auth).status_code == 400
    assert client.get("/v1/inbox", params=stranger, auth=auth).json() == {"messages": []}
    (shown,) = client.get("/v1/inbox", params=ina, auth=auth).json()["messages"]
    assert (shown["id"], shown["title"], shown["body"]) == (message["id"], "Welcome back Ina",
                                                            "10% off today")  # fmt: skip
    assert (shown["seen"], shown["clicked"]) == (False, False)
    seen = client.post(f"/v1/inbox/{message['id']}/seen", params=ina, auth=auth)
    assert seen.json()["first"] is True
    again = client.post(f"/v1/inbox/{message['id']}/seen", params=ina, auth=auth)
    assert again.json()["first"] is False
    opened = client.post(f"/v1/inbox/{message['id']}/opened", params=ina, auth=auth)
    assert opened.status_code == 400
    assert client.post("/v1/inbox/msg_nope/seen", params=ina, auth=auth).status_code == 404
    listed = client.get("/v1/inbox", params=ina, auth=auth).json()
    assert listed["messages"][0]["seen"] is True
    client.post(f"/v1/inbox/{message['id']}/dismissed", params=ina, auth=auth)
    assert client.get("/v1/inbox", params=ina, auth=auth).json() == {"messages": []}
    ina_id = profile(engine, workspace.id, "ina")["id"]
    marks = timeline(engine, ina_id, "Inbox Message Seen", "Inbox Message Dismissed")
    assert [m["event"] for m in marks] == ["Inbox Message Seen", "Inbox Message Dismissed"]


def test_a_token_bucket_lets_a_burst_through_then_paces() -> None:
    now, slept = [100.0], list[float]()
    bucket = TokenBucket(10, monotonic=lambda: now[0], sleep=slept.append)
    assert [bucket.take() for _ in range(10)] == [0.0] * 10
    assert bucket.take() == pytest.approx(0.1)
    assert bucket.take() == pytest.approx(0.2)  # waits behind the one before
    now[0] += 1.0  # a second refills what the waiters owed, and more
    assert bucket.take() == 0.0
    assert slept == pytest.approx([0.1, 0.2])
