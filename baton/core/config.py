"""Settings read from the environment (`BATON_*`)."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

import phonenumbers

from baton.core.durations import parse_duration
from baton.core.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///./var/baton.db"
# Keys set in the environment are chosen by people: refuse ones short enough to guess.
SHORTEST_KEY = 16


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    host: str = "127.0.0.1"
    port: int = 8000
    default_region: str = "US"
    write_key: str | None = None
    admin_token: str | None = None
    # The bearer token a Prometheus scraper sends for /metrics (and nothing else).
    metrics_token: str | None = None
    # The analytics store's DuckDB file; "" for the default (next to a SQLite database,
    # else var/analytics-<database>.duckdb), "off" for none.
    analytics_path: str = ""
    # Keys that seal stored secrets, newest first (baton/core/sealing.py); None: the
    # key file var/secret.key, generated on first use.
    secret_key: str | None = None
    # Where browsers reach Baton (`https://baton.example.com`); never the Host header a
    # request claims. Empty: http://{host}:{port}.
    public_url: str = ""
    # Failed authentications one client address may make per minute before it must wait.
    auth_failures_per_minute: int = 30
    # Failed logins one account may take per minute, from anywhere, before it must wait.
    login_failures_per_account: int = 10
    # A console session ends after this long unused, and after `session_lifetime` anyway.
    session_idle: timedelta = timedelta(hours=12)
    session_lifetime: timedelta = timedelta(days=7)
    # The installation's mail server for staff e-mail (invitations, password resets),
    # `smtp://user:password@host:port`; empty: a workspace's e-mail channel sends it.
    smtp_url: str = ""
    smtp_security: str = "starttls"  # starttls | tls | none
    mail_from: str = ""
    # Single sign-on through OpenID Connect (baton/api/oidc.py), on when the issuer, the
    # client id and its secret are all set. The discovery document is at
    # {issuer}/.well-known/openid-configuration.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: str = ""
    # E-mail-domain rules for people new to Baton (baton/teams/sso.py):
    # `example.com=marketer@default,agency.io=analyst`.
    oidc_roles: str = ""
    oidc_name: str = ""  # the sign-in button's label
    # Take every address the provider gives as verified, for one that checks them all
    # but leaves out `email_verified` (BATON_OIDC_TRUST_EMAIL=1).
    oidc_trust_email: bool = False
    # The built console (`ui/dist`); empty for the one `make install` builds.
    console_dir: str = ""
    # Backpressure (docs/ingestion.md): past this many events not yet resolved into
    # profiles, or messages due but not yet sent, the tracking API answers 503.
    max_backlog: int = 1_000_000
    max_outbox: int = 1_000_000
    # Events per second one workspace may send the tracking API, unless its own setting
    # says otherwise; past them it answers 429.
    ingest_per_second: int = 50_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> Settings:
        port_text = environ.get("BATON_PORT", "8000")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ConfigurationError(f"BATON_PORT must be a TCP port, got {port_text!r}")
        region = environ.get("BATON_DEFAULT_REGION", "US").upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigurationError(f"BATON_DEFAULT_REGION {region!r} is not a known region")
        for name in ("BATON_WRITE_KEY", "BATON_ADMIN_TOKEN", "BATON_METRICS_TOKEN"):
            given = environ.get(name)
            if given and len(given) < SHORTEST_KEY:
                raise ConfigurationError(
                    f"{name} must be at least {SHORTEST_KEY} characters long: a short key "
                    "can be guessed"
                )
        smtp_url, smtp_security, mail_from = _mail_server(environ)
        oidc_issuer, oidc_client_id, oidc_client_secret = _oidc_client(environ)
        return cls(
            database_url=environ.get("BATON_DATABASE_URL") or DEFAULT_DATABASE_URL,
            host=environ.get("BATON_HOST", "127.0.0.1"),
            port=int(port_text),
            default_region=region,
            write_key=environ.get("BATON_WRITE_KEY") or None,
            admin_token=environ.get("BATON_ADMIN_TOKEN") or None,
            metrics_token=environ.get("BATON_METRICS_TOKEN") or None,
            analytics_path=environ.get("BATON_ANALYTICS_PATH", ""),
            secret_key=environ.get("BATON_SECRET_KEY") or None,
            public_url=_public_url(environ.get("BATON_PUBLIC_URL", "")),
            auth_failures_per_minute=_positive(environ, "BATON_AUTH_FAILURES_PER_MINUTE", 30),
            login_failures_per_account=_positive(environ, "BATON_LOGIN_FAILURES_PER_ACCOUNT", 10),
            session_idle=_duration(environ, "BATON_SESSION_IDLE", "12h"),
            session_lifetime=_duration(environ, "BATON_SESSION_LIFETIME", "7d"),
            smtp_url=smtp_url,
            smtp_security=smtp_security,
            mail_from=mail_from,
            oidc_issuer=oidc_issuer,
            oidc_client_id=oidc_client_id,
            oidc_client_secret=oidc_client_secret,
            oidc_roles=environ.get("BATON_OIDC_ROLES", ""),
            oidc_name=environ.get("BATON_OIDC_NAME", "").strip()[:100],
            oidc_trust_email=_switch(environ, "BATON_OIDC_TRUST_EMAIL"),
            console_dir=environ.get("BATON_CONSOLE_DIR", ""),
            max_backlog=_positive(environ, "BATON_MAX_BACKLOG", 1_000_000),
            max_outbox=_positive(environ, "BATON_MAX_OUTBOX", 1_000_000),
            ingest_per_second=_positive(environ, "BATON_INGEST_PER_SECOND", 50_000),
        )

    def single_sign_on(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret)

    def public_base(self) -> str:
        """Where browsers reach Baton, with no trailing slash."""
        return self.public_url or f"http://{self.host}:{self.port}"

    def analytics_file(self) -> str | None:
        """Where the analytics store lives; None when it is off."""
        if self.analytics_path == "off":
            return None
        if self.analytics_path:
            return self.analytics_path
        scheme, _, rest = self.database_url.partition("://")
        if scheme.startswith("sqlite"):
            folder = os.path.dirname(rest.removeprefix("/")) or "."
            return os.path.join(folder, "analytics.duckdb")
        database = rest.rpartition("/")[2].partition("?")[0] or "baton"
        return os.path.join("var", f"analytics-{database}.duckdb")

    def __repr__(self) -> str:
        # Keys are secrets: never let them reach a log line through repr().
        return (
            f"Settings(database_url={redact_url(self.database_url)!r}, host={self.host!r}, "
            f"port={self.port}, default_region={self.default_region!r})"
        )


def _positive(environ: Mapping[str, str], name: str, default: int) -> int:
    text = environ.get(name, str(default))
    if not text.isdigit() or int(text) < 1:
        raise ConfigurationError(f"{name} must be a positive whole number, got {text!r}")
    return int(text)


def _switch(environ: Mapping[str, str], name: str) -> bool:
    text = environ.get(name, "").strip() or "0"
    if text not in ("0", "1"):
        raise ConfigurationError(f"{name} is 1 (on) or 0 (off), got {text!r}")
    return text == "1"


def _duration(environ: Mapping[str, str], name: str, default: str) -> timedelta:
    try:
        return parse_duration(environ.get(name, default))
    except ValueError as error:
        raise ConfigurationError(f"{name}: {error}") from None


def _mail_server(environ: Mapping[str, str]) -> tuple[str, str, str]:
    """BATON_SMTP_URL, BATON_SMTP_SECURITY and BATON_MAIL_FROM, checked."""
    url = environ.get("BATON_SMTP_URL", "")
    security = environ.get("BATON_SMTP_SECURITY", "starttls")
    sender = environ.get("BATON_MAIL_FROM", "")
    if url and not re.fullmatch(r"smtp://\S+", url):
        raise ConfigurationError(
            f"BATON_SMTP_URL must look like smtp://user:password@host:port, got {redact_url(url)!r}"
        )
    if security not in ("starttls", "tls", "none"):
        raise ConfigurationError(f"BATON_SMTP_SECURITY is starttls, tls or none, got {security!r}")
    if url and "@" not in sender:
        raise ConfigurationError("BATON_MAIL_FROM, the sender's address, goes with BATON_SMTP_URL")
    return url, security, sender


def _oidc_client(environ: Mapping[str, str]) -> tuple[str, str, str]:
    """BATON_OIDC_ISSUER, BATON_OIDC_CLIENT_ID and BATON_OIDC_CLIENT_SECRET, checked: all
    three or none, and an issuer reached over HTTPS unless it is on this machine."""
    names = ("BATON_OIDC_ISSUER", "BATON_OIDC_CLIENT_ID", "BATON_OIDC_CLIENT_SECRET")
    issuer, client_id, secret = (environ.get(name, "").strip() for name in names)
    if any((issuer, client_id, secret)) and not all((issuer, client_id, secret)):
        raise ConfigurationError(f"single sign-on needs all of {', '.join(names)}")
    loopback = r"http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?"
    if issuer and not re.fullmatch(rf"(https://[^/\s?#]+|{loopback})(/[^\s?#]*)?", issuer):
        raise ConfigurationError(
            f"BATON_OIDC_ISSUER must be an https URL (http only on this machine), got {issuer!r}"
        )
    if len(issuer) > 300:  # the length of users.oidc_issuer, where accounts keep it
        raise ConfigurationError("BATON_OIDC_ISSUER has at most 300 characters")
    return issuer, client_id, secret


def _public_url(value: str) -> str:
    if value and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", value):
        raise ConfigurationError(f"BATON_PUBLIC_URL must be an http(s) URL, got {value!r}")
    return value.rstrip("/")


def redact_url(url: str) -> str:
    """The URL with any password replaced by `***`."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
