"""Real servers standing in for providers: an SMTP server (aiosmtpd) and a programmable
HTTP server, both on free loopback ports."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    """What the server accepted (`received`, and whether each came encrypted), every
    message offered to it, refused ones too (`offered`), and the replies it gives before
    accepting again (`refusals`, in turn)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], Message]] = []
        self.encrypted: list[bool] = []
        self.offered: list[Message] = []
        self.refusals: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content)
        self.offered.append(message)
        if self.refusals:
            return self.refusals.pop(0)
        self.received.append((list(envelope.rcpt_tos), message))
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(
    starttls: ssl.SSLContext | None = None,
    implicit_tls: ssl.SSLContext | None = None,
    port: int | None = None,
) -> Iterator[tuple[Mailbox, int]]:
    """Plain SMTP; with `starttls`, a server that takes mail only after STARTTLS; with
    `implicit_tls`, TLS from the first byte (SMTPS). On a free port unless given one."""
    mailbox, port = Mailbox(), port or free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        ssl_context=implicit_tls,
        tls_context=starttls,
        require_starttls=starttls is not None,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


class Request:
    def __init__(self, method: str, path: str, headers: dict[str, str], body: bytes) -> None:
        self.method, self.path, self.headers, self.body = method, path, headers, body


# What a route answers: (status, headers, body).
Answer = tuple[int, dict[str, str], bytes]


class HttpServer:
    """Records every request and answers with `respond` (changeable mid-test); with
    `keep_alive`, it speaks HTTP/1.1 and keeps connections open as providers do."""

    def __init__(self, respond: Callable[[Request], Answer], keep_alive: bool = False) -> None:
        self.requests: list[Request] = []
        self.respond = respond
        self._lock = threading.Lock()
        self._connections = 0
        self._last_seen = time.monotonic()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1" if keep_alive else "HTTP/1.0"

            def handle(self) -> None:
                with owner._lock:
                    owner._connections += 1
                try:
                    super().handle()
                finally:
                    with owner._lock:
                        owner._connections -= 1
                        owner._last_seen = time.monotonic()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                with owner._lock:
                    owner.requests.append(request)
                status, headers, body = owner.respond(request)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def settle(self, quiet: float = 0.3, timeout: float = 10) -> None:
        """Wait until no connection is open and none has closed for `quiet` seconds: a
        client killed mid-call leaves requests the kernel still hands over after it died."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self._connections == 0 and time.monotonic() - self._last_seen >= quiet:
                    return
            time.sleep(0.05)
        raise AssertionError("the provider kept receiving calls")

    def __enter__(self) -> HttpServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
