"""Opting in, once or twice: a group whose policy asks for double opt-in records the
opt-in only when the person follows the confirmation link e-mailed to them; the request
and the confirmation are both kept as evidence."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from baton.channels.consent import set_consent
from baton.channels.links import sign_link
from baton.channels.outbox import NewMessage, enqueue
from baton.channels.settings import EmailSettings, load_settings
from baton.core.errors import Conflict, InvalidInput
from baton.core.formats import iso_instant
from baton.identity import resolve_profile_id
from baton.workspaces import load_policy

CONFIRMATION = "optin"
_VALID_FOR = timedelta(days=7)


def opt_in(
    connection: Connection,
    workspace_id: str,
    profile_id: str,
    group: str,
    evidence: dict[str, Any],
    now: datetime,
) -> bool:
    """Subscribe the profile to `group`; for a double opt-in group, send the confirmation
    e-mail instead. Returns whether a confirmation is pending."""
    rules = load_policy(connection, workspace_id).subscription_groups.get(group)
    if rules is None or rules.opt_in != "double":
        set_consent(connection, workspace_id, profile_id, group, True, "api", evidence, now)
        return False
    email = load_settings(connection, workspace_id).get("email")
    if not isinstance(email, EmailSettings):
        raise Conflict("double opt-in e-mails a confirmation link: set up the email channel first")
    claims = {
        "ws": workspace_id,
        "p": profile_id,
        "g": group,
        "k": CONFIRMATION,
        "at": iso_instant(now),
    }
    token = sign_link(email.link_secret, claims, now + _VALID_FOR)
    url = f"{email.links_url.rstrip('/')}/v1/confirm/{token}"
    trigger = {
        "event": "Subscription Requested",
        "properties": {"group": group, "confirm_url": url},
    }
    message = NewMessage(
        workspace_id,
        profile_id,
        None,
        None,
        None,
        None,
        "email",
        rules.confirmation_template,
        None,
        f"optin:{profile_id}:{group}:{iso_instant(now)}",
        {"trigger": trigger, "evidence": evidence},
        priority=100,
        transactional=True,
    )
    enqueue(connection, [message], now)
    return True


def confirm(
    connection: Connection, claims: dict[str, Any], evidence: dict[str, Any], now: datetime
) -> str:
    """Record the confirmed opt-in of a confirmation link's claims; returns the group."""
    if claims.get("k") != CONFIRMATION or not isinstance(claims.get("g"), str):
        raise InvalidInput("this link is not valid")
    profile_id = resolve_profile_id(connection, claims["ws"], claims["p"])
    proof = {**evidence, "requested_at": claims.get("at"), "confirmed_at": iso_instant(now)}
    set_consent(
        connection, claims["ws"], profile_id, claims["g"], True, "double_opt_in", proof, now
    )
    return str(claims["g"])
