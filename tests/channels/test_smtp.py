"""E-mail to a real SMTP server (aiosmtpd), on both databases: STARTTLS and implicit TLS
with a certificate made for the test, a 4xx reply retried, a 5xx dead-lettered with the
server's words, and one Message-ID however many attempts a message takes."""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from baton.channels.egress import Egress
from baton.channels.email import SmtpPool, SmtpSender
from baton.channels.senders import Outgoing
from baton.channels.settings import EmailSettings, save_settings
from baton.channels.template_store import save_template
from baton.channels.templates import Rendered, parse_template
from baton.core.clock import ManualClock
from baton.journeys.store import Journey
from baton.storage.database import write_transaction
from baton.storage.tables import message_attempts
from tests.channels.helpers import timeline
from tests.conftest import Workspace
from tests.identity.helpers import profile
from tests.journeys.helpers import deliver, messages_of, publish, run
from tests.segments.helpers import identify, track
from tests.servers import smtp_server


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate and its key, as PEM files."""

    cert: str
    key: str

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, self.key)
        return context


def make_certificate(folder: Path, name: str) -> Certificate:
    """A self-signed certificate for `name` (an IP address or a DNS name)."""
    cert, key = folder / f"{name}.pem", folder / f"{name}.key.pem"
    kind = "IP" if name[0].isdigit() else "DNS"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", f"/CN={name}", "-addext", f"subjectAltName={kind}:{name}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return Certificate(str(cert), str(key))


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("tls"), "127.0.0.1")


def trust(monkeypatch: pytest.MonkeyPatch, certificate: Certificate) -> None:
    """Make the test's certificate the one authority TLS clients of this process trust
    (OpenSSL reads SSL_CERT_FILE whenever a default context is made)."""
    monkeypatch.setenv("SSL_CERT_FILE", certificate.cert)


def mail_one(
    engine: Engine,
    clock: ManualClock,
    workspace_id: str,
    port: int,
    security: str,
    allow: tuple[str, ...] = ("127.0.0.1",),
) -> Journey:
    """An e-mail journey whose one message goes to the SMTP server on `port`, started for
    one person."""
    settings = EmailSettings(url=f"smtp://127.0.0.1:{port}", sender="Acme <news@acme.test>",
                             security=security, links_url="http://baton.test",
                             allow=list(allow))  # fmt: skip
    note = {"key": "note", "channel": "email", "subject": "A note", "text": "Hello"}
    with write_transaction(engine) as connection:
        save_settings(connection, workspace_id, "email", settings, clock.now())
        save_template(connection, workspace_id, parse_template(note), clock.now())
    send = {"type": "message", "channel": "email", "template": "note"}
    definition = {"key": "note", "name": "Note", "trigger": {"event": "Go"}, "start": "send"}
    journey = publish(engine, clock, workspace_id, {**definition, "nodes": {"send": send}})
    deliver(engine, clock, workspace_id, identify("ola", clock.now(), email="ola@example.com"))
    deliver(engine, clock, workspace_id, track("ola", "Go", clock.now()))
    return journey


def test_starttls_comes_before_any_mail(
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    certificate: Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    trust(monkeypatch, certificate)
    with smtp_server(starttls=certificate.server_context()) as (mailbox, port):
        journey = mail_one(engine, clock, workspace.id, port, "starttls")
    ((recipients, mail),) = mailbox.received
    assert recipients == ["ola@example.com"]
    assert mail["Subject"] == "A note"
    assert mailbox.encrypted == [True]
    assert messages_of(engine, journey)[0]["status"] == "delivered"


def test_implicit_tls_refuses_an_untrusted_certificate_then_delivers(
    engine: Engine,
    clock: ManualClock,
    workspace: Workspace,
    certificate: Certificate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with smtp_server(implicit_tls=certificate.server_context()) as (mailbox, port):
        # The system's authorities do not know the test's certificate: no mail leaves.
        journey = mail_one(engine, clock, workspace.id, port, "tls")
        (message,) = messages_of(engine, journey)
        assert (message["status"], message["attempts"]) == ("pending", 1)
        assert "SSLCertVerificationError" in message["detail"]
        assert mailbox.offered == []

        trust(monkeypatch, certificate)
        clock.advance(timedelta(minutes=2))
        run(engine, clock)
    ((recipients, _),) = mailbox.received
    assert recipients == ["ola@example.com"]
    assert mailbox.encrypted == [True]
    assert messages_of(engine, journey)[0]["status"] == "delivered"


def test_a_4xx_reply_is_retried_with_the_same_message_id(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    with smtp_server() as (mailbox, port):
        mailbox.refusals.append("451 4.3.0 Mailbox busy, try again later")
        journey = mail_one(engine, clock, workspace.id, port, "none")
        (message,) = messages_of(engine, journey)
        assert (message["status"], message["attempts"]) == ("pending", 1)
        assert "451" in message["detail"]
        assert "Mailbox busy" in message["detail"]
        assert mailbox.received == []

        clock.advance(timedelta(minutes=2))  # past the first backoff (30 s, ±20%)
        run(engine, clock)
    (message,) = messages_of(engine, journey)
    assert (message["status"], message["attempts"]) == ("delivered", 2)
    assert len(mailbox.received) == 1
    first, second = mailbox.offered
    assert first["Message-ID"] == second["Message-ID"]
    assert first["Message-ID"].startswith(f"<{message['id']}@")
    with engine.connect() as connection:
        outcomes = connection.execute(
            select(message_attempts.c.outcome)
            .where(message_attempts.c.message_id == message["id"])
            .order_by(message_attempts.c.n)
        ).scalars()
        assert list(outcomes) == ["retry", "delivered"]


def test_a_5xx_reply_is_dead_lettered_with_the_servers_error(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    with smtp_server() as (mailbox, port):
        mailbox.refusals.append("550 5.7.1 Message rejected by local policy")
        journey = mail_one(engine, clock, workspace.id, port, "none")
        clock.advance(timedelta(hours=2))  # long past any retry
        run(engine, clock)
    (message,) = messages_of(engine, journey)
    assert (message["status"], message["attempts"]) == ("failed", 1)
    assert "550" in message["detail"]
    assert "rejected by local policy" in message["detail"]
    assert len(mailbox.offered) == 1
    assert mailbox.received == []
    ola = profile(engine, workspace.id, "ola")["id"]
    (failed,) = timeline(engine, ola, "Message Failed")
    assert "rejected by local policy" in failed["error"]


def test_a_mail_server_on_a_private_address_is_refused_unless_allowed(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    with smtp_server() as (mailbox, port):
        journey = mail_one(engine, clock, workspace.id, port, "none", allow=())
    (message,) = messages_of(engine, journey)
    assert message["status"] == "failed"
    assert "127.0.0.1, which is not a public address" in message["detail"]
    assert mailbox.offered == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_checks_the_servers_name_on_the_address_the_guard_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    """`mail.test` resolves (once, through the guard) to 127.0.0.1, which the system
    cannot resolve it to: the mail arrives only if Baton dialled the checked address, and
    TLS accepts a certificate made for `mail.test` only if it checked that name."""
    named = make_certificate(tmp_path, "mail.test")
    trust(monkeypatch, named)
    context = named.server_context()
    starttls, implicit_tls = (context, None) if security == "starttls" else (None, context)
    with smtp_server(starttls, implicit_tls) as (mailbox, port):
        settings = EmailSettings(url=f"smtp://mail.test:{port}", sender="news@acme.test",
                                 security=security, links_url="http://baton.test")  # fmt: skip
        lookups: list[str] = []

        def dns(host: str, port: int) -> list[str]:
            lookups.append(host)
            return ["127.0.0.1"]

        sender = SmtpSender(settings, SmtpPool(), Egress(["mail.test"], resolve=dns))
        outcome = sender.send(outgoing_mail("ola@example.com"))
    assert outcome.status == "delivered", outcome.detail
    assert lookups == ["mail.test"]
    assert mailbox.encrypted == [True]
    ((recipients, _),) = mailbox.received
    assert recipients == ["ola@example.com"]


@pytest.mark.parametrize("security", ["none", "tls"])
def test_a_session_the_server_has_closed_is_not_reused(
    certificate: Certificate, monkeypatch: pytest.MonkeyPatch, security: str
) -> None:
    """A pooled session whose server has since closed it (restarted here; an idle
    timeout does the same) is dropped unused: the next message goes out on a new session
    at its first attempt, not into a failed one."""
    trust(monkeypatch, certificate)
    tls = certificate.server_context() if security == "tls" else None
    pool = SmtpPool()
    with smtp_server(implicit_tls=tls) as (before, port):
        settings = EmailSettings(url=f"smtp://127.0.0.1:{port}", sender="news@acme.test",
                                 security=security, links_url="http://baton.test")  # fmt: skip
        sender = SmtpSender(settings, pool, Egress(["127.0.0.1"]))
        assert sender.send(outgoing_mail("ola@example.com")).status == "delivered"
    with smtp_server(implicit_tls=tls, port=port) as (after, _):
        outcome = sender.send(outgoing_mail("ola@example.com"))
    assert outcome.status == "delivered", outcome.detail
    assert len(before.received) == 1
    assert len(after.received) == 1


def outgoing_mail(to: str) -> Outgoing:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    return Outgoing(
        "msg-1", "ws", "profile-1", "email", None, True, {}, "key-1", 1, at,
        {"profile": {"traits": {"email": to}}}, Rendered("email", subject="Hi", text="Hello"),
    )  # fmt: skip
