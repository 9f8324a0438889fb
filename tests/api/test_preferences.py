# Turkish is written with the dotless i (U+0131): no look-alike of i here.
# ruff: noqa: RUF001
"""The preference center end to end on both databases, through a real server and a real
SMTP server: the link in every marketing e-mail, choices stored as the person's own,
their frequency honoured by dispatch, their export, erasure only once confirmed from an
e-mailed link, the site's way in through identity verification, each language, and
hostile requests answered with a page, never a 5xx."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select

from baton.channels import load_settings
from baton.channels.preference_texts import LANGUAGES, TEXTS, pick_language
from baton.channels.preferences import preferences_url
from baton.channels.template_store import save_template
from baton.channels.templates import parse_template
from baton.core.clock import ManualClock
from baton.journeys.why import reason_text
from baton.storage.database import write_transaction
from baton.storage.tables import audit_log, preferences
from baton.workspaces import user_hash
from baton.workspaces.policy import parse_policy, save_policy
from tests.api.test_inbox_identity import secret_of
from tests.api.test_profiles import bearer
from tests.channels.test_email import use_smtp
from tests.conftest import Workspace
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver, messages_of, publish, run
from tests.segments.helpers import identify, track
from tests.servers import Mailbox

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
# Two marketing e-mails a day apart, the first in `promotions`, both with the footer link.
NEWS: dict[str, Any] = {
    "key": "news",
    "name": "News",
    "trigger": {"event": "Subscribed"},
    "start": "first",
    "nodes": {
        "first": {"type": "message", "channel": "email", "template": "news",
                  "subscription_group": "promotions", "next": "later"},
        "later": {"type": "delay", "duration": "1d", "next": "second"},
        "second": {"type": "message", "channel": "email", "template": "digest",
                   "subscription_group": "digest"},
    },
}  # fmt: skip


def text_of(mail: Message) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/plain")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def html_of(mail: Message) -> str:
    part = next(p for p in mail.walk() if p.get_content_type() == "text/html")
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode()


def page_url(mail: Message) -> str:
    (url,) = set(re.findall(r"https?://\S+/v1/preferences/[\w.-]+", text_of(mail)))
    return str(url)


def setup(
    client: httpx.Client, engine: Engine, clock: ManualClock, workspace: Workspace, port: int
) -> None:
    with write_transaction(engine) as connection:
        use_smtp(connection, workspace.id, port, str(client.base_url), clock.now(), tracking=False)
        news = {"key": "news", "channel": "email", "subject": "News", "html": "<p>Hello</p>",
                "locales": {"hu": {"subject": "Hírek", "html": "<p>Szia</p>"}}}  # fmt: skip
        # This one places the link itself: no footer is added.
        digest = {"key": "digest", "channel": "email", "subject": "Digest",
                  "html": '<p>Digest</p><a href="{{ preferences_url }}">Settings</a>'}  # fmt: skip
        for template in (news, digest):
            save_template(connection, workspace.id, parse_template(template), clock.now())
        policy: dict[str, Any] = {"subscription_groups": {"promotions": {}, "digest": {}}}
        save_policy(connection, workspace.id, parse_policy(policy))


def ann(engine: Engine, clock: ManualClock, workspace: Workspace, **traits: Any) -> str:
    deliver(engine, clock, workspace.id,
            identify("ann", clock.now(), email="ann@x.test", **traits))  # fmt: skip
    return str(profile(engine, workspace.id, "ann")["id"])


def token_url(engine: Engine, clock: ManualClock, workspace: Workspace, profile_id: str,
              lifetime: timedelta | None = None) -> str:  # fmt: skip
    with engine.connect() as connection:
        email = load_settings(connection, workspace.id)["email"]
    return preferences_url(email, workspace.id, profile_id, clock.now(), lifetime)


def test_every_marketing_email_links_to_the_page_and_choices_are_the_persons_own(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp
    setup(client, engine, clock, workspace, port)
    journey = publish(engine, clock, workspace.id, NEWS)
    ann_id = ann(engine, clock, workspace, locale="hu-HU")
    deliver(engine, clock, workspace.id, track("ann", "Subscribed", clock.now()))
    ((_, first),) = mailbox.received
    url = page_url(first)
    # The footer, in the language of the message (Ann's).
    assert "Szia" in text_of(first)
    assert "Beállítások kezelése" in text_of(first)
    assert url in html_of(first)
    assert "Beállítások kezelése" in html_of(first)

    page = client.get(url)
    assert page.status_code == 200, page.text
    assert '<html lang="hu">' in page.text
    assert "Beállításaid" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert re.search(r'name="group" value="promotions" checked', page.text)
    assert re.search(r'name="channel" value="email" checked', page.text)
    assert re.search(r'name="frequency" value="all" checked', page.text)

    # Promotions off, digest kept, e-mail kept, at most one a week.
    form = "offered=group:promotions&offered=group:digest&offered=channel:email" \
           "&group=digest&channel=email&frequency=weekly-1"  # fmt: skip
    saved = client.post(url, content=form, headers={**FORM, "User-Agent": "ann-browser"})
    assert saved.status_code == 200, saved.text
    assert "A beállításaidat elmentettük." in saved.text
    assert not re.search(r'value="promotions" checked', saved.text)
    assert re.search(r'name="frequency" value="weekly-1" checked', saved.text)
    consent = client.get(
        f"/api/v1/profiles/{ann_id}/consent", headers=bearer(workspace.admin_token)
    ).json()
    assert consent["groups"] == {
        "promotions": {"subscribed": False, "changed_at": consent["groups"]["promotions"]
                       ["changed_at"], "source": "preference_center"}
    }  # fmt: skip
    (change,) = consent["history"]
    assert change["evidence"] == {"user_agent": "ann-browser", "ip": "127.0.0.1"}
    with engine.connect() as connection:
        (entry,) = connection.execute(
            select(audit_log).where(
                audit_log.c.workspace_id == workspace.id,
                audit_log.c.action == "preferences.update",
            )
        ).mappings()
        stored = connection.execute(
            select(preferences.c.weekly_limit).where(preferences.c.profile_id == ann_id)
        ).scalar_one()
    assert (entry["actor_type"], entry["actor_id"], entry["object_id"]) == (
        "person", ann_id, ann_id
    )  # fmt: skip
    assert {c["path"] for c in entry["changes"]} == {"groups.promotions", "frequency"}
    assert stored == 1
    # The same form again changes nothing and records nothing.
    client.post(url, content=form, headers=FORM)
    again = client.get(f"/api/v1/profiles/{ann_id}/consent", headers=bearer(workspace.admin_token))
    assert len(again.json()["history"]) == 1

    # The next day's digest would be the second this week: Ann allows one.
    clock.advance(timedelta(days=1))
    run(engine, clock)
    second = messages_of(engine, journey)[1]
    assert (second["status"], second["reason"]) == ("skipped", "cap:preference")
    assert len(mailbox.received) == 1


def test_the_frequency_preference_is_honoured_by_dispatch_and_explained(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp
    setup(client, engine, clock, workspace, port)
    journey = publish(engine, clock, workspace.id, {**NEWS, "nodes": {
        **NEWS["nodes"], "second": {**NEWS["nodes"]["second"], "on_cap": "defer"}}})  # fmt: skip
    ann_id = ann(engine, clock, workspace)
    url = token_url(engine, clock, workspace, ann_id)
    form = "offered=group:promotions&group=promotions&frequency=pause"
    assert client.post(url, content=form, headers=FORM).status_code == 200
    with engine.connect() as connection:
        paused_until = connection.execute(
            select(preferences.c.paused_until).where(preferences.c.profile_id == ann_id)
        ).scalar_one()
    assert paused_until == clock.now() + timedelta(days=30)

    deliver(engine, clock, workspace.id, track("ann", "Subscribed", clock.now()))
    first = messages_of(engine, journey)[0]
    assert (first["status"], first["reason"]) == ("skipped", "cap:preference")
    clock.advance(timedelta(days=1))
    run(engine, clock)
    second = messages_of(engine, journey)[1]
    assert (second["status"], second["reason"]) == ("pending", "cap:preference")
    assert second["due_at"] == paused_until  # deferred to the end of the pause
    assert mailbox.received == []
    assert "own frequency preference" in reason_text("cap:preference")

    # Back to everything: the deferred digest goes at its time.
    assert client.post(url, content="frequency=all", headers=FORM).status_code == 200
    clock.advance(timedelta(days=30))
    run(engine, clock)
    assert messages_of(engine, journey)[1]["status"] == "delivered"
    ((_, digest),) = mailbox.received
    assert "Manage your preferences" not in html_of(digest)  # its template links already
    assert len(re.findall(r"/v1/preferences/", html_of(digest))) == 1


def test_export_and_erasure_only_after_the_emailed_confirmation(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
) -> None:
    mailbox, port = smtp
    setup(client, engine, clock, workspace, port)
    ann_id = ann(engine, clock, workspace, firstName="Ann", locale="ro")
    url = token_url(engine, clock, workspace, ann_id)

    # The page's link is in every e-mail, forwarded ones too: it only has a link mailed.
    asked = client.post(f"{url}/export")
    assert asked.status_code == 200
    assert "content-disposition" not in asked.headers
    assert TEXTS["ro"]["export_sent"] in asked.text
    ((recipients, mail),) = mailbox.received
    assert recipients == ["ann@x.test"]
    assert str(make_header(decode_header(mail["Subject"]))) == "Descarcă-ți datele"
    (export_url,) = re.findall(r"https?://\S+/v1/export/[\w.-]+\?lang=ro", text_of(mail))
    assert client.post(f"{url}/export").status_code == 200
    assert len(mailbox.received) == 1  # asking again at once sends nothing more
    page = client.get(export_url)  # a scanner's GET takes nothing
    assert page.status_code == 200
    assert '<form method="post"' in page.text
    assert "content-disposition" not in page.headers
    # A page link downloads nothing, and a download link opens no page.
    assert client.post(url.replace("/preferences/", "/export/")).status_code == 400
    assert client.get(export_url.replace("/export/", "/preferences/")).status_code == 400
    assert client.post(export_url.replace("/export/", "/erasure/")).status_code == 400

    exported = client.post(export_url)
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == 'attachment; filename="my-data.json"'
    document = exported.json()
    assert document["format"] == "baton.profile-export/1"
    assert document["profile"]["traits"]["firstName"] == "Ann"
    assert [e["type"] for e in document["events"]] == ["identify"]

    asked = client.post(f"{url}/erasure")
    assert asked.status_code == 200
    assert "Verifică-ți căsuța de e-mail" in asked.text
    (_, (recipients, mail)) = mailbox.received
    assert recipients == ["ann@x.test"]
    assert str(make_header(decode_header(mail["Subject"]))) == "Confirmă ștergerea datelor tale"
    assert "List-Unsubscribe" not in mail  # transactional
    (erase_url,) = re.findall(r"https?://\S+/v1/erasure/[\w.-]+\?lang=ro", text_of(mail))
    # Asking again at once sends nothing more.
    assert client.post(f"{url}/erasure").status_code == 200
    assert len(mailbox.received) == 2

    # Opening the link (or a scanner following it) erases nothing; a page link cannot erase.
    confirm = client.get(erase_url)
    assert confirm.status_code == 200
    assert '<form method="post"' in confirm.text
    assert client.post(url.replace("/preferences/", "/erasure/")).status_code == 400
    assert client.post(erase_url.replace("/erasure/", "/export/")).status_code == 400
    assert profile(engine, workspace.id, "ann")["id"] == ann_id

    done = client.post(erase_url, content="suppress=on", headers=FORM)
    assert done.status_code == 200
    assert "Datele tale au fost șterse." in done.text
    gone = client.get(f"/api/v1/profiles/{ann_id}", headers=bearer(workspace.admin_token))
    assert gone.status_code == 404
    with engine.connect() as connection:
        actions = connection.execute(
            select(audit_log.c.action, audit_log.c.actor_type)
            .where(audit_log.c.workspace_id == workspace.id)
            .order_by(audit_log.c.id)
        ).all()
        left = connection.execute(
            select(preferences).where(preferences.c.profile_id == ann_id)
        ).all()
    assert [tuple(a) for a in actions] == [
        ("profile.export_requested", "person"),
        ("profile.export", "person"),
        ("profile.erasure_requested", "person"),
        ("profile.erase", "person"),
    ]
    assert left == []
    again = client.post(erase_url, content="suppress=on", headers=FORM)
    assert again.status_code == 404
    assert "Nu mai deținem date despre tine." in again.text
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("kind", ["export", "erasure"])
def test_simultaneous_requests_send_one_mail_and_a_failed_one_can_be_asked_again(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
    kind: str,
) -> None:
    mailbox, port = smtp
    setup(client, engine, clock, workspace, port)
    url = token_url(engine, clock, workspace, ann(engine, clock, workspace))
    mailbox.refusals.append("451 try again later")
    failed = client.post(f"{url}/{kind}")
    assert failed.status_code == 200
    assert TEXTS["en"]["mail_failed"] in failed.text
    assert mailbox.received == []

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: client.post(f"{url}/{kind}"), range(8)))
    assert [answer.status_code for answer in answers] == [200] * 8
    assert len(mailbox.received) == 1
    clock.advance(timedelta(minutes=10))
    assert client.post(f"{url}/{kind}").status_code == 200
    assert len(mailbox.received) == 2


def test_the_site_opens_the_page_only_with_identity_verification(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
) -> None:
    _, port = smtp
    ann_id = ann(engine, clock, workspace)
    secret = secret_of(client, workspace)
    good = {"writeKey": workspace.write_key, "userId": "ann",
            "userHash": user_hash(secret, "ann")}  # fmt: skip
    no_email = client.get("/v1/preferences", params=good, follow_redirects=False)
    assert no_email.status_code == 409
    setup(client, engine, clock, workspace, port)
    for forged in (
        {"writeKey": workspace.write_key, "userId": "ann"},
        {**good, "userHash": user_hash("not-the-secret", "ann")},
        {**good, "userId": "bob"},
        {**good, "userHash": "0" * 400},
        {**good, "writeKey": "wrong"},
    ):
        refused = client.get("/v1/preferences", params=forged, follow_redirects=False)
        assert refused.status_code in (400, 401), forged
        assert "/v1/preferences/" not in refused.headers.get("location", "")
    opened = client.get("/v1/preferences", params={**good, "lang": "tr"}, follow_redirects=False)
    assert opened.status_code == 303
    location = opened.headers["location"]
    assert "/v1/preferences/" in location
    assert location.endswith("?lang=tr")
    page = client.get(location)
    assert page.status_code == 200
    assert '<html lang="tr">' in page.text
    # The site's link lasts an hour, not the e-mail's sixty days.
    clock.advance(timedelta(hours=1, seconds=1))
    expired = client.get(location)
    assert expired.status_code == 410
    assert "Bu bağlantının süresi doldu." in expired.text
    unknown = {**good, "userId": "nobody", "userHash": user_hash(secret, "nobody")}
    assert client.get("/v1/preferences", params=unknown).status_code == 404
    assert ann_id


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_each_language_renders(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
    language: str,
) -> None:
    assert TEXTS[language].keys() == TEXTS["en"].keys()
    setup(client, engine, clock, workspace, smtp[1])
    url = token_url(engine, clock, workspace, ann(engine, clock, workspace))
    page = client.get(url, params={"lang": language})
    assert page.status_code == 200
    assert f'<html lang="{language}">' in page.text
    for key in ("title", "groups", "frequency", "frequency_weekly-3", "save", "export_button"):
        assert TEXTS[language][key] in page.text, key
    # Then the profile's locale trait, then the browser's languages, then English.
    ann(engine, clock, workspace, locale=language)
    assert f'<html lang="{language}">' in client.get(url).text
    ann(engine, clock, workspace, locale="xx")
    accepted = f"de-DE,{language};q=0.8,en;q=0.5"
    browser = client.get(url, headers={"Accept-Language": accepted})
    assert f'<html lang="{language}">' in browser.text


def test_the_language_is_picked_in_order() -> None:
    assert pick_language("PL", "hu", "tr") == "pl"
    assert pick_language("de", "hu_HU", "tr") == "hu"
    assert pick_language(None, None, "de, ro-RO;q=0.4, tr;q=0.9") == "tr"
    assert pick_language(None, 42, "tr;q=nope, ro;q=0") == "en"
    assert pick_language(None, None, "," * 10_000) == "en"


def test_hostile_requests_get_a_page_never_a_server_error(
    client: httpx.Client,
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    smtp: tuple[Mailbox, int],
) -> None:
    setup(client, engine, clock, workspace, smtp[1])
    ann_id = ann(engine, clock, workspace)
    url = token_url(engine, clock, workspace, ann_id)
    token = url.rpartition("/")[2]
    body, _, mac = token.partition(".")
    for bad in ("x", "....", body, f"{body}.{mac[:-2]}AA", f"{body}x.{mac}", "é" * 300):
        answer = client.get(f"/v1/preferences/{bad}")
        assert answer.status_code == 400, bad
        assert "This link is not valid." in answer.text
        assert client.post(f"/v1/preferences/{bad}", content="frequency=all",
                           headers=FORM).status_code == 400  # fmt: skip
    # A link of another kind (an erasure link) opens no page, and the reverse.
    assert client.post(url.replace("/preferences/", "/erasure/")).status_code == 400
    forms = [
        "frequency=sometimes",
        "frequency=all&frequency=none",
        "offered=group:not-offered&frequency=all",
        "group=promotions&frequency=all",  # checked but never shown
        "offered=planet:mars&frequency=all",
        "&".join(["offered=group:promotions"] * 400) + "&frequency=all",
        "offered=group:" + "p" * 500 + "&frequency=all",
        "frequency=all%00",
    ]
    for form in forms:
        answer = client.post(url, content=form, headers=FORM)
        assert answer.status_code == 400, form
    assert client.post(url, content=b"frequency=\xff", headers=FORM).status_code == 400
    assert client.post(url, json={"frequency": "none"}).status_code == 400
    assert client.get(url, params={"lang": "x" * 50}).status_code == 400
    # Nothing above changed anything.
    with engine.connect() as connection:
        mine = select(preferences).where(preferences.c.profile_id == ann_id)
        assert connection.execute(mine).all() == []
    # The open pixel takes a preference link without recording anything.
    pixel = client.get(f"/v1/e/o/{token}")
    assert pixel.status_code == 200
    assert pixel.headers["content-type"] == "image/gif"
