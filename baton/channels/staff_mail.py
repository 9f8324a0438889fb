"""E-mail to staff (invitations, password resets), not to customers. It goes only
through the installation's own mail: its server (BATON_SMTP_URL), else the e-mail channel
of the default workspace. Never through another workspace's channel: whoever manages that
workspace's integrations could point it at their own server and read the links sent to
anyone in it, owners of other workspaces included. Either way it passes the egress guard
and reuses the channel's SMTP sessions; the installation's server is trusted as
configured.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime
from email.utils import format_datetime, parseaddr
from urllib.parse import urlsplit

from sqlalchemy import Connection, Engine, select

from baton.channels.egress import Refused
from baton.channels.email import POOL
from baton.channels.mime import address, compose, header_value
from baton.channels.settings import EmailSettings, load_settings
from baton.core.config import Settings
from baton.core.formats import minute_utc
from baton.core.ids import new_id
from baton.storage.tables import workspaces
from baton.teams.links import PAGES, Link
from baton.workspaces import default_workspace_id

log = logging.getLogger(__name__)


NO_MAIL = (
    "no mail server is set up for staff mail: the installation's owner must set "
    "BATON_SMTP_URL (or the default workspace's e-mail channel)"
)


def installation_mail(connection: Connection, settings: Settings) -> EmailSettings | None:
    """The server staff e-mail goes through: BATON_SMTP_URL, else the default workspace's
    e-mail channel; None when there is neither."""
    if settings.smtp_url:
        host = urlsplit(settings.smtp_url).hostname or ""
        return EmailSettings.model_validate(
            {
                "url": settings.smtp_url,
                "sender": settings.mail_from,
                "security": settings.smtp_security,
                "links_url": settings.public_base(),
                "allow": [host],
            }
        )
    default = default_workspace_id(connection)
    found = None if default is None else load_settings(connection, default).get("email")
    return found if isinstance(found, EmailSettings) else None


def mail_invitation(
    engine: Engine,
    settings: Settings,
    server: EmailSettings | None,
    invitation: Link,
    token: str,
    inviter: str,
    now: datetime,
) -> str | None:
    """E-mail the invitation's link through `server` (`installation_mail`); None once
    sent, else why it was not."""
    if server is None:
        return NO_MAIL
    with engine.connect() as connection:
        workspace = connection.execute(
            select(workspaces.c.name).where(workspaces.c.id == invitation.workspace_id)
        ).scalar_one_or_none()
    role = invitation.role.value if invitation.role else ""
    url = link_url(settings, invitation, token)
    subject, text = _invitation_mail(
        workspace or "a workspace", role, inviter, url, invitation.expires_at
    )
    return _send_staff_mail(server, invitation.email, subject, text, now)


def mail_reset(
    engine: Engine, settings: Settings, reset: Link, token: str, now: datetime
) -> str | None:
    """E-mail a password reset link; None once sent, else why it was not."""
    with engine.connect() as connection:
        server = installation_mail(connection, settings)
    if server is None:
        # Said without the address: the log is no place for who asked.
        log.warning("a password reset link was not sent: %s", NO_MAIL)
        return NO_MAIL
    subject, text = _reset_mail(reset.email, link_url(settings, reset, token), reset.expires_at)
    return _send_staff_mail(server, reset.email, subject, text, now)


def link_url(settings: Settings, link: Link, token: str) -> str:
    """Where the console opens the link of `token`."""
    return f"{settings.public_base()}{PAGES[link.purpose]}?token={token}"


def _send_staff_mail(
    server: EmailSettings, to: str, subject: str, text: str, now: datetime
) -> str | None:
    """Send a plain-text e-mail; None once the server took it, else why it did not. The
    text holds a secret link: it is never logged."""
    sender = parseaddr(server.sender)[1]
    headers = [
        ("From", address(server.sender)),
        ("To", to),
        ("Subject", header_value(subject)),
        ("Date", format_datetime(now)),
        ("Message-ID", f"<{new_id('mail', now)}@{sender.rpartition('@')[2] or 'baton'}>"),
        ("Auto-Submitted", "auto-generated"),
    ]
    reason: str | None
    try:
        with POOL.session(server, server.egress) as smtp:
            refused = smtp.sendmail(sender, [to], compose(headers, text, None))
    except Refused as error:
        reason = str(error)
    except smtplib.SMTPRecipientsRefused:
        reason = f"the mail server refused {to}"
    except smtplib.SMTPResponseException as error:
        reason = f"SMTP {error.smtp_code}"
    except (smtplib.SMTPException, OSError) as error:
        reason = f"the mail server could not be reached ({type(error).__name__})"
    else:
        reason = f"the mail server refused {to}" if refused else None
    if reason is not None:
        log.warning("staff e-mail %r to %s not sent: %s", subject, to, reason)
    return reason


def _invitation_mail(
    workspace: str, role: str, inviter: str, url: str, until: datetime
) -> tuple[str, str]:
    """The subject and text of an invitation to a workspace."""
    return (
        f"You are invited to {workspace} on Baton",
        f"{inviter} invites you to work in {workspace} on Baton, as {role}.\n\n"
        f"Accept before {minute_utc(until)}: {url}\n\n"
        "If you did not expect this, ignore this e-mail.\n",
    )


def _reset_mail(email: str, url: str, until: datetime) -> tuple[str, str]:
    """The subject and text of a password reset link."""
    return (
        "Choose a new Baton password",
        f"Someone, we hope you, asked to reset the Baton password of {email}.\n\n"
        f"Choose a new one before {minute_utc(until)}: {url}\n\n"
        "If it was not you, ignore this e-mail: your password stays as it is.\n",
    )
