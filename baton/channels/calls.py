"""HTTP calls to providers, and what their answers mean for a message: 2xx delivered;
a timeout, a dropped connection, 408, 425, 429 or 5xx worth retrying; anything else a
failure. Redirects are never followed, and every connection passes the egress guard
(baton/channels/egress.py): it goes to the address that was checked, never to a second
lookup of the name.

Calls go through the standard library's `http.client`, one kept-alive connection per
sending thread and server. Delivery is where Baton makes most of its HTTP requests, and
there httpx cost three times the CPU per request (its connection pool's lock and its
layers): 1,450 against 4,550 requests/s from 16 threads to a local server
(docs/performance.md). httpx stays for everything else.
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import ssl
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson

from baton.channels.egress import Egress, Refused
from baton.channels.senders import DELIVERED, FAILED, RETRY, Outcome

_RETRYABLE = frozenset({408, 425, 429})
_LONGEST_ANSWER = 1 << 20
_LOCAL = threading.local()


def _forget_connections() -> None:
    """A forked child must not share its parent's sockets."""
    global _LOCAL
    _LOCAL = threading.local()


os.register_at_fork(after_in_child=_forget_connections)


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return orjson.loads(self.body)


def call(
    method: str,
    url: str,
    *,
    timeout: float,
    egress: Egress,
    headers: dict[str, str] | None = None,
    content: bytes | None = None,
    json: Any = None,
    data: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
) -> Answer | Outcome:
    """The provider's answer, or the outcome when none came (FAILED when `egress` refuses
    the address). The body is `content`, or `json` serialized, or `data` form-encoded;
    `auth` is HTTP Basic."""
    sent = dict(headers or {})
    body = content
    if json is not None:
        body = orjson.dumps(json)
        sent.setdefault("Content-Type", "application/json")
    elif data is not None:
        body = urlencode(data).encode()
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    if auth is not None:
        sent["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
    try:
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "", parts.port)
    except ValueError as error:
        return Outcome(FAILED, f"not a URL: {error}")
    if key[0] not in ("http", "https") or not key[1]:
        return Outcome(FAILED, f"only http and https URLs with a host are called, not {url!r}")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    for fresh in (False, True):
        try:
            connection = _connection(key, timeout, fresh, egress)
        except Refused as error:
            return Outcome(FAILED, str(error))
        try:
            connection.request(method, target, body=body, headers=sent)
            response = connection.getresponse()
            answer = Answer(response.status, response.read(_LONGEST_ANSWER))
            if response.will_close:
                _drop(key)
            return answer
        except TimeoutError:
            _drop(key)
            return Outcome(RETRY, f"no answer within {timeout:g}s")
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            _drop(key)
            if fresh:
                return Outcome(RETRY, "connection failed: the server closed it")
            # A kept-alive connection the server had closed meanwhile: once more, anew.
        except (OSError, http.client.HTTPException) as error:
            _drop(key)
            return Outcome(RETRY, f"connection failed: {type(error).__name__}")
    raise AssertionError("unreachable")


def _connection(
    key: tuple[str, str, int | None], timeout: float, fresh: bool, egress: Egress
) -> http.client.HTTPConnection:
    found = _connections()
    scheme, host, port = key
    connection = None if fresh else found.get(key)
    if connection is not None and not egress.permits_peer(host, connection.sock):
        _drop(key)
        connection = None
    if connection is None:
        port = port or (443 if scheme == "https" else 80)
        address = egress.address(host, port)
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=_tls())
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)

        def connect_checked(
            _: tuple[str, int], *args: Any, address: str = address, port: int = port
        ) -> socket.socket:
            # http.client's own lookup of the name is replaced by the checked address; the
            # Host header and TLS (SNI, certificate) still use the name.
            return socket.create_connection((address, port), *args)

        connection._create_connection = connect_checked  # type: ignore[attr-defined]
        found[key] = connection
    elif connection.sock is not None:
        connection.sock.settimeout(timeout)
    connection.timeout = timeout
    return connection


def _connections() -> dict[tuple[str, str, int | None], http.client.HTTPConnection]:
    """This thread's open connections, by server."""
    found = getattr(_LOCAL, "connections", None)
    if found is None:
        found = _LOCAL.connections = {}
    return found


def _drop(key: tuple[str, str, int | None]) -> None:
    connection = _connections().pop(key, None)
    if connection is not None:
        connection.close()


@cache
def _tls() -> ssl.SSLContext:
    return ssl.create_default_context()


def judge(answer: Answer, provider_id: str | None = None) -> Outcome:
    status = answer.status_code
    if 200 <= status < 300:
        return Outcome(DELIVERED, f"HTTP {status}", provider_id)
    detail = f"HTTP {status}: {answer.text[:300]}"
    if status in _RETRYABLE or status >= 500:
        return Outcome(RETRY, detail)
    return Outcome(FAILED, detail)


def json_object(answer: Answer) -> dict[str, Any]:
    """The answer's JSON object; empty when it has none."""
    try:
        found = answer.json()
    except orjson.JSONDecodeError:
        return {}
    return found if isinstance(found, dict) else {}
