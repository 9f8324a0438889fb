"""People of a workspace over real HTTP, on both databases: invitations and password
resets by e-mail through a real SMTP server (the installation's mail only, never a
workspace's own), roles and the rules on who may give them, the last owner, removing
people and ending their sessions, and the audit trail of it."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import Engine, delete, select

from baton.channels.settings import update_settings
from baton.core.clock import ManualClock
from baton.core.config import Settings
from baton.core.errors import ConfigurationError
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.storage.tables import audit_log, channel_settings
from baton.teams import Role, create_user, grant, user_by_email
from baton.workspaces import KeyKind, create_key, create_workspace, ensure_default_workspace
from tests.api.test_login import PASSWORD, make_user, sign_in
from tests.api.test_profiles import bearer
from tests.conftest import Workspace, serve_in_thread
from tests.servers import Mailbox, smtp_server

NEW_PASSWORD = "violet river lantern orbit"


def mail_channel(port: int) -> dict[str, object]:
    """E-mail settings sending through the test's SMTP server."""
    return {
        "url": f"smtp://127.0.0.1:{port}",
        "sender": "Baton <baton@example.com>",
        "security": "none",
        "links_url": "https://baton.example",
        "allow": ["127.0.0.1"],
    }


@contextmanager
def default_workspace_mail(engine: Engine, clock: ManualClock, port: int) -> Iterator[None]:
    """Staff mail goes to `port`, through the default workspace's e-mail channel (the
    installation's own), until the block ends."""
    with write_transaction(engine) as connection:
        default = ensure_default_workspace(connection, clock).workspace_id
        update_settings(connection, default, "email", mail_channel(port), clock.now())
    try:
        yield
    finally:
        with write_transaction(engine) as connection:
            connection.execute(
                delete(channel_settings).where(
                    channel_settings.c.workspace_id == default,
                    channel_settings.c.channel == "email",
                )
            )


@pytest.fixture
def mailbox(engine: Engine, clock: ManualClock, smtp: tuple[Mailbox, int]) -> Iterator[Mailbox]:
    """Staff mail goes to a real SMTP server: what it received."""
    found, port = smtp
    with default_workspace_mail(engine, clock, port):
        yield found


@contextmanager
def signed_in(server_url: str, email: str, password: str = PASSWORD) -> Iterator[httpx.Client]:
    """A browser signed in as `email`, sending the CSRF token with every request."""
    with httpx.Client(base_url=server_url, timeout=10) as browser:
        browser.headers["X-CSRF-Token"] = sign_in(browser, email, password)
        yield browser


def link_to(mailbox: Mailbox, to: str, count: int = 1) -> str:
    """The link in the `count`th e-mail `to` received (waiting for it: some leave after
    the answer, and a busy machine, training models in the other test process, can take
    seconds to send them)."""
    deadline = time.monotonic() + 30
    while True:
        mails = [message for recipients, message in mailbox.received if recipients == [to]]
        if len(mails) >= count or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    assert len(mails) >= count, f"{len(mails)} e-mails to {to}"
    payload = mails[count - 1].get_payload(decode=True)
    assert isinstance(payload, bytes)
    found = re.search(r"https?://\S+", payload.decode())
    assert found is not None
    return found.group()


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def actions(engine: Engine, workspace_id: str | None, object_id: str) -> list[str]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(audit_log.c.action)
            .where(audit_log.c.workspace_id.is_(None) if workspace_id is None
                   else audit_log.c.workspace_id == workspace_id,
                   audit_log.c.object_id == object_id)
            .order_by(audit_log.c.id)
        )  # fmt: skip
        return list(rows.scalars())


@pytest.fixture
def owner(engine: Engine, clock: ManualClock, workspace: Workspace) -> str:
    email = f"owner-{workspace.id}@example.com"
    make_user(engine, clock, workspace.id, Role.OWNER, email)
    return email


def test_an_invitation_by_email_makes_a_user_who_then_signs_in(
    server: tuple[str, Runtime], mailbox: Mailbox, owner: str, workspace: Workspace,
    engine: Engine,
) -> None:  # fmt: skip
    url, runtime = server
    invited = f"new-{workspace.id}@example.com"
    with signed_in(url, owner) as browser:
        made = browser.post("/api/v1/invitations", json={"email": invited, "role": "marketer"})
        assert made.status_code == 201, made.text
        assert made.json()["mail"] == {"sent": True, "reason": None}
        assert "link" not in made.json()
        pending = browser.get("/api/v1/invitations").json()["items"]
        assert [(i["email"], i["role"]) for i in pending] == [(invited, "marketer")]
    link = link_to(mailbox, invited)
    assert link.startswith(f"{runtime.settings.public_base()}/invite?token=")
    with httpx.Client(base_url=url) as newcomer:
        accepted = newcomer.post(
            "/api/v1/auth/invitation",
            json={"token": token_of(link), "name": "Nina New", "password": PASSWORD},
        )
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["workspace"]["role"] == "marketer"
        assert accepted.json()["user"]["name"] == "Nina New"
        assert newcomer.get("/api/v1/auth/me").json()["user"]["email"] == invited
    with signed_in(url, invited) as browser:
        assert browser.get("/api/v1/journeys").status_code == 200
    with signed_in(url, owner) as browser:
        people = {p["email"]: p["role"] for p in browser.get("/api/v1/users").json()["items"]}
        assert people == {owner: "owner", invited: "marketer"}
        assert browser.get("/api/v1/invitations").json()["items"] == []
    invitation = made.json()["id"]
    assert actions(engine, workspace.id, invitation) == ["user.invite"]
    newcomer_id = next(p["id"] for p in browser_people(url, owner) if p["email"] == invited)
    assert actions(engine, workspace.id, newcomer_id) == ["user.invite_accepted"]


def browser_people(url: str, email: str) -> list[dict[str, str]]:
    with signed_in(url, email) as browser:
        people: list[dict[str, str]] = browser.get("/api/v1/users").json()["items"]
        return people


def test_an_invitation_link_works_once_and_for_seven_days(
    server_url: str, mailbox: Mailbox, owner: str, workspace: Workspace, clock: ManualClock
) -> None:
    first, second = (f"{n}-{workspace.id}@example.com" for n in ("first", "second"))
    with signed_in(server_url, owner) as browser:
        for email in (first, second):
            made = browser.post("/api/v1/invitations", json={"email": email, "role": "viewer"})
            assert made.status_code == 201
    accept = {"password": PASSWORD}
    with httpx.Client(base_url=server_url) as anyone:
        token = token_of(link_to(mailbox, first))
        done = anyone.post("/api/v1/auth/invitation", json={**accept, "token": token})
        assert done.status_code == 200
        again = anyone.post("/api/v1/auth/invitation", json={**accept, "token": token})
        assert again.status_code == 401
        assert again.json()["error"]["field"] == "token"
        late = token_of(link_to(mailbox, second))
        clock.advance(timedelta(days=7, seconds=1))
        expired = anyone.post("/api/v1/auth/invitation", json={**accept, "token": late})
        assert expired.status_code == 401
        assert expired.json() == again.json()  # nothing tells used from expired


def test_an_address_with_an_account_joins_with_its_own_password(
    server_url: str, mailbox: Mailbox, owner: str, workspace: Workspace, engine: Engine,
    clock: ManualClock,
) -> None:  # fmt: skip
    elsewhere = f"agency-{workspace.id}@example.com"
    with httpx.Client(base_url=server_url) as admin:
        admin.headers.update(bearer(workspace.admin_token))
        other = admin.post("/api/v1/invitations", json={"email": elsewhere, "role": "analyst"})
        assert other.status_code == 201
    # The invited person already works in another workspace.
    with write_transaction(engine) as connection:
        theirs = create_workspace(connection, "agency", clock)
    make_user(engine, clock, theirs, Role.OWNER, elsewhere)
    token = token_of(link_to(mailbox, elsewhere))
    with httpx.Client(base_url=server_url) as browser:
        wrong = browser.post(
            "/api/v1/auth/invitation", json={"token": token, "password": NEW_PASSWORD}
        )
        assert wrong.status_code == 401
        assert wrong.json()["error"]["field"] == "password"
        joined = browser.post(
            "/api/v1/auth/invitation", json={"token": token, "password": PASSWORD}
        )
        assert joined.status_code == 200, joined.text  # the wrong try did not spend the link
        roles = {w["id"]: w["role"] for w in joined.json()["workspaces"]}
        assert roles == {theirs: "owner", workspace.id: "analyst"}


@pytest.fixture
def installation_owner(engine: Engine, clock: ManualClock, workspace: Workspace) -> str:
    email = f"operator-{workspace.id}@example.com"
    with write_transaction(engine) as connection:
        user = create_user(connection, email, "", clock.now(), password=PASSWORD,
                           installation_owner=True)  # fmt: skip
        grant(connection, workspace.id, user.id, Role.OWNER, clock.now())
    return email


def test_an_unsent_invitation_link_is_shown_to_the_installation_owner_only(
    server: tuple[str, Runtime], workspace: Workspace, installation_owner: str,
    engine: Engine, clock: ManualClock,
) -> None:  # fmt: skip
    """Anyone else could accept the link for an address that is not theirs."""
    url, runtime = server
    invited = f"nomail-{workspace.id}@example.com"
    body = {"email": invited, "role": "developer"}
    with httpx.Client(base_url=url, headers=bearer(workspace.admin_token)) as admin:
        refused = admin.post("/api/v1/invitations", json=body)
        assert refused.status_code == 409, refused.text
        assert "BATON_SMTP_URL" in refused.json()["error"]["message"]
        assert "baton users invite" in refused.json()["error"]["message"]
        assert admin.get("/api/v1/invitations").json()["items"] == []
        with default_workspace_mail(engine, clock, 1):  # a mail server that is not there
            unsent = admin.post("/api/v1/invitations", json=body)
        assert unsent.status_code == 201, unsent.text
        assert unsent.json()["mail"]["sent"] is False
        assert "link" not in unsent.json()
    with signed_in(url, installation_owner) as operator:
        made = operator.post("/api/v1/invitations", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["mail"]["sent"] is False
    assert "BATON_SMTP_URL" in made.json()["mail"]["reason"]
    link = made.json()["link"]
    assert link.startswith(f"{runtime.settings.public_base()}/invite?token=")
    with httpx.Client(base_url=url) as newcomer:
        accepted = newcomer.post(
            "/api/v1/auth/invitation", json={"token": token_of(link), "password": PASSWORD}
        )
        assert accepted.status_code == 200
        assert accepted.json()["workspace"]["role"] == "developer"


def test_staff_mail_never_goes_through_a_workspace_s_own_mail_server(
    server_url: str, smtp: tuple[Mailbox, int], owner: str, workspace: Workspace,
    engine: Engine, clock: ManualClock, caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    """A developer of a client workspace points its e-mail channel at their own server:
    the reset link of the owner of another workspace, who is also in theirs, must not
    reach it, nor an invitation to theirs."""
    installation, port = smtp
    with write_transaction(engine) as connection:
        client_workspace = create_workspace(connection, "client", clock)
        developer = create_key(
            connection, client_workspace, KeyKind.ADMIN, clock.now(), role=Role.DEVELOPER
        )
        admin = create_key(connection, client_workspace, KeyKind.ADMIN, clock.now(),
                           role=Role.ADMIN)  # fmt: skip
        found = user_by_email(connection, owner)
        assert found is not None
        grant(connection, client_workspace, found.id, Role.VIEWER, clock.now())
    reset = {"email": owner}
    with smtp_server() as (theirs, their_port), httpx.Client(base_url=server_url) as anyone:
        pointed = anyone.put("/api/v1/channels/email", json=mail_channel(their_port),
                             headers=bearer(developer))  # fmt: skip
        assert pointed.status_code == 200, pointed.text
        with caplog.at_level(logging.WARNING, logger="baton.channels.staff_mail"):
            assert anyone.post("/api/v1/auth/password-reset", json=reset).status_code == 202
            unsent = "a password reset link was not sent: no mail server is set up"
            deadline = time.monotonic() + 5
            while unsent not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.02)
        assert unsent in caplog.text
        assert owner not in caplog.text
        with default_workspace_mail(engine, clock, port):
            assert anyone.post("/api/v1/auth/password-reset", json=reset).status_code == 202
            link_to(installation, owner)
            invited = f"invited-{workspace.id}@example.com"
            made = anyone.post("/api/v1/invitations", json={"email": invited, "role": "viewer"},
                               headers=bearer(admin))  # fmt: skip
            assert made.json()["mail"] == {"sent": True, "reason": None}
            link_to(installation, invited)
    assert theirs.offered == []


def test_the_installation_mail_server_sends_staff_mail(
    server: tuple[str, Runtime], smtp: tuple[Mailbox, int], workspace: Workspace
) -> None:
    """BATON_SMTP_URL sends for every workspace, with or without an e-mail channel."""
    mailbox, port = smtp
    runtime = server[1]
    settings = replace(runtime.settings, smtp_url=f"smtp://127.0.0.1:{port}",
                       smtp_security="none", mail_from="Baton <staff@example.com>")  # fmt: skip
    own = Runtime.create(settings, clock=runtime.clock, run_processor=False)
    invited = f"installation-{workspace.id}@example.com"
    with serve_in_thread(own) as url, httpx.Client(base_url=url) as admin:
        admin.headers.update(bearer(workspace.admin_token))
        made = admin.post("/api/v1/invitations", json={"email": invited, "role": "viewer"})
    assert made.json()["mail"]["sent"] is True
    ((recipients, message),) = mailbox.received
    assert recipients == [invited]
    assert message["From"] == "Baton <staff@example.com>"
    assert message["Subject"] == "You are invited to test on Baton"
    assert link_to(mailbox, invited).startswith("http://127.0.0.1:8000/invite?token=")


def test_mail_settings_go_together() -> None:
    with pytest.raises(ConfigurationError, match="BATON_MAIL_FROM"):
        Settings.from_env({"BATON_SMTP_URL": "smtp://relay.example.com"})
    with pytest.raises(ConfigurationError, match="BATON_SMTP_URL must look like"):
        Settings.from_env({"BATON_SMTP_URL": "http://u:secret@relay", "BATON_MAIL_FROM": "a@b.c"})
    with pytest.raises(ConfigurationError) as refused:
        Settings.from_env({"BATON_SMTP_URL": "smtps://u:secret@relay"})
    assert "secret" not in str(refused.value)


def test_invitations_are_listed_and_withdrawn(
    server_url: str, mailbox: Mailbox, workspace: Workspace, engine: Engine
) -> None:
    invited = f"withdrawn-{workspace.id}@example.com"
    with httpx.Client(base_url=server_url, headers=bearer(workspace.admin_token)) as admin:
        made = admin.post("/api/v1/invitations", json={"email": invited, "role": "viewer"}).json()
        again = admin.post("/api/v1/invitations", json={"email": invited, "role": "analyst"})
        # The second invitation replaces the first.
        pending = admin.get("/api/v1/invitations").json()["items"]
        assert [(i["id"], i["role"]) for i in pending] == [(again.json()["id"], "analyst")]
        assert admin.delete(f"/api/v1/invitations/{made['id']}").status_code == 404
        assert admin.delete(f"/api/v1/invitations/{again.json()['id']}").status_code == 204
        assert admin.get("/api/v1/invitations").json()["items"] == []
    for count in (1, 2):
        refused = httpx.post(
            f"{server_url}/api/v1/auth/invitation",
            json={"token": token_of(link_to(mailbox, invited, count)), "password": PASSWORD},
        )
        assert refused.status_code == 401
    assert actions(engine, workspace.id, again.json()["id"]) == [
        "user.invite", "user.invite_withdrawn"
    ]  # fmt: skip


def test_inviting_a_member_conflicts(server_url: str, workspace: Workspace, owner: str) -> None:
    with httpx.Client(base_url=server_url, headers=bearer(workspace.admin_token)) as admin:
        answer = admin.post("/api/v1/invitations", json={"email": owner, "role": "viewer"})
    assert answer.status_code == 409
    assert answer.json()["error"]["field"] == "email"


@pytest.fixture
def admin(engine: Engine, clock: ManualClock, workspace: Workspace) -> str:
    email = f"admin-{workspace.id}@example.com"
    make_user(engine, clock, workspace.id, Role.ADMIN, email)
    return email


def _member_id(url: str, email: str, of: str) -> str:
    return next(p["id"] for p in browser_people(url, email) if p["email"] == of)


def test_only_an_owner_makes_or_unmakes_an_owner(
    server_url: str, mailbox: Mailbox, owner: str, admin: str, workspace: Workspace
) -> None:
    owner_id = _member_id(server_url, admin, owner)
    admin_id = _member_id(server_url, admin, admin)
    with signed_in(server_url, admin) as browser:
        for change in (
            browser.post(
                "/api/v1/invitations", json={"email": "boss@example.com", "role": "owner"}
            ),
            browser.put(f"/api/v1/users/{admin_id}/role", json={"role": "owner"}),
            browser.put(f"/api/v1/users/{owner_id}/role", json={"role": "viewer"}),
            browser.delete(f"/api/v1/users/{owner_id}"),
            browser.delete(f"/api/v1/users/{owner_id}/sessions"),
        ):
            assert change.status_code == 403, change.text
            assert change.json()["error"]["message"].startswith("the admin role may not")
        assert browser.post(
            "/api/v1/invitations", json={"email": f"x-{workspace.id}@example.com", "role": "admin"}
        ).status_code == 201  # fmt: skip
    with signed_in(server_url, owner) as browser:
        made = browser.put(f"/api/v1/users/{admin_id}/role", json={"role": "owner"})
        assert made.status_code == 200
        assert made.json()["role"] == "owner"


def test_the_last_owner_stays(
    server_url: str, owner: str, admin: str, workspace: Workspace, engine: Engine
) -> None:
    owner_id = _member_id(server_url, owner, owner)
    admin_id = _member_id(server_url, owner, admin)
    with signed_in(server_url, owner) as browser:
        demoted = browser.put(f"/api/v1/users/{owner_id}/role", json={"role": "admin"})
        assert demoted.status_code == 409
        assert "last owner" in demoted.json()["error"]["message"]
        assert browser.delete(f"/api/v1/users/{owner_id}").status_code == 409
        promoted = browser.put(f"/api/v1/users/{admin_id}/role", json={"role": "owner"})
        assert promoted.status_code == 200
        stepped_down = browser.put(f"/api/v1/users/{owner_id}/role", json={"role": "admin"})
        assert stepped_down.status_code == 200
    assert actions(engine, workspace.id, owner_id) == ["member.role"]
    with engine.connect() as connection:
        changes = connection.execute(
            select(audit_log.c.changes).where(audit_log.c.object_id == owner_id)
        ).scalar_one()
    assert changes == [{"path": "role", "before": "owner", "after": "admin"}]


def test_removing_a_member_ends_their_sessions(
    server_url: str, owner: str, admin: str, workspace: Workspace, engine: Engine
) -> None:
    admin_id = _member_id(server_url, owner, admin)
    with signed_in(server_url, admin) as removed, signed_in(server_url, owner) as browser:
        assert removed.get("/api/v1/users").status_code == 200
        answer = browser.delete(f"/api/v1/users/{admin_id}")
        assert answer.json() == {"sessions_ended": 1, "keys_revoked": 0}
        assert removed.get("/api/v1/users").status_code == 401
        assert browser.delete(f"/api/v1/users/{admin_id}").status_code == 404
        emails = [p["email"] for p in browser.get("/api/v1/users").json()["items"]]
        assert emails == [owner]
    assert actions(engine, workspace.id, admin_id) == ["member.remove"]


def test_every_session_of_a_member_is_ended_by_an_admin_or_by_themselves(
    server_url: str, owner: str, admin: str, workspace: Workspace, engine: Engine
) -> None:
    owner_id = _member_id(server_url, admin, owner)
    with signed_in(server_url, owner) as laptop, signed_in(server_url, owner) as phone:
        ended = laptop.delete(f"/api/v1/users/{owner_id}/sessions")
        assert ended.json() == {"ended": 2}
        assert phone.get("/api/v1/auth/me").status_code == 401
        assert laptop.get("/api/v1/auth/me").status_code == 401
    with signed_in(server_url, owner) as laptop, signed_in(server_url, owner) as phone:
        assert laptop.delete("/api/v1/auth/sessions").status_code == 204
        assert laptop.cookies.get("baton_session") is None
        assert phone.get("/api/v1/auth/me").status_code == 401
    assert actions(engine, workspace.id, owner_id) == ["sessions.revoke", "sessions.revoke"]
    with httpx.Client(base_url=server_url, headers=bearer(workspace.admin_token)) as key:
        assert key.delete("/api/v1/auth/sessions").status_code == 400


def test_another_workspace_s_people_are_out_of_reach(
    server_url: str, owner: str, workspace: Workspace, engine: Engine, clock: ManualClock
) -> None:
    owner_id = _member_id(server_url, owner, owner)
    with write_transaction(engine) as connection:
        other = create_workspace(connection, "stranger", clock)
        key = create_key(connection, other, KeyKind.ADMIN, clock.now(), role=Role.OWNER)
    with httpx.Client(base_url=server_url, headers=bearer(key)) as stranger:
        assert stranger.get("/api/v1/users").json()["items"] == []
        for answer in (
            stranger.put(f"/api/v1/users/{owner_id}/role", json={"role": "viewer"}),
            stranger.delete(f"/api/v1/users/{owner_id}"),
            stranger.delete(f"/api/v1/users/{owner_id}/sessions"),
        ):
            assert answer.status_code == 404
    assert browser_people(server_url, owner)[0]["role"] == "owner"


def test_a_password_reset_by_email_ends_every_session(
    server: tuple[str, Runtime], mailbox: Mailbox, owner: str, workspace: Workspace,
    engine: Engine,
) -> None:  # fmt: skip
    url, runtime = server
    with signed_in(url, owner) as old, httpx.Client(base_url=url) as anyone:
        asked = anyone.post("/api/v1/auth/password-reset", json={"email": owner.upper()})
        assert asked.status_code == 202
        link = link_to(mailbox, owner)
        assert link.startswith(f"{runtime.settings.public_base()}/reset-password?token=")
        token = token_of(link)
        weak = anyone.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "password": "password1"}
        )
        assert weak.status_code == 400
        assert weak.json()["error"]["field"] == "password"
        done = anyone.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
        assert done.status_code == 204, done.text  # the weak try did not spend the link
        assert old.get("/api/v1/auth/me").status_code == 401
        again = anyone.post(
            "/api/v1/auth/password-reset/confirm", json={"token": token, "password": NEW_PASSWORD}
        )
        assert again.status_code == 401
        login = {"email": owner, "password": PASSWORD}
        assert anyone.post("/api/v1/auth/login", json=login).status_code == 401
    with signed_in(url, owner, NEW_PASSWORD) as browser:
        owner_id = browser.get("/api/v1/auth/me").json()["user"]["id"]
    assert actions(engine, None, owner_id)[:2] == ["password.reset_requested", "password.reset"]


def test_a_reset_answer_tells_nothing_of_the_account_and_links_are_limited(
    server_url: str, mailbox: Mailbox, owner: str, clock: ManualClock
) -> None:
    with httpx.Client(base_url=server_url) as anyone:
        known = anyone.post("/api/v1/auth/password-reset", json={"email": owner})
        unknown = anyone.post("/api/v1/auth/password-reset", json={"email": f"x{owner}"})
        assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
        assert known.headers.get("set-cookie") is None
        for _ in range(3):
            extra = anyone.post("/api/v1/auth/password-reset", json={"email": owner})
            assert (extra.status_code, extra.json()) == (known.status_code, known.json())
        link_to(mailbox, owner, 3)  # three an hour, no more
        time.sleep(0.2)
        assert len(mailbox.received) == 3
        first = token_of(link_to(mailbox, owner, 1))
        third = token_of(link_to(mailbox, owner, 3))
        # A new link replaces the older ones.
        replaced = anyone.post(
            "/api/v1/auth/password-reset/confirm", json={"token": first, "password": NEW_PASSWORD}
        )
        assert replaced.status_code == 401
        clock.advance(timedelta(hours=1, seconds=1))
        expired = anyone.post(
            "/api/v1/auth/password-reset/confirm", json={"token": third, "password": NEW_PASSWORD}
        )
        assert expired.status_code == 401
        assert anyone.post("/api/v1/auth/password-reset", json={"email": owner}).status_code == 202
        fresh = token_of(link_to(mailbox, owner, 4))
        done = anyone.post(
            "/api/v1/auth/password-reset/confirm", json={"token": fresh, "password": NEW_PASSWORD}
        )
        assert done.status_code == 204


def test_a_reset_request_is_answered_before_the_account_is_looked_up(
    server_url: str, mailbox: Mailbox, owner: str, engine: Engine
) -> None:
    """The work that depends on the account comes after the answer: with the database
    held by someone else, the answer still comes at once (its timing tells nothing)."""
    with write_transaction(engine) as connection, httpx.Client(base_url=server_url) as anyone:
        if engine.dialect.name == "postgresql":
            connection.exec_driver_sql("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        # On SQLite, the held write transaction keeps every other writer waiting.
        asked = anyone.post("/api/v1/auth/password-reset", json={"email": owner}, timeout=3)
        assert asked.status_code == 202
        assert mailbox.offered == []
    link_to(mailbox, owner)  # once the database is free


def test_a_new_password_spends_earlier_reset_links(
    server_url: str, mailbox: Mailbox, owner: str
) -> None:
    with httpx.Client(base_url=server_url) as anyone:
        assert anyone.post("/api/v1/auth/password-reset", json={"email": owner}).status_code == 202
        token = token_of(link_to(mailbox, owner))
    with signed_in(server_url, owner) as browser:
        changed = browser.post(
            "/api/v1/auth/password",
            json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        )
        assert changed.status_code == 200, changed.text
    late = httpx.post(f"{server_url}/api/v1/auth/password-reset/confirm",
                      json={"token": token, "password": "amber canyon whistle drift"})  # fmt: skip
    assert late.status_code == 401
    with signed_in(server_url, owner, NEW_PASSWORD) as browser:
        assert browser.get("/api/v1/auth/me").status_code == 200
