"""Localized templates on both databases: the profile's `locale` picks a variant along
the workspace's fallback chain, previews take a locale, the language each message was
rendered in is recorded and reported, and bad input is refused with the field at fault."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from baton.analytics.journey_report import journey_report
from baton.core.clock import ManualClock
from baton.workspaces import normalize_locale
from tests.api.test_profiles import bearer
from tests.conftest import Workspace
from tests.journeys.helpers import deliver, messages_of, publish
from tests.segments.helpers import identify, track

GREETING: dict[str, Any] = {
    "channel": "email",
    "subject": "Hello {{ profile.traits.firstName }}",
    "text": "Welcome",
    "locales": {
        "hu": {"subject": "Szia {{ profile.traits.firstName }}", "text": "Üdvözlünk"},
        "pl": {"subject": "Cześć {{ profile.traits.firstName }}"},
        "ro": {"subject": "Salut {{ profile.traits.firstName }}"},
    },
}
POLICY = {"locales": {"default": "en", "fallback": {"mo": "ro", "sk": "hu"}}}


@pytest.mark.parametrize(
    ("given", "language"),
    [("hu-HU", "hu"), ("hu_HU", "hu"), ("HU", "hu"), (" pt-BR ", "pt"), ("fil", "fil"),
     ("", None), ("english", None), ("h", None), (42, None), (None, None)],
)  # fmt: skip
def test_a_locale_trait_is_read_as_its_language(given: Any, language: str | None) -> None:
    assert normalize_locale(given) == language


def test_the_profiles_locale_picks_a_variant_along_the_fallback_chain(
    engine: Engine, clock: ManualClock, workspace: Workspace, client: httpx.Client
) -> None:
    admin = bearer(workspace.admin_token)
    assert client.put("/api/v1/policy", json=POLICY, headers=admin).status_code == 200
    saved = client.put("/api/v1/templates/greeting", json=GREETING, headers=admin)
    assert saved.status_code == 201, saved.text
    assert saved.json()["locales"]["hu"] == GREETING["locales"]["hu"]
    people = {"ann": "hu-HU", "bea": "pl_PL", "cid": "mo", "dan": "sk", "eve": "de", "fay": None}
    deliver(engine, clock, workspace.id,
            *(identify(user, clock.now(), firstName=user.title(), locale=locale,
                       email=f"{user}@example.com")
              for user, locale in people.items()))  # fmt: skip

    def preview(user: str, **asked: Any) -> dict[str, Any]:
        shown = client.post("/api/v1/templates/greeting/preview",
                            json={"user_id": user, **asked}, headers=admin)  # fmt: skip
        assert shown.status_code == 200, shown.text
        return dict(shown.json())

    found = {user: preview(user) for user in people}
    assert {user: (p["locale"], p["subject"]) for user, p in found.items()} == {
        "ann": ("hu", "Szia Ann"),
        "bea": ("pl", "Cześć Bea"),
        "cid": ("ro", "Salut Cid"),  # mo -> ro
        "dan": ("hu", "Szia Dan"),  # sk -> hu
        "eve": ("en", "Hello Eve"),  # no German: the default
        "fay": ("en", "Hello Fay"),
    }
    # A variant replaces only the parts it gives.
    assert (found["ann"]["text"], found["bea"]["text"]) == ("Üdvözlünk", "Welcome")
    # A preview in another language than the profile's.
    assert preview("ann", locale="pl-PL")["subject"] == "Cześć Ann"
    assert preview("ann", locale="en")["subject"] == "Hello Ann"
    bad = client.post("/api/v1/templates/greeting/preview",
                      json={"user_id": "ann", "locale": "<script>"}, headers=admin)  # fmt: skip
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "locale")
    draft = client.post("/api/v1/templates/preview",
                        json={"user_id": "cid", "template": GREETING}, headers=admin)  # fmt: skip
    assert draft.json()["rendered"]["locale"] == "ro"
    assert draft.json()["rendered"]["subject"] == "Salut Cid"

    # Sent messages record their language; the journey report counts them by it.
    journey = publish(engine, clock, workspace.id, {
        "key": "welcome", "name": "welcome", "trigger": {"event": "Signed Up"}, "start": "send",
        "nodes": {"send": {"type": "message", "channel": "email", "template": "greeting"}},
    })  # fmt: skip
    began = clock.now()
    deliver(
        engine, clock, workspace.id, *(track(user, "Signed Up", clock.now()) for user in people)
    )
    sent = messages_of(engine, journey)
    assert sorted(m["locale"] for m in sent) == ["en", "en", "hu", "hu", "pl", "ro"]
    listed = client.get("/api/v1/messages", params={"journey": "welcome"}, headers=admin).json()
    assert sorted(m["locale"] for m in listed["items"]) == ["en", "en", "hu", "hu", "pl", "ro"]
    with engine.connect() as connection:
        report = journey_report(connection, journey, start=began, end=clock.now() + timedelta(1),
                                version=None, window=timedelta(days=7))  # fmt: skip
    assert report["nodes"]["send"]["messages"]["by_locale"] == {"en": 2, "hu": 2, "pl": 1, "ro": 1}


def test_locales_are_validated_like_the_base_with_the_field_at_fault(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)

    def put(**changes: Any) -> httpx.Response:
        return client.put("/api/v1/templates/t", json={**GREETING, **changes}, headers=admin)

    cases: list[tuple[dict[str, Any], str]] = [
        ({"locales": {"hu": {"subject": "Szia {{ profile.traits.firstName"}}},
         "locales.hu.subject"),
        ({"locales": {"hu": {"subject": "{{ nobody.name }}"}}}, "locales.hu.subject"),
        ({"locales": {"hu": {"subject": "x" * 1001}}}, "locales.hu.subject"),
        ({"locales": {"hu": {}}}, "locales.hu"),
        ({"locales": {"hu": {"sender": "x"}}}, "locales.hu.sender"),
        ({"locales": {"HU-hu": {"subject": "x"}}}, "locales.HU-hu.[key]"),
        ({"locales": ["hu"]}, "locales"),
    ]  # fmt: skip
    for changes, field in cases:
        refused = put(**changes)
        assert refused.status_code == 400, changes
        assert refused.json()["error"]["field"] == field, refused.text
    broken = {**GREETING, "locales": {"hu": {"text": "{% if %}"}}}
    shown = client.post("/api/v1/templates/preview", json={"template": broken}, headers=admin)
    assert [p["part"] for p in shown.json()["problems"]] == ["locales.hu.text"]

    for policy, field in [
        ({"locales": {"fallback": {"ro": "mo", "mo": "ro"}}}, "locales"),
        ({"locales": {"default": "English"}}, "locales.default"),
        ({"locales": {"fallback": {"ro": "en-GB"}}}, "locales.fallback.ro"),
    ]:
        refused = client.put("/api/v1/policy", json=policy, headers=admin)
        assert refused.status_code == 400, policy
        assert refused.json()["error"]["field"] == field, refused.text
