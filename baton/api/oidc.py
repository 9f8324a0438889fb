"""Single sign-on through OpenID Connect: `/api/v1/auth/oidc/*`.

The authorization code flow with PKCE against the provider `BATON_OIDC_ISSUER` names.
`login` sends the browser there with a fresh state, nonce and code verifier, and keeps
them in a short-lived cookie sealed under the installation's key (baton/core/sealing.py),
so the browser can carry them but neither read nor forge them. `callback` opens that
cookie, checks the state, exchanges the code, checks the ID token (signed by one of the
provider's keys, for this client, from this issuer, unexpired, with our nonce) and lets
the verified address in as baton/teams/sso.py decides.
"""

from __future__ import annotations

import json
import logging
import secrets
import threading
import warnings
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import httpx
from fastapi import APIRouter, Query, Request
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from starlette.responses import RedirectResponse, Response

from baton.api.account import begin_session, set_session_cookie
from baton.api.auth import authenticated, client_address, runtime_of
from baton.api.responses import JSONBody
from baton.core.config import Settings
from baton.core.errors import ConfigurationError, Forbidden, InvalidInput, NotFound, Unauthorized
from baton.core.sealing import key_source
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.teams.audit import Actor, record
from baton.teams.sso import DomainRule, Identity, admit, domain_rules

if TYPE_CHECKING:
    from authlib.integrations.httpx_client import OAuth2Client

# authlib is loaded on the first sign-on, not with the API: it adds some 10 MB to every
# server process, and most installations never set single sign-on up.

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1/auth/oidc", tags=["auth"])

CALLBACK = "/api/v1/auth/oidc/callback"
FLOW_COOKIE = "baton_oidc"
# Long enough to type a password and answer a second factor at the provider.
FLOW_LIFETIME = timedelta(minutes=10)
_TIMEOUT = httpx.Timeout(10.0)
_SCOPE = "openid email profile"
# Signatures by the provider's published keys only: never a shared secret, never none.
_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA"]
# Clock skew allowed between Baton and the provider.
_LEEWAY = 60


class SingleSignOn:
    """This installation's single sign-on: its settings and domain rules, and the
    provider's endpoints and keys, fetched on first use and kept for the process (the
    keys fetched again when a token names one the provider has added since)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.rules: tuple[DomainRule, ...] = domain_rules(settings.oidc_roles)
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._metadata is None:
                issuer = self.settings.oidc_issuer
                found = _fetch(issuer.rstrip("/") + "/.well-known/openid-configuration")
                if found.get("issuer") != issuer:
                    raise Unauthorized(
                        f"the provider's discovery document names the issuer "
                        f"{found.get('issuer')!r}, not {issuer!r}"
                    )
                for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                    if not isinstance(found.get(name), str) or not found[name].startswith(
                        ("https://", "http://")
                    ):
                        raise Unauthorized(f"the provider's discovery document has no {name}")
                self._metadata = found
            return self._metadata

    def keys(self, *, refresh: bool = False) -> KeySet:
        uri = self.metadata()["jwks_uri"]
        with self._lock:
            if self._keys is None or refresh:
                try:
                    self._keys = KeySet.import_key_set(_fetch(uri))  # type: ignore[arg-type]
                except (JoseError, KeyError, TypeError, ValueError):
                    raise Unauthorized("the provider's key set cannot be read") from None
            return self._keys

    def client(self) -> OAuth2Client:
        """A client for one sign-in: authlib's keeps the token it fetched."""
        with warnings.catch_warnings():
            # authlib would rather drive httpx2; Baton uses httpx, which authlib's client
            # still supports in full.
            warnings.filterwarnings("ignore", "The httpx module is deprecated", DeprecationWarning)
            from authlib.integrations.httpx_client import OAuth2Client
        return OAuth2Client(
            client_id=self.settings.oidc_client_id,
            client_secret=self.settings.oidc_client_secret,
            scope=_SCOPE,
            redirect_uri=self.settings.public_base() + CALLBACK,
            code_challenge_method="S256",
            timeout=_TIMEOUT,
        )


def _fetch(url: str) -> dict[str, Any]:
    try:
        response = httpx.get(url, timeout=_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        found = response.json()
    except (httpx.HTTPError, ValueError) as error:
        log.warning("single sign-on: %s failed: %s", url, error)
        raise Unauthorized("single sign-on failed: the provider could not be reached") from None
    if not isinstance(found, dict):
        raise Unauthorized(f"the provider answered {url} with no JSON object")
    return found


def _single_sign_on(request: Request) -> SingleSignOn:
    settings = runtime_of(request).settings
    if not settings.single_sign_on():
        raise NotFound("single sign-on is not set up here (BATON_OIDC_* settings)")
    found: SingleSignOn | None = getattr(request.app.state, "single_sign_on", None)
    if found is None:
        found = request.app.state.single_sign_on = SingleSignOn(settings)
    return found


@dataclass(frozen=True)
class Flow:
    """What the browser carries from `login` to `callback`."""

    state: str
    nonce: str
    verifier: str
    next: str
    started: int  # seconds since the epoch


def _seal(flow: Flow) -> str:
    return key_source().seal(json.dumps(asdict(flow)), FLOW_COOKIE)


def _opened(value: str | None, now: datetime) -> Flow:
    """The flow in the cookie; Unauthorized when there is none, when it was altered or
    sealed under another key, and when it is too old."""
    try:
        # The keyring itself: the key source would take an unsealed value as it is.
        flow = Flow(**json.loads(key_source().keyring().unseal(value or "", FLOW_COOKIE)))
    except (ConfigurationError, TypeError, ValueError):
        raise Unauthorized("this sign-in did not start here, or was altered: start again") from None
    if now.timestamp() - flow.started > FLOW_LIFETIME.total_seconds():
        raise Unauthorized("this sign-in took too long: start again")
    return flow


def _same_site(path: str) -> str:
    """`path` when it leads to a page of this site: a path from its root, with nothing
    that a browser would read as another host."""
    if (
        not path.startswith("/")
        or path.startswith("//")
        or any(c <= " " or c in "\\\x7f" for c in path)
    ):
        raise InvalidInput("`next` must be a path on this site, such as /journeys", field="next")
    return path


@router.get("", summary="Whether single sign-on is on, and the label of its button")
def single_sign_on(request: Request) -> JSONBody:
    settings = runtime_of(request).settings
    if not settings.single_sign_on():
        return JSONBody({"enabled": False, "name": None, "login": None})
    name = settings.oidc_name or "Single sign-on"
    return JSONBody({"enabled": True, "name": name, "login": f"{router.prefix}/login"})


@router.get(
    "/login",
    summary="Sign in through the provider: redirects there, then back to `callback`",
    status_code=302,
    response_class=RedirectResponse,
)
def login(
    request: Request,
    next_page: Annotated[
        str, Query(alias="next", max_length=2000, description="where to land afterwards")
    ] = "/",
) -> Response:
    runtime = runtime_of(request)
    sso = _single_sign_on(request)
    flow = Flow(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        verifier=secrets.token_urlsafe(48),
        next=_same_site(next_page),
        started=int(runtime.clock.now().timestamp()),
    )
    with sso.client() as client:
        url, _ = client.create_authorization_url(
            sso.metadata()["authorization_endpoint"],
            state=flow.state,
            nonce=flow.nonce,
            code_verifier=flow.verifier,
        )
    response = RedirectResponse(url, status_code=302)
    response.set_cookie(
        FLOW_COOKIE,
        _seal(flow),
        max_age=int(FLOW_LIFETIME.total_seconds()),
        path=router.prefix,
        httponly=True,
        # Lax: the provider sends the browser back with a top-level GET, which carries it.
        samesite="lax",
        secure=runtime.settings.public_base().startswith("https://"),
    )
    return response


_Text = Annotated[str | None, Query(max_length=4096)]


@router.get(
    "/callback",
    summary="Where the provider sends the browser back: signs in and redirects onwards",
    status_code=302,
    response_class=RedirectResponse,
)
def callback(
    request: Request,
    code: _Text = None,
    state: _Text = None,
    error: _Text = None,
    error_description: _Text = None,
) -> Response:
    runtime = runtime_of(request)
    sso = _single_sign_on(request)
    now = runtime.clock.now()

    def verified() -> tuple[Flow, dict[str, Any]]:
        if error is not None:
            said = f": {error_description}" if error_description else ""
            raise Unauthorized(f"the provider did not sign you in ({error}{said})")
        flow = _opened(request.cookies.get(FLOW_COOKIE), now)
        if state is None or not secrets.compare_digest(state.encode(), flow.state.encode()):
            raise Unauthorized("this sign-in's state does not match the one it began with")
        if not code:
            raise Unauthorized("the provider sent no authorization code")
        return flow, _exchange(sso, code, flow, now)

    flow, claims = authenticated(request, verified)
    token = _signed_on(request, runtime, sso, claims)
    response = RedirectResponse(flow.next, status_code=302)
    set_session_cookie(request, runtime, response, token)
    response.delete_cookie(FLOW_COOKIE, path=router.prefix, httponly=True, samesite="lax")
    return response


def _signed_on(
    request: Request, runtime: Runtime, sso: SingleSignOn, claims: dict[str, Any]
) -> str:
    """A new session's token for the person the claims describe, if they may come in;
    Forbidden, in the audit trail too, if not."""
    now, address = runtime.clock.now(), client_address(request)
    email, name = claims.get("email"), claims.get("name")
    if not isinstance(email, str) or not email:
        raise Forbidden("the provider shared no e-mail address: allow the `email` scope")
    person = Identity(
        sso.settings.oidc_issuer, claims["sub"], email, name if isinstance(name, str) else ""
    )
    try:
        if not _verified(claims, trusted=sso.settings.oidc_trust_email):
            raise Forbidden(
                f"the provider has not said that it verified {email}: verify it there first"
            )
        with write_transaction(runtime.engine) as connection:
            admission = admit(connection, person, sso.rules, now, address)
            token = begin_session(connection, request, admission.user, admission.workspace_id,
                                  now, detail={"via": "oidc"})  # fmt: skip
    except Forbidden as refusal:
        with write_transaction(runtime.engine) as connection:
            record(connection, None, Actor("user", None, email[:320], address), "login.failed",
                   now, detail={"via": "oidc", "reason": refusal.message})  # fmt: skip
        raise
    return token


def _verified(claims: dict[str, Any], *, trusted: bool) -> bool:
    """Whether the provider says it verified the address (some send the string); when it
    says nothing, whether this installation trusts it to (BATON_OIDC_TRUST_EMAIL)."""
    said = claims.get("email_verified")
    return said is True or said == "true" or (said is None and trusted)


def _exchange(sso: SingleSignOn, code: str, flow: Flow, now: datetime) -> dict[str, Any]:
    """The claims of the ID token the code is exchanged for, checked; with the person's
    address from the userinfo endpoint when the token leaves it out or does not say that
    it was verified."""
    from authlib.integrations.httpx_client import OAuthError

    metadata = sso.metadata()
    with sso.client() as client:
        try:
            token = client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=flow.verifier
            )
        except OAuthError as refused:
            raise Unauthorized(
                f"the provider did not accept the sign-in ({refused.error})"
            ) from None
        except (httpx.HTTPError, TypeError, ValueError) as failure:
            log.warning("single sign-on: the token request failed: %s", failure)
            raise Unauthorized("single sign-on failed: the provider could not be reached") from None
        claims = _id_token_claims(sso, token, flow, now)
        userinfo = metadata.get("userinfo_endpoint")
        if not _verified(claims, trusted=False) and isinstance(userinfo, str):
            claims.update(_userinfo(client, userinfo, claims["sub"]))
    return claims


def _id_token_claims(
    sso: SingleSignOn, token: dict[str, Any], flow: Flow, now: datetime
) -> dict[str, Any]:
    from authlib.oidc.core import CodeIDToken

    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise Unauthorized("the provider sent no ID token")
    try:
        try:
            decoded = jwt.decode(id_token, sso.keys(), algorithms=_ALGORITHMS)
        except InvalidKeyIdError:
            decoded = jwt.decode(id_token, sso.keys(refresh=True), algorithms=_ALGORITHMS)
        settings = sso.settings
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            {
                "iss": {"essential": True, "value": settings.oidc_issuer},
                "aud": {"essential": True, "value": settings.oidc_client_id},
            },
            {
                "nonce": flow.nonce,
                "client_id": settings.oidc_client_id,
                "access_token": token.get("access_token"),
            },
        )
        claims.validate(now=int(now.timestamp()), leeway=_LEEWAY)
    except JoseError as error:
        raise Unauthorized(f"the provider's ID token is not valid ({error.error})") from None
    subject = claims["sub"]
    # OpenID Connect Core 1.0, 2: at most 255 ASCII characters (users.oidc_subject).
    if not isinstance(subject, str) or not 0 < len(subject) <= 255 or not subject.isascii():
        raise Unauthorized("the provider's ID token is not valid (sub)")
    return dict(claims)


def _userinfo(client: OAuth2Client, url: str, subject: str) -> dict[str, Any]:
    from authlib.integrations.httpx_client import OAuthError

    try:
        response = client.get(url)
        response.raise_for_status()
        found = response.json()
    except (OAuthError, httpx.HTTPError, ValueError) as failure:
        log.warning("single sign-on: the userinfo request failed: %s", failure)
        raise Unauthorized("single sign-on failed: the provider could not be reached") from None
    if not isinstance(found, dict) or found.get("sub") != subject:
        raise Unauthorized("the provider's userinfo is about someone other than its ID token")
    said = {"name": found["name"]} if "name" in found else {}
    if "email" in found:
        # An address and whether it was verified come together, from one source.
        said |= {"email": found["email"], "email_verified": found.get("email_verified")}
    return said
