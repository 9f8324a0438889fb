"""A real OpenID Connect provider for the tests, on a free loopback port: authlib's
authorization server (the code flow with the OpenID Connect and PKCE extensions) in a
Flask app, with a discovery document, a key set, userinfo, and an RS256 key made anew
for each provider.

Nobody types a password: the authorization endpoint signs in, at once, the person whose
address its `login_hint` parameter names, and answers `access_denied` for anyone else.
Tests can also force claims into the ID tokens it signs, to see them refused.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import ClientMixin, TokenMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, Response, jsonify, request
from flask.typing import ResponseReturnValue
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

SCOPES = ("openid", "email", "profile")


@dataclass(frozen=True)
class Person:
    sub: str
    email: str
    name: str = "Pat Example"
    # None: the provider says nothing of whether it checked the address.
    email_verified: bool | None = True

    def claims(self) -> dict[str, Any]:
        found: dict[str, Any] = {"sub": self.sub, "email": self.email, "name": self.name}
        if self.email_verified is not None:
            found["email_verified"] = self.email_verified
        return found


@dataclass
class _Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    client_metadata: dict[str, Any] = field(default_factory=dict)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic" if endpoint == "token" else True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class _Code(AuthorizationCodeMixin):  # type: ignore[misc]
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time


@dataclass
class _Token(TokenMixin):  # type: ignore[misc]
    client: _Client
    person: Person
    scope: str
    expires_at: int

    def check_client(self, client: _Client) -> bool:
        return client.client_id == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return 3600

    def is_expired(self) -> bool:
        return False

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> Person:
        return self.person

    def get_client(self) -> _Client:
        return self.client


class OidcProvider:
    """The provider, serving while in a `with` block. `now` stamps its ID tokens (the
    tests' simulated clock)."""

    def __init__(self, now: Callable[[], int]) -> None:
        self.now = now
        self.client_id = "baton"
        self.client_secret = secrets.token_urlsafe(24)
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key", "use": "sig"})
        # Who may sign in, by address.
        self.people: dict[str, Person] = {}
        # Claims written over those of every ID token signed from now on; None leaves
        # out a claim about the person.
        self.forced_claims: dict[str, Any] = {}
        # Whether the ID token carries the address, or only userinfo does.
        self.email_in_id_token = True
        # The query of every authorization request received.
        self.authorizations: list[dict[str, str]] = []
        self._client = _Client(self.client_id, self.client_secret, [])
        self._codes: dict[str, _Code] = {}
        self._tokens: dict[str, _Token] = {}
        self._server = make_server("127.0.0.1", 0, self._app(), threaded=True)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"

    def allow_redirects_to(self, redirect_uri: str) -> None:
        self._client.redirect_uris.append(redirect_uri)

    def __enter__(self) -> OidcProvider:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _app(self) -> Flask:
        app = Flask(__name__)
        server = AuthorizationServer(
            app, query_client=self._query_client, save_token=self._save_token
        )
        server.register_grant(
            self._code_grant(), [self._openid_code(), CodeChallenge(required=True)]
        )
        protector = ResourceProtector()
        protector.register_token_validator(self._bearer_validator())
        server.register_endpoint(self._userinfo_endpoint()(resource_protector=protector))

        @app.get("/.well-known/openid-configuration")
        def discovery() -> ResponseReturnValue:
            return jsonify(
                issuer=self.issuer,
                authorization_endpoint=f"{self.issuer}/authorize",
                token_endpoint=f"{self.issuer}/token",
                userinfo_endpoint=f"{self.issuer}/userinfo",
                jwks_uri=f"{self.issuer}/jwks",
                response_types_supported=["code"],
                subject_types_supported=["public"],
                id_token_signing_alg_values_supported=["RS256"],
                scopes_supported=list(SCOPES),
                token_endpoint_auth_methods_supported=["client_secret_basic"],
                code_challenge_methods_supported=["S256"],
            )

        @app.get("/jwks")
        def jwks() -> ResponseReturnValue:
            return jsonify(keys=[self.key.as_dict(private=False)])

        @app.get("/authorize")
        def authorize() -> ResponseReturnValue:
            self.authorizations.append(dict(request.args))
            if request.args.get("code_challenge_method") != "S256":
                return jsonify(error="invalid_request", error_description="PKCE S256"), 400
            grant = server.get_consent_grant(end_user=None)
            person = self.people.get(request.args.get("login_hint", ""))
            answer: Response = server.create_authorization_response(grant_user=person, grant=grant)
            return answer

        @app.post("/token")
        def token() -> ResponseReturnValue:
            answer: Response = server.create_token_response()
            return answer

        @app.get("/userinfo")
        def userinfo() -> ResponseReturnValue:
            answer: Response = server.create_endpoint_response("userinfo")
            return answer

        return app

    def _query_client(self, client_id: str) -> _Client | None:
        return self._client if client_id == self.client_id else None

    def _save_token(self, token: dict[str, Any], oauth_request: Any) -> None:
        self._tokens[token["access_token"]] = _Token(
            oauth_request.client, oauth_request.user, token["scope"], self.now() + 3600
        )

    def _code_grant(self) -> type[AuthorizationCodeGrant]:
        provider = self

        class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
            TOKEN_ENDPOINT_AUTH_METHODS: ClassVar = ["client_secret_basic"]

            def save_authorization_code(self, code: str, oauth_request: Any) -> None:
                data = oauth_request.payload.data
                provider._codes[code] = _Code(
                    code=code,
                    client_id=oauth_request.client.client_id,
                    redirect_uri=oauth_request.payload.redirect_uri,
                    scope=oauth_request.payload.scope,
                    person=oauth_request.user,
                    nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"),
                    code_challenge_method=data.get("code_challenge_method"),
                    auth_time=provider.now(),
                )

            def query_authorization_code(self, code: str, client: _Client) -> _Code | None:
                found = provider._codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code: _Code) -> None:
                provider._codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code: _Code) -> Person:
                return authorization_code.person

        return CodeGrant

    def _openid_code(self) -> OpenIDCode:
        provider = self

        class Extension(OpenIDCode):  # type: ignore[misc]
            def exists_nonce(self, nonce: str, oauth_request: Any) -> bool:
                return any(code.nonce == nonce for code in provider._codes.values())

            def resolve_client_private_key(self, client: _Client) -> RSAKey:
                return provider.key

            def get_encode_header(self, client: _Client) -> dict[str, str]:
                return {"alg": "RS256", "kid": provider.key.kid or ""}

            def get_client_claims(self, client: _Client) -> dict[str, Any]:
                now = provider.now()
                return {
                    "iss": provider.issuer,
                    "aud": [client.client_id],
                    "iat": now,
                    "exp": now + 3600,
                    "auth_time": now,
                }

            def generate_user_info(self, user: Person, scope: str) -> UserInfo:
                claims = user.claims() if provider.email_in_id_token else {"sub": user.sub}
                # Applied after the registered claims, so these replace them.
                forced = {**claims, **provider.forced_claims}
                return UserInfo({k: v for k, v in forced.items() if v is not None})

        return Extension(require_nonce=True)

    def _bearer_validator(self) -> BearerTokenValidator:
        provider = self

        class Bearer(BearerTokenValidator):  # type: ignore[misc]
            def authenticate_token(self, token_string: str) -> _Token | None:
                return provider._tokens.get(token_string)

        return Bearer()

    @staticmethod
    def _userinfo_endpoint() -> type[UserInfoEndpoint]:
        class Endpoint(UserInfoEndpoint):  # type: ignore[misc]
            def generate_user_info(self, user: Person, scope: str) -> UserInfo:
                return UserInfo(user.claims())

        return Endpoint
