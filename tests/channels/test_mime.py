"""E-mails Baton composes read back the same through the standard library's parser."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

from baton.channels.mime import address, compose, header_value


def test_a_message_reads_back_with_its_unicode_headers_and_parts() -> None:
    long_line = "é" * 300 + " end"
    raw = compose(
        [("From", address("Zoë Café <shop@acme.example>")), ("To", "ann@example.com"),
         ("Subject", header_value("Ünïcode ✓\r\nBcc: everyone@example.com"))],
        f"Hello\n{long_line}\n",
        "<p>Hello <b>Zoë</b></p>",
    )  # fmt: skip
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert b"\nBcc:" not in raw  # no header injection through a value
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    assert str(mail["Subject"]) == "Ünïcode ✓  Bcc: everyone@example.com"  # one line
    assert mail["From"].addresses[0].display_name == "Zoë Café"
    assert mail["From"].addresses[0].addr_spec == "shop@acme.example"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None
    assert html is not None
    assert text.get_content().splitlines() == ["Hello", long_line]
    assert html.get_content().splitlines() == ["<p>Hello <b>Zoë</b></p>"]


def test_a_text_only_message_has_no_multipart() -> None:
    mail = message_from_bytes(compose([("Subject", "Hi")], "Only text", None),
                              policy=policy.default)  # fmt: skip
    assert mail.get_content_type() == "text/plain"
    assert isinstance(mail, EmailMessage)
    assert mail.get_content().splitlines() == ["Only text"]
