"""What recipients do with e-mail: opens (a pixel), clicks (redirects), bounces and
complaints (the provider's feedback webhook), each an event on the profile's timeline.

Opens and clicks arrive through signed links: a click redirects only to the URL signed
into its link, so Baton is never an open redirect. The first open of a message, and
the first click of each of its links, are recorded (mail clients and scanners fetch
pixels and links repeatedly). A hard bounce or a complaint suppresses the address; a
complaint also unsubscribes the profile from all marketing e-mail.
"""

from __future__ import annotations

import hashlib
import html
import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from baton.channels.consent import channel_group, set_consent
from baton.channels.links import sign_link
from baton.channels.settings import EmailSettings
from baton.channels.suppressions import suppress
from baton.core.durations import parse_duration
from baton.identity import EMAIL, normalize_email, profile_of_identifier
from baton.timeline import timeline_row, write_timeline

EMAIL_OPENED, EMAIL_CLICKED = "Email Opened", "Email Link Clicked"
EMAIL_BOUNCED, EMAIL_COMPLAINED = "Email Bounced", "Email Marked as Spam"
_HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(https?://[^"']+)\2""", re.IGNORECASE)


class Tracker:
    """Rewrites a message's HTML: links through click redirects, plus an open pixel."""

    def __init__(self, settings: EmailSettings, claims: dict[str, Any], at: datetime) -> None:
        self._settings = settings
        self._claims = claims
        self._expires = at + parse_duration(settings.link_lifetime)
        self._base = settings.links_url.rstrip("/")

    def link(self, kind: str, **claims: Any) -> str:
        token = sign_link(self._settings.link_secret, {**self._claims, **claims}, self._expires)
        return f"{self._base}/v1/e/{kind}/{token}"

    def rewrite(self, body: str) -> str:
        def tracked(match: re.Match[str]) -> str:
            url = html.unescape(match.group(3))
            return f"{match.group(1)}{match.group(2)}{self.link('c', u=url)}{match.group(2)}"

        body = _HREF.sub(tracked, body)
        pixel = f'<img src="{self.link("o")}" width="1" height="1" alt="" style="display:none">'
        closing = body.lower().rfind("</body>")
        return body + pixel if closing < 0 else body[:closing] + pixel + body[closing:]


def record_open(connection: Connection, claims: dict[str, Any], now: datetime) -> None:
    _record(connection, claims, EMAIL_OPENED, {}, f"email:{claims['m']}:opened", now)


def record_click(connection: Connection, claims: dict[str, Any], now: datetime) -> None:
    url = claims["u"]
    key = f"email:{claims['m']}:clicked:{hashlib.sha256(url.encode()).hexdigest()[:16]}"
    _record(connection, claims, EMAIL_CLICKED, {"url": url}, key, now)


def _record(
    connection: Connection,
    claims: dict[str, Any],
    event: str,
    properties: dict[str, Any],
    key: str,
    now: datetime,
) -> None:
    properties = {"message_id": claims["m"], **properties}
    write_timeline(
        connection, [timeline_row(claims["ws"], claims["p"], event, properties, now, key)], now
    )


class Feedback(BaseModel):
    """One report from the e-mail provider: a bounce (hard: the address does not exist;
    soft: a full mailbox) or a spam complaint."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    type: Literal["bounce", "complaint"]
    email: str = Field(min_length=3, max_length=320)
    bounce_type: Literal["hard", "soft"] = "hard"
    message_id: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=1000)


def record_feedback(
    connection: Connection, workspace_id: str, report: Feedback, now: datetime
) -> str | None:
    """The report's event on the profile the address belongs to, and its suppression;
    returns the profile id (None when the address is nobody's)."""
    address = normalize_email(report.email)
    if address is None:
        return None
    profile_id = profile_of_identifier(connection, workspace_id, EMAIL, address)
    permanent = report.type == "complaint" or report.bounce_type == "hard"
    if permanent:
        suppress(
            connection,
            workspace_id,
            "email",
            address,
            profile_id,
            "complaint" if report.type == "complaint" else "hard_bounce",
            now,
        )
    if profile_id is None:
        return None
    properties = {"message_id": report.message_id, "reason": report.reason}
    if report.type == "complaint":
        event = EMAIL_COMPLAINED
        set_consent(
            connection,
            workspace_id,
            profile_id,
            channel_group("email"),
            False,
            "complaint",
            {"message_id": report.message_id},
            now,
        )
    else:
        event = EMAIL_BOUNCED
        properties["bounce_type"] = report.bounce_type
    key = f"feedback:{report.type}:{report.message_id or address}:{now.isoformat()}"
    write_timeline(
        connection, [timeline_row(workspace_id, profile_id, event, properties, now, key)], now
    )
    return profile_id
