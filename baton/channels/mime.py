"""E-mail messages as bytes: headers, then a text part and an optional HTML alternative,
both UTF-8 in quoted-printable. Written directly because the standard library's
`email` package spent most of an e-mail's CPU time parsing and refolding the headers it
was given (docs/performance.md)."""

from __future__ import annotations

import binascii
import secrets
from email.header import Header
from email.utils import formataddr, parseaddr

_CRLF = b"\r\n"


def header_value(value: str) -> str:
    """A header value on one line (no line break can inject a header), as is when ASCII,
    else as RFC 2047 encoded-words."""
    value = value.replace("\r", " ").replace("\n", " ")
    return value if value.isascii() else Header(value, "utf-8").encode()


def address(value: str) -> str:
    """`Name <user@host>` with a non-ASCII name encoded."""
    name, mailbox = parseaddr(value)
    return formataddr((name, mailbox), charset="utf-8") if name else mailbox


def compose(headers: list[tuple[str, str]], text: str, html: str | None) -> bytes:
    """The message: `headers` (values ready to send: see `header_value`), a text part
    and, when given, an HTML alternative."""
    lines = [f"{name}: {value}".encode() for name, value in headers]
    lines.append(b"MIME-Version: 1.0")
    if html is None:
        return _CRLF.join([*lines, *_part("plain", text)]) + _CRLF
    boundary = f"=_baton_{secrets.token_hex(12)}".encode()
    lines.append(b'Content-Type: multipart/alternative; boundary="' + boundary + b'"')
    lines.append(b"")
    for subtype, body in (("plain", text), ("html", html)):
        lines.append(b"--" + boundary)
        lines.extend(_part(subtype, body))
    lines.append(b"--" + boundary + b"--")
    return _CRLF.join(lines) + _CRLF


def _part(subtype: str, body: str) -> list[bytes]:
    encoded = binascii.b2a_qp(body.replace("\r\n", "\n").encode(), istext=True)
    return [
        f"Content-Type: text/{subtype}; charset=utf-8".encode(),
        b"Content-Transfer-Encoding: quoted-printable",
        b"",
        encoded.replace(b"\n", _CRLF),
    ]
