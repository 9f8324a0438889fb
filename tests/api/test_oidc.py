"""Single sign-on through OpenID Connect against a real provider started by the test
(tests/oidc_provider.py), over real HTTP, on both databases: the browser's redirects are
followed by hand, as a browser would follow them."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc.jwk import RSAKey
from sqlalchemy import Engine, select

from baton.api import create_app
from baton.api.oidc import CALLBACK, FLOW_COOKIE, Flow
from baton.core.clock import ManualClock
from baton.core.config import Settings
from baton.core.errors import ConfigurationError
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.storage.tables import audit_log, user_tokens, users
from baton.teams import Role, create_user, grant, user_by_email
from baton.teams.links import Purpose, create_link
from baton.workspaces import create_workspace
from tests.conftest import serve_in_thread
from tests.oidc_provider import OidcProvider, Person

PASSWORD = "correct horse battery staple"
LOGIN = "/api/v1/auth/oidc/login"
# Domains the installation's rules let in, and one they do not.
MARKETERS, ANALYSTS, STRANGERS = "shop.example", "agency.example", "elsewhere.example"


@dataclass
class SignOn:
    url: str
    engine: Engine
    provider: OidcProvider
    workspace_id: str  # where the domain rules put people
    settings: Settings


@contextmanager
def serving(settings: Settings, clock: ManualClock, provider: OidcProvider) -> Iterator[Runtime]:
    """Baton with these settings, listening at its settings' `public_url`."""
    runtime = Runtime.create(settings, clock=clock, run_processor=False)
    try:
        with serve_in_thread(runtime) as url:
            # Where browsers reach Baton is known once it listens.
            runtime.settings = replace(runtime.settings, public_url=url)
            provider.allow_redirects_to(url + CALLBACK)
            yield runtime
    finally:
        runtime.engine.dispose()


@pytest.fixture(scope="module")
def sign_on(database_url: str, clock: ManualClock) -> Iterator[SignOn]:
    """Baton with single sign-on through a provider of its own, and a workspace the
    domain rules give roles in."""
    key = f"sso-{secrets.token_hex(4)}"
    with OidcProvider(lambda: int(clock.now().timestamp())) as provider:
        settings = Settings(
            database_url=database_url,
            analytics_path="off",
            auth_failures_per_minute=10**6,
            oidc_issuer=provider.issuer,
            oidc_client_id=provider.client_id,
            oidc_client_secret=provider.client_secret,
            oidc_roles=f"{MARKETERS}=marketer@{key}, {ANALYSTS}=analyst@{key}",
            oidc_name="Example ID",
        )
        with serving(settings, clock, provider) as runtime:
            with write_transaction(runtime.engine) as connection:
                workspace_id = create_workspace(connection, "Single sign-on", clock, key=key)
            url = runtime.settings.public_url
            yield SignOn(url, runtime.engine, provider, workspace_id, settings)


@pytest.fixture
def baton(sign_on: SignOn) -> Iterator[httpx.Client]:
    """A browser on Baton; the provider forces no claims into its tokens again."""
    with httpx.Client(base_url=sign_on.url, timeout=10) as client:
        yield client
    sign_on.provider.forced_claims = {}
    sign_on.provider.email_in_id_token = True


def person(sign_on: SignOn, domain: str, **details: Any) -> Person:
    """Someone new the provider knows, at `domain`."""
    who = secrets.token_hex(4)
    found = Person(sub=f"sub-{who}", email=f"pat.{who}@{domain}", **details)
    sign_on.provider.people[found.email] = found
    return found


def go_to_provider(baton: httpx.Client, next_page: str | None = None) -> str:
    """Click "sign in with single sign-on": where Baton sends the browser."""
    started = baton.get(LOGIN, params={} if next_page is None else {"next": next_page})
    assert started.status_code == 302, started.text
    return started.headers["location"]


def come_back(authorize_url: str, email: str) -> str:
    """At the provider, sign in as `email`: where the provider sends the browser back."""
    with httpx.Client(timeout=10) as browser:
        answer = browser.get(f"{authorize_url}&{urlencode({'login_hint': email})}")
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def sign_in(baton: httpx.Client, email: str, next_page: str | None = None) -> httpx.Response:
    """The whole round trip; Baton's answer at the end of it."""
    return baton.get(come_back(go_to_provider(baton, next_page), email))


def account(baton: httpx.Client) -> dict[str, Any]:
    me = baton.get("/api/v1/auth/me")
    assert me.status_code == 200, me.text
    found: dict[str, Any] = me.json()
    return found


def bound_to(engine: Engine, email: str) -> tuple[str | None, str | None]:
    """The provider account (issuer, subject) the account at `email` is bound to."""
    with engine.connect() as connection:
        found = connection.execute(
            select(users.c.oidc_issuer, users.c.oidc_subject).where(users.c.email == email)
        ).one()
    return found.oidc_issuer, found.oidc_subject


def audited(engine: Engine, action: str, label: str) -> list[Any]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(audit_log).where(
                    audit_log.c.action == action, audit_log.c.actor_label == label
                )
            )
        )


@pytest.mark.parametrize(("domain", "role"), [(MARKETERS, "marketer"), (ANALYSTS, "analyst")])
def test_someone_new_signs_in_through_the_provider_with_their_domain_s_role(
    sign_on: SignOn, baton: httpx.Client, domain: str, role: str
) -> None:
    pat = person(sign_on, domain, name="Pat Example")
    authorize = go_to_provider(baton, "/journeys?status=live")
    assert authorize.startswith(f"{sign_on.provider.issuer}/authorize?")
    asked = parse_qs(urlsplit(authorize).query)
    assert asked["response_type"] == ["code"]
    assert asked["client_id"] == [sign_on.provider.client_id]
    assert asked["redirect_uri"] == [sign_on.url + CALLBACK]
    assert asked["code_challenge_method"] == ["S256"]
    assert set(asked["scope"][0].split()) == {"openid", "email", "profile"}
    state, nonce, challenge = asked["state"][0], asked["nonce"][0], asked["code_challenge"][0]
    assert len(state) >= 32
    assert len(nonce) >= 32
    assert len(challenge) == 43
    flow_cookie = baton.cookies.get(FLOW_COOKIE)
    assert flow_cookie is not None
    assert state not in flow_cookie  # sealed, not readable

    landed = baton.get(come_back(authorize, pat.email))

    assert landed.status_code == 302, landed.text
    assert landed.headers["location"] == "/journeys?status=live"
    cookies = landed.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("baton_session="))
    assert "HttpOnly" in session
    assert "SameSite=lax" in session
    assert any(c.startswith(f'{FLOW_COOKIE}=""') for c in cookies)  # used up
    me = account(baton)
    assert me["user"]["email"] == pat.email
    assert me["user"]["name"] == "Pat Example"
    assert me["workspace"]["id"] == sign_on.workspace_id
    assert me["workspace"]["role"] == role
    with sign_on.engine.connect() as connection:
        user = user_by_email(connection, pat.email)
    assert user is not None
    assert not user.has_password
    [login] = audited(sign_on.engine, "login", pat.email)
    assert login.detail == {"via": "oidc"}
    [created] = audited(sign_on.engine, "user.created", pat.email)
    assert created.workspace_id == sign_on.workspace_id
    assert created.detail == {"via": "oidc", "by": "domain rule"}
    assert bound_to(sign_on.engine, pat.email) == (sign_on.provider.issuer, pat.sub)


def test_someone_from_a_domain_without_a_rule_is_refused(
    sign_on: SignOn, baton: httpx.Client
) -> None:
    stranger = person(sign_on, STRANGERS)

    refused = sign_in(baton, stranger.email)

    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert "invite" in refused.json()["error"]["message"]
    assert "baton_session" not in baton.cookies
    assert baton.get("/api/v1/auth/me").status_code == 401
    with sign_on.engine.connect() as connection:
        assert user_by_email(connection, stranger.email) is None
    [failed] = audited(sign_on.engine, "login.failed", stranger.email)
    assert failed.detail["via"] == "oidc"


def test_an_invitation_lets_someone_in_with_its_role_once(
    sign_on: SignOn, baton: httpx.Client, clock: ManualClock
) -> None:
    invited, late = person(sign_on, STRANGERS), person(sign_on, STRANGERS)
    with write_transaction(sign_on.engine) as connection:
        workspace_id = create_workspace(connection, "Invited to", clock)
        for who in (invited, late):
            create_link(connection, Purpose.INVITE, who.email, clock.now(),
                        workspace_id=workspace_id, role=Role.ADMIN)  # fmt: skip
    clock.advance(timedelta(days=6))
    with write_transaction(sign_on.engine) as connection:  # the later invitation is fresh
        create_link(connection, Purpose.INVITE, invited.email, clock.now(),
                    workspace_id=sign_on.workspace_id, role=Role.VIEWER)  # fmt: skip
    clock.advance(timedelta(days=2))  # the first two have expired: `late` never came

    landed = sign_in(baton, invited.email)

    assert landed.status_code == 302, landed.text
    me = account(baton)
    assert me["user"]["email"] == invited.email
    assert {(w["id"], w["role"]) for w in me["workspaces"]} == {(sign_on.workspace_id, "viewer")}
    with sign_on.engine.connect() as connection:
        used = connection.execute(
            select(user_tokens.c.workspace_id, user_tokens.c.used_at).where(
                user_tokens.c.email == invited.email
            )
        ).all()
    assert {(w, u is not None) for w, u in used} == {
        (workspace_id, False),
        (sign_on.workspace_id, True),
    }
    [created] = audited(sign_on.engine, "user.created", invited.email)
    assert created.detail == {"via": "oidc", "by": "invitation"}
    with httpx.Client(base_url=sign_on.url, timeout=10) as other:
        assert sign_in(other, late.email).status_code == 403


def test_someone_with_a_password_can_also_come_in_through_the_provider(
    sign_on: SignOn, baton: httpx.Client, clock: ManualClock
) -> None:
    # An address the domain rules would make a marketer: the account keeps its own role.
    email = f"owner.{secrets.token_hex(4)}@{MARKETERS}"
    with write_transaction(sign_on.engine) as connection:
        owner = create_user(connection, email, "Olive", clock.now(), password=PASSWORD)
        grant(connection, sign_on.workspace_id, owner.id, Role.OWNER, clock.now())
    olive = Person(f"sub-{email}", email.upper())
    sign_on.provider.people[email.upper()] = olive

    assert sign_in(baton, email.upper()).status_code == 302

    me = account(baton)
    assert me["user"]["id"] == owner.id
    assert me["workspace"] == {**me["workspace"], "id": sign_on.workspace_id, "role": "owner"}
    assert audited(sign_on.engine, "user.created", email) == []
    assert bound_to(sign_on.engine, email) == (sign_on.provider.issuer, olive.sub)
    with httpx.Client(base_url=sign_on.url, timeout=10) as other:
        answer = other.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        assert answer.status_code == 200


def test_another_account_at_the_provider_with_a_bound_account_s_address_is_refused(
    sign_on: SignOn, baton: httpx.Client, clock: ManualClock
) -> None:
    # The installation's owner signs on once; later the provider gives their address to
    # someone else (a second account there, or the address reused).
    email = f"owner.{secrets.token_hex(4)}@{MARKETERS}"
    with write_transaction(sign_on.engine) as connection:
        owner = create_user(connection, email, "Olive", clock.now(), installation_owner=True)
        grant(connection, sign_on.workspace_id, owner.id, Role.OWNER, clock.now())
    olive = Person(f"sub-{email}", email)
    sign_on.provider.people[email] = olive
    assert sign_in(baton, email).status_code == 302
    sign_on.provider.people[email] = Person(f"other-{email}", email)

    with httpx.Client(base_url=sign_on.url, timeout=10) as other:
        refused = sign_in(other, email)

        assert refused.status_code == 403
        assert "another account at the provider" in refused.json()["error"]["message"]
        assert other.get("/api/v1/auth/me").status_code == 401
    [failed] = audited(sign_on.engine, "login.failed", email)
    assert "another account at the provider" in failed.detail["reason"]
    assert bound_to(sign_on.engine, email) == (sign_on.provider.issuer, olive.sub)
    sign_on.provider.people[email] = olive
    with httpx.Client(base_url=sign_on.url, timeout=10) as again:
        assert sign_in(again, email).status_code == 302
        assert account(again)["user"]["id"] == owner.id


def test_someone_whose_address_changed_at_the_provider_keeps_their_account(
    sign_on: SignOn, baton: httpx.Client
) -> None:
    pat = person(sign_on, MARKETERS)
    assert sign_in(baton, pat.email).status_code == 302
    before = account(baton)
    # A domain without a rule: by the address alone, they would not come in.
    moved = replace(pat, email=f"pat.{secrets.token_hex(4)}@{STRANGERS}")
    sign_on.provider.people[moved.email] = moved

    with httpx.Client(base_url=sign_on.url, timeout=10) as other:
        assert sign_in(other, moved.email).status_code == 302

        after = account(other)
    assert after["user"] == before["user"]
    assert after["workspace"] == before["workspace"]
    with sign_on.engine.connect() as connection:
        assert user_by_email(connection, moved.email) is None


def test_someone_with_an_account_accepts_their_invitations_by_signing_on(
    sign_on: SignOn, baton: httpx.Client, clock: ManualClock
) -> None:
    # An account without a password, which could not accept an invitation by its link.
    email = f"pat.{secrets.token_hex(4)}@{STRANGERS}"
    with write_transaction(sign_on.engine) as connection:
        pat = create_user(connection, email, "Pat", clock.now())
        grant(connection, sign_on.workspace_id, pat.id, Role.VIEWER, clock.now())
        stale = create_workspace(connection, "Invited long ago", clock)
        create_link(connection, Purpose.INVITE, email, clock.now(),
                    workspace_id=stale, role=Role.OWNER)  # fmt: skip
    clock.advance(timedelta(days=8))
    with write_transaction(sign_on.engine) as connection:
        invited_to = create_workspace(connection, "Invited to", clock)
        for workspace_id, role in ((invited_to, Role.ANALYST), (sign_on.workspace_id, Role.ADMIN)):
            create_link(connection, Purpose.INVITE, email, clock.now(),
                        workspace_id=workspace_id, role=role)  # fmt: skip
    sign_on.provider.people[email] = Person(f"sub-{email}", email)

    assert sign_in(baton, email).status_code == 302

    me = account(baton)
    assert me["user"]["id"] == pat.id
    assert me["workspace"]["id"] == invited_to  # where they have just arrived
    # Already a member of the other workspace, they keep their role there.
    assert {(w["id"], w["role"]) for w in me["workspaces"]} == {
        (sign_on.workspace_id, "viewer"),
        (invited_to, "analyst"),
    }
    with sign_on.engine.connect() as connection:
        used = connection.execute(
            select(user_tokens.c.workspace_id, user_tokens.c.used_at).where(
                user_tokens.c.email == email
            )
        ).all()
    assert {(w, u is not None) for w, u in used} == {
        (stale, False),
        (invited_to, True),
        (sign_on.workspace_id, False),
    }
    [accepted] = audited(sign_on.engine, "user.invite_accepted", email)
    assert accepted.workspace_id == invited_to
    assert accepted.changes == [{"path": "", "before": None, "after": {"role": "analyst"}}]
    assert accepted.detail == {"via": "oidc"}


def test_a_tampered_state_or_flow_cookie_is_refused(sign_on: SignOn, baton: httpx.Client) -> None:
    pat = person(sign_on, MARKETERS)
    back = urlsplit(come_back(go_to_provider(baton), pat.email))
    query = parse_qs(back.query)
    tampered = {**query, "state": [query["state"][0][:-2] + "xy"]}
    refused = baton.get(f"{CALLBACK}?{urlencode(tampered, doseq=True)}")
    assert refused.status_code == 401
    assert "state" in refused.json()["error"]["message"]

    # The same answer from the provider, with a cookie altered by one character.
    sealed = baton.cookies[FLOW_COOKIE]
    flipped = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    baton.cookies.set(FLOW_COOKIE, flipped, path="/api/v1/auth/oidc")
    assert baton.get(f"{CALLBACK}?{back.query}").status_code == 401
    # Nor does the provider's answer work in a browser that did not start the sign-in.
    with httpx.Client(base_url=sign_on.url, timeout=10) as other:
        assert other.get(f"{CALLBACK}?{back.query}").status_code == 401
    assert baton.get("/api/v1/auth/me").status_code == 401
    with sign_on.engine.connect() as connection:
        assert user_by_email(connection, pat.email) is None


def test_a_flow_cookie_baton_did_not_seal_is_refused(
    sign_on: SignOn, baton: httpx.Client, clock: ManualClock
) -> None:
    # Someone starts a sign-in of their own at the provider, with a flow they chose,
    # and hands the answer to a browser with that flow as its cookie, unsealed.
    pat = person(sign_on, MARKETERS)
    forged = Flow("s" * 43, "n" * 43, "v" * 64, "/", int(clock.now().timestamp()))
    own = {
        **parse_qs(urlsplit(go_to_provider(baton)).query),
        "state": [forged.state],
        "nonce": [forged.nonce],
        "code_challenge": [create_s256_code_challenge(forged.verifier)],
    }
    back = come_back(f"{sign_on.provider.issuer}/authorize?{urlencode(own, doseq=True)}", pat.email)

    with httpx.Client(base_url=sign_on.url, timeout=10) as victim:
        cookie = f"{FLOW_COOKIE}={json.dumps(asdict(forged), separators=(',', ':'))}"
        refused = victim.get(back, headers={"Cookie": cookie})

    assert refused.status_code == 401
    with sign_on.engine.connect() as connection:
        assert user_by_email(connection, pat.email) is None


@pytest.mark.parametrize(
    "claims",
    [
        # Naming Baton as the party it was issued to does not make it Baton's.
        {"aud": ["another-client"], "azp": "baton"},
        {"nonce": "a-nonce-from-another-sign-in"},
        {"iss": "http://127.0.0.1:9"},
        {"exp": 1_000_000_000},
        {"sub": "s" * 256},  # longer than OpenID Connect allows
    ],
    ids=["audience", "nonce", "issuer", "expired", "long subject"],
)
def test_an_id_token_not_meant_for_this_sign_in_is_refused(
    sign_on: SignOn, baton: httpx.Client, claims: dict[str, Any]
) -> None:
    pat = person(sign_on, MARKETERS)
    sign_on.provider.forced_claims = claims

    refused = sign_in(baton, pat.email)

    assert refused.status_code == 401, refused.text
    assert "ID token" in refused.json()["error"]["message"]
    assert "baton_session" not in baton.cookies
    with sign_on.engine.connect() as connection:
        assert user_by_email(connection, pat.email) is None


def test_the_flow_expires(sign_on: SignOn, baton: httpx.Client, clock: ManualClock) -> None:
    pat = person(sign_on, MARKETERS)
    back = come_back(go_to_provider(baton), pat.email)
    clock.advance(timedelta(minutes=11))

    refused = baton.get(back)

    assert refused.status_code == 401
    assert "too long" in refused.json()["error"]["message"]


@pytest.mark.parametrize("verified", [False, None, "false", 1])
def test_an_address_the_provider_does_not_say_it_verified_is_refused(
    sign_on: SignOn, baton: httpx.Client, clock: ManualClock, verified: object
) -> None:
    # An account the address would sign in as: the installation's owner.
    email = f"owner.{secrets.token_hex(4)}@{MARKETERS}"
    with write_transaction(sign_on.engine) as connection:
        create_user(connection, email, "Olive", clock.now(), installation_owner=True)
    sign_on.provider.people[email] = Person(f"sub-{email}", email, email_verified=None)
    sign_on.provider.forced_claims = {"email_verified": verified}

    refused = sign_in(baton, email)

    assert refused.status_code == 403
    assert "verified" in refused.json()["error"]["message"]
    assert "baton_session" not in baton.cookies
    [failed] = audited(sign_on.engine, "login.failed", email)
    assert "verified" in failed.detail["reason"]
    assert bound_to(sign_on.engine, email) == (None, None)


def test_an_address_verified_in_userinfo_only_is_taken(
    sign_on: SignOn, baton: httpx.Client
) -> None:
    pat = person(sign_on, ANALYSTS)
    sign_on.provider.forced_claims = {"email_verified": None}  # the ID token does not say

    assert sign_in(baton, pat.email).status_code == 302

    assert account(baton)["user"]["email"] == pat.email


@pytest.fixture
def trusting(sign_on: SignOn, clock: ManualClock) -> Iterator[httpx.Client]:
    """A browser on a Baton told that the provider verifies every address."""
    settings = replace(sign_on.settings, oidc_trust_email=True)
    with (
        serving(settings, clock, sign_on.provider) as runtime,
        httpx.Client(base_url=runtime.settings.public_url, timeout=10) as client,
    ):
        yield client


def test_an_installation_may_trust_a_provider_that_does_not_say(
    sign_on: SignOn, trusting: httpx.Client
) -> None:
    unsaid = person(sign_on, MARKETERS, email_verified=None)
    unverified = person(sign_on, MARKETERS, email_verified=False)

    assert sign_in(trusting, unsaid.email).status_code == 302
    assert account(trusting)["user"]["email"] == unsaid.email
    # Trust does not overrule a provider that says it has not verified the address.
    trusting.cookies.clear()
    refused = sign_in(trusting, unverified.email)
    assert refused.status_code == 403
    assert "verified" in refused.json()["error"]["message"]


def test_the_address_comes_from_userinfo_when_the_id_token_lacks_it(
    sign_on: SignOn, baton: httpx.Client
) -> None:
    pat = person(sign_on, ANALYSTS)
    sign_on.provider.email_in_id_token = False

    assert sign_in(baton, pat.email).status_code == 302

    me = account(baton)
    assert me["user"]["email"] == pat.email
    assert me["workspace"]["role"] == "analyst"


def test_keys_the_provider_has_rotated_in_since_are_fetched(
    sign_on: SignOn, baton: httpx.Client
) -> None:
    first, second = person(sign_on, MARKETERS), person(sign_on, MARKETERS)
    assert sign_in(baton, first.email).status_code == 302  # the old key is known now
    sign_on.provider.key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(4)})

    with httpx.Client(base_url=sign_on.url, timeout=10) as other:
        assert sign_in(other, second.email).status_code == 302
        assert account(other)["user"]["email"] == second.email


def test_the_provider_turning_someone_away_is_a_401(sign_on: SignOn, baton: httpx.Client) -> None:
    refused = sign_in(baton, "nobody@shop.example")  # unknown to the provider

    assert refused.status_code == 401
    assert "access_denied" in refused.json()["error"]["message"]


@pytest.mark.parametrize(
    "next_page", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil"]
)
def test_only_a_page_of_this_site_is_where_one_lands(baton: httpx.Client, next_page: str) -> None:
    refused = baton.get(LOGIN, params={"next": next_page})

    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "next"
    assert FLOW_COOKIE not in baton.cookies


def test_the_console_learns_the_button_s_label(baton: httpx.Client) -> None:
    assert baton.get("/api/v1/auth/oidc").json() == {
        "enabled": True,
        "name": "Example ID",
        "login": LOGIN,
    }


def test_without_settings_single_sign_on_is_off(client: httpx.Client) -> None:
    assert client.get("/api/v1/auth/oidc").json() == {
        "enabled": False,
        "name": None,
        "login": None,
    }
    assert client.get(LOGIN).status_code == 404
    assert client.get(CALLBACK, params={"code": "x", "state": "y"}).status_code == 404


def test_the_settings_go_together_and_keep_the_secret() -> None:
    environ = {
        "BATON_OIDC_ISSUER": "https://id.example.com",
        "BATON_OIDC_CLIENT_ID": "baton",
        "BATON_OIDC_CLIENT_SECRET": "the-client-secret-of-baton",
        "BATON_OIDC_ROLES": "example.com=marketer",
    }
    settings = Settings.from_env(environ)
    assert settings.single_sign_on()
    assert settings.oidc_roles == "example.com=marketer"
    assert "the-client-secret-of-baton" not in repr(settings)
    assert not Settings.from_env({}).single_sign_on()
    without_secret = {k: v for k, v in environ.items() if k != "BATON_OIDC_CLIENT_SECRET"}
    with pytest.raises(ConfigurationError, match="BATON_OIDC_CLIENT_SECRET"):
        Settings.from_env(without_secret)
    with pytest.raises(ConfigurationError, match="https"):
        Settings.from_env({**environ, "BATON_OIDC_ISSUER": "http://id.example.com"})
    local = Settings.from_env({**environ, "BATON_OIDC_ISSUER": "http://127.0.0.1:8080/realm"})
    assert local.oidc_issuer == "http://127.0.0.1:8080/realm"
    with pytest.raises(ConfigurationError, match="300"):
        Settings.from_env({**environ, "BATON_OIDC_ISSUER": "https://id.example/" + "r" * 300})
    assert not settings.oidc_trust_email
    assert Settings.from_env({**environ, "BATON_OIDC_TRUST_EMAIL": "1"}).oidc_trust_email
    assert not Settings.from_env({**environ, "BATON_OIDC_TRUST_EMAIL": "0"}).oidc_trust_email
    with pytest.raises(ConfigurationError, match="BATON_OIDC_TRUST_EMAIL"):
        Settings.from_env({**environ, "BATON_OIDC_TRUST_EMAIL": "yes"})


def test_wrong_domain_rules_stop_the_server_from_starting(database_url: str) -> None:
    settings = Settings(
        database_url=database_url,
        analytics_path="off",
        oidc_issuer="https://id.example.com",
        oidc_client_id="baton",
        oidc_client_secret="the-client-secret-of-baton",
        oidc_roles="example.com=emperor",
    )
    runtime = Runtime.create(settings, run_processor=False)
    try:
        with pytest.raises(ConfigurationError, match="BATON_OIDC_ROLES"):
            create_app(runtime)
    finally:
        runtime.engine.dispose()
