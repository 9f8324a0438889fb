"""Saving channel settings must not break what is already out there, on both databases:
a save that leaves secrets out keeps them, a rotation keeps the old secret valid for 30
days, and one-click unsubscribe works from an expired link."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import Engine

from baton.channels import EmailSettings, load_settings
from baton.channels.links import sign_link
from baton.core.clock import ManualClock
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver
from tests.segments.helpers import identify

EMAIL = {"url": "smtp://mail.example.com", "sender": "news@acme.example",
         "links_url": "https://baton.acme.example"}  # fmt: skip


def email_of(engine: Engine, workspace: Workspace) -> EmailSettings:
    with engine.connect() as connection:
        found = load_settings(connection, workspace.id)["email"]
    assert isinstance(found, EmailSettings)
    return found


def unsubscribe_link(
    engine: Engine, clock: ManualClock, workspace: Workspace, secret: str, lifetime: timedelta
) -> str:
    person = profile(engine, workspace.id, "rita")["id"]
    claims: dict[str, Any] = {"ws": workspace.id, "p": person, "g": "*", "m": "msg_1"}
    return f"/v1/unsubscribe/{sign_link(secret, claims, clock.now() + lifetime)}"


def test_a_save_that_leaves_secrets_out_keeps_them(
    engine: Engine, clock: ManualClock, client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    assert client.put("/api/v1/channels/email", json=EMAIL, headers=admin).status_code == 200
    first = email_of(engine, workspace)
    again = client.put("/api/v1/channels/email", json={**EMAIL, "tracking": False}, headers=admin)
    assert again.status_code == 200
    kept = email_of(engine, workspace)
    assert (kept.link_secret, kept.feedback_secret) == (first.link_secret, first.feedback_secret)
    assert kept.tracking is False
    assert kept.retired == {}


def test_what_a_read_showed_saves_back_without_erasing_a_secret(
    engine: Engine, client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    url = "smtp://mailer:hunter2-password@mail.example.com:587"
    saved = client.put("/api/v1/channels/email", json={**EMAIL, "url": url}, headers=admin)
    assert saved.status_code == 200, saved.text
    first = email_of(engine, workspace)
    (shown,) = client.get("/api/v1/channels", headers=admin).json()["items"]
    assert "hunter2" not in str(shown)
    assert shown["url"] == "smtp://mailer:********@mail.example.com:587"
    form = {k: v for k, v in shown.items() if k not in ("channel", "retired")}
    again = client.put("/api/v1/channels/email", json={**form, "sender": "hi@acme.example"},
                       headers=admin)  # fmt: skip
    assert again.status_code == 200, again.text
    kept = email_of(engine, workspace)
    assert kept.url == url
    assert (kept.link_secret, kept.feedback_secret) == (first.link_secret, first.feedback_secret)
    assert kept.sender == "hi@acme.example"
    assert kept.retired == {}
    # The kept password goes only to the server, port and user it was given for.
    for elsewhere in (
        "smtp://mailer:********@attacker.example:587",
        "smtp://mailer:********@mail.example.com:2525",
        "smtp://other:********@mail.example.com:587",
    ):
        answer = client.put(
            "/api/v1/channels/email", json={**EMAIL, "url": elsewhere}, headers=admin
        )
        assert (answer.status_code, answer.json()["error"]["field"]) == (400, "url"), elsewhere
    assert email_of(engine, workspace).url == url


def test_a_kept_provider_token_goes_only_to_the_address_it_was_given_for(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    sms = {"api_url": "https://api.twilio.com", "account_sid": "AC123", "sender": "+15550100"}
    saved = client.put("/api/v1/channels/sms", json={**sms, "auth_token": "token-kept-1"},
                       headers=admin)  # fmt: skip
    assert saved.status_code == 200, saved.text
    same = client.put("/api/v1/channels/sms", json={**sms, "sender": "+15550101"}, headers=admin)
    assert same.status_code == 200, same.text
    moved = {**sms, "api_url": "https://attacker.example"}
    answer = client.put("/api/v1/channels/sms", json=moved, headers=admin)
    assert (answer.status_code, answer.json()["error"]["field"]) == (400, "auth_token")
    given = client.put("/api/v1/channels/sms", json={**moved, "auth_token": "token-new-2"},
                       headers=admin)  # fmt: skip
    assert given.status_code == 200, given.text


def test_a_rotated_secret_stays_valid_for_the_grace_period(
    engine: Engine, clock: ManualClock, client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    deliver(engine, clock, workspace.id, identify("rita", clock.now(), email="rita@example.com"))
    client.put("/api/v1/channels/email", json=EMAIL, headers=admin)
    old = email_of(engine, workspace)
    sent = unsubscribe_link(engine, clock, workspace, old.link_secret, timedelta(days=60))
    rotated = client.put("/api/v1/channels/email", headers=admin,
                         json={**EMAIL, "rotate": ["link_secret", "feedback_secret"]})  # fmt: skip
    assert rotated.status_code == 200, rotated.text
    (retired,) = rotated.json()["retired"]["link_secret"]
    assert set(retired) == {"until"}  # never the value
    new = email_of(engine, workspace)
    assert new.link_secret != old.link_secret
    assert new.feedback_secret != old.feedback_secret
    feedback = f"/v1/channels/email/{workspace.id}/feedback"
    assert client.post(feedback, json=[], headers=bearer(old.feedback_secret)).status_code == 200
    assert client.get(sent).status_code == 200  # a link sent before still opens its page

    clock.advance(timedelta(days=31))
    assert client.get(sent).status_code == 400  # past the grace: indistinguishable from forged
    assert client.post(feedback, json=[], headers=bearer(old.feedback_secret)).status_code == 401
    assert client.post(feedback, json=[], headers=bearer(new.feedback_secret)).status_code == 200
    assert client.get("/api/v1/channels", headers=admin).json()["items"][0]["retired"] == {}


def test_one_click_unsubscribe_works_from_an_expired_link(
    engine: Engine, clock: ManualClock, client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    deliver(engine, clock, workspace.id, identify("rita", clock.now(), email="rita@example.com"))
    client.put("/api/v1/channels/email", json=EMAIL, headers=admin)
    secret = email_of(engine, workspace).link_secret
    expired = unsubscribe_link(engine, clock, workspace, secret, timedelta(days=-1))
    answer = client.post(expired, data={"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200, answer.text
    person = profile(engine, workspace.id, "rita")["id"]
    consent = client.get(f"/api/v1/profiles/{person}/consent", headers=admin).json()
    assert consent["groups"]["*"]["subscribed"] is False


def test_what_baton_keeps_cannot_be_set_and_unknown_secrets_cannot_be_rotated(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    forged = {**EMAIL, "retired": {"link_secret": [{"value": "x" * 20, "until": "2999-01-01"}]}}
    answer = client.put("/api/v1/channels/email", json=forged, headers=admin)
    assert (answer.status_code, answer.json()["error"]["field"]) == (400, "retired")
    unknown = client.put("/api/v1/channels/email", json={**EMAIL, "rotate": ["url"]}, headers=admin)
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (400, "rotate")
