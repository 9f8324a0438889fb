"""The e-mail channel: SMTP with reused connections, and one-click unsubscribe.

Every marketing e-mail carries `List-Unsubscribe: <{links_url}/v1/unsubscribe/{token}>`
and `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): a POST to that URL
unsubscribes the recipient from the message's subscription group (or from all marketing
e-mail when it has none) with no further step. The token is signed and expires. It also
links to the person's preference page: where its template puts `preferences_url`, else
in a line added at its end.
"""

from __future__ import annotations

import os
import select
import smtplib
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import format_datetime, parseaddr
from typing import Any

from baton.channels.consent import EVERYTHING
from baton.channels.egress import Egress, Refused
from baton.channels.engagement import Tracker
from baton.channels.links import sign_link
from baton.channels.mime import address, compose, header_value
from baton.channels.preference_texts import pick_language
from baton.channels.preferences import footer
from baton.channels.senders import DELIVERED, FAILED, RETRY, Outcome, Outgoing
from baton.channels.settings import EmailSettings
from baton.channels.templates import PREFERENCES_URL
from baton.core.durations import parse_duration

_TIMEOUT = 20.0
_IDLE_PER_SERVER = 8


class SmtpPool:
    """Open SMTP sessions per server, reused across messages and threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[tuple[str, int, str, str | None], list[smtplib.SMTP]] = {}

    @contextmanager
    def session(self, settings: EmailSettings, egress: Egress) -> Iterator[smtplib.SMTP]:
        """An open session with the server, reached through `egress` (raises Refused)."""
        host, port, user, _ = settings.server
        key = (host, port, settings.security, user)
        with self._lock:
            idle = self._idle.setdefault(key, [])
            smtp = idle.pop() if idle else None
        if smtp is not None and (
            _closed_by_server(smtp) or not egress.permits_peer(host, smtp.sock)
        ):
            _close(smtp)
            smtp = None
        if smtp is None:
            smtp = _connect(settings, egress)
        try:
            yield smtp
        except BaseException:
            _close(smtp)
            raise
        with self._lock:
            if len(self._idle[key]) < _IDLE_PER_SERVER:
                self._idle[key].append(smtp)
                return
        _close(smtp)

    def forget(self) -> None:
        """Drop the sessions without closing them (a forked child's are its parent's)."""
        self._idle = {}
        self._lock = threading.Lock()


class _Checked:
    """An SMTP client that connects to the address the egress guard checked; STARTTLS
    and TLS still verify the server's name."""

    def __init__(self, address: str, *args: Any, **kwargs: Any) -> None:
        self._address = address
        super().__init__(*args, **kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return super()._get_socket(self._address, port, timeout)  # type: ignore[misc,no-any-return]


class _CheckedSMTP(_Checked, smtplib.SMTP):
    pass


class _CheckedSMTPS(_Checked, smtplib.SMTP_SSL):
    pass


def _connect(settings: EmailSettings, egress: Egress) -> smtplib.SMTP:
    host, port, user, password = settings.server
    address = egress.address(host, port)
    smtp: smtplib.SMTP
    if settings.security == "tls":
        context = ssl.create_default_context()
        smtp = _CheckedSMTPS(address, host, port, timeout=_TIMEOUT, context=context)
    else:
        smtp = _CheckedSMTP(address, host, port, timeout=_TIMEOUT)
        if settings.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if user is not None and password is not None:
        smtp.login(user, password)
    return smtp


def _closed_by_server(smtp: smtplib.SMTP) -> bool:
    """Whether an idle session has anything to read: the server has closed it (an idle
    timeout, a restart) or said so first (`421`). Sending on it would fail the message's
    attempt; looking costs no round trip."""
    if smtp.sock is None:
        return True
    poller = select.poll()
    poller.register(smtp.sock, select.POLLIN)
    return bool(poller.poll(0))


def _close(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


POOL = SmtpPool()
os.register_at_fork(after_in_child=POOL.forget)


def _mailbox(value: str) -> bool:
    """A bare address, nothing a header could be smuggled in with."""
    return "@" in value and not any(c.isspace() for c in value) and parseaddr(value)[1] == value


class SmtpSender:
    def __init__(
        self, settings: EmailSettings, pool: SmtpPool = POOL, egress: Egress | None = None
    ) -> None:
        self._settings = settings
        self._pool = pool
        self._egress = settings.egress if egress is None else egress

    def send(self, outgoing: Outgoing) -> Outcome:
        rendered = outgoing.rendered
        if rendered is None or rendered.subject is None:
            return Outcome(FAILED, "an e-mail needs a template with a subject")
        to = outgoing.data["profile"]["traits"].get("email")
        if not isinstance(to, str) or not _mailbox(to):
            return Outcome(FAILED, "the profile has no valid e-mail address")
        sender = parseaddr(self._settings.sender)[1]
        # Stable across retries, and traceable back to the message in bounce reports.
        message_id = f"<{outgoing.message_id}@{sender.rpartition('@')[2] or 'baton'}>"
        headers = [
            ("From", address(self._settings.sender)),
            ("To", to),
            ("Subject", header_value(rendered.subject)),
            ("Date", format_datetime(outgoing.at)),
            ("Message-ID", message_id),
        ]
        if not outgoing.transactional:
            headers.append(("List-Unsubscribe", f"<{self.unsubscribe_url(outgoing)}>"))
            headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
        body, text = rendered.html, rendered.text or ""
        if body is not None and self._settings.tracking:
            body = Tracker(self._settings, self._claims(outgoing), outgoing.at).rewrite(body)
        link = outgoing.data.get(PREFERENCES_URL)
        if not outgoing.transactional and isinstance(link, str):
            # Added after tracking: like List-Unsubscribe, a link no click is counted for.
            locale = outgoing.data["profile"]["traits"].get("locale")
            body, text = footer(body, text, link, pick_language(rendered.locale, locale, None))
        raw = compose(headers, text, body)
        try:
            with self._pool.session(self._settings, self._egress) as smtp:
                refused = smtp.sendmail(sender, [to], raw)
        except Refused as error:
            return Outcome(FAILED, str(error))
        except smtplib.SMTPRecipientsRefused as error:
            return Outcome(FAILED, f"recipient refused: {error.recipients}")
        except smtplib.SMTPResponseException as error:
            status = RETRY if 400 <= error.smtp_code < 500 else FAILED
            return Outcome(status, f"SMTP {error.smtp_code}: {error.smtp_error!r}")
        except (smtplib.SMTPException, OSError) as error:
            return Outcome(RETRY, f"SMTP connection failed: {type(error).__name__}")
        if refused:
            return Outcome(FAILED, f"recipient refused: {refused}")
        return Outcome(DELIVERED, "SMTP 250", provider_id=message_id)

    def unsubscribe_url(self, outgoing: Outgoing) -> str:
        claims = {**self._claims(outgoing), "g": outgoing.subscription_group or EVERYTHING}
        expires = outgoing.at + parse_duration(self._settings.link_lifetime)
        token = sign_link(self._settings.link_secret, claims, expires)
        return f"{self._settings.links_url.rstrip('/')}/v1/unsubscribe/{token}"

    @staticmethod
    def _claims(outgoing: Outgoing) -> dict[str, str]:
        return {"ws": outgoing.workspace_id, "p": outgoing.profile_id, "m": outgoing.message_id}
