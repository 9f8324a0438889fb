"""Bodies attacked over a raw socket, on both databases: an unauthenticated request is
refused before its body is read (the server answers while most of the body is still
unsent), and each route family has its bound (admin 1 MB, callbacks 64 KB), streamed or
declared."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from tests.api.test_profiles import bearer
from tests.conftest import Workspace

EIGHT_MB = 8 * 1024 * 1024


def first_answer(server_url: str, path: str, headers: dict[str, str], declared: int) -> int:
    """Sends the headers of a POST declaring `declared` bytes of body, then 1 KB of it,
    and returns the status of the answer that comes before the rest is sent."""
    parts = urlsplit(server_url)
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
        lines = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}",
                 "Content-Type: application/json", f"Content-Length: {declared}",
                 *(f"{name}: {value}" for name, value in headers.items())]  # fmt: skip
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + b"[" * 1024)
        try:
            status_line = connection.makefile("rb").readline()
        except TimeoutError:
            pytest.fail(f"no answer to {path} before its body was sent: the server reads it")
    return int(status_line.split()[1])


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/api/v1/segments", {}),
        ("/api/v1/segments", {"Authorization": "Bearer not-a-token"}),
        ("/api/v1/channels/webhook", {"Authorization": "Basic eDo="}),
    ],
)
def test_admin_credentials_are_checked_before_the_body(
    server_url: str, path: str, headers: dict[str, str]
) -> None:
    assert first_answer(server_url, path, headers, EIGHT_MB) == 401


def test_a_bounce_report_without_its_token_is_refused_before_the_body(
    server_url: str, client: httpx.Client, workspace: Workspace
) -> None:
    email = {"url": "smtp://mail.example.com", "sender": "s@acme.example",
             "links_url": "https://baton.example",
             "feedback_secret": "feedback-secret-0123"}  # fmt: skip
    admin = bearer(workspace.admin_token)
    assert client.put("/api/v1/channels/email", json=email, headers=admin).status_code == 200
    feedback = f"/v1/channels/email/{workspace.id}/feedback"
    assert first_answer(server_url, feedback, {"Authorization": "Bearer wrong"}, 50_000) == 401
    assert first_answer(server_url, feedback, bearer("feedback-secret-0123"), EIGHT_MB) == 413
    streamed = client.post(
        feedback, content=chunks(100 * 1024), headers=bearer("feedback-secret-0123")
    )
    assert streamed.status_code == 413
    jeton = "Bearer jeton-é".encode()
    non_ascii = client.post(feedback, json=[], headers=[(b"Authorization", jeton)])
    assert non_ascii.status_code == 401


def test_declared_bodies_over_the_bound_are_refused_before_they_are_read(
    server_url: str, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    assert first_answer(server_url, "/api/v1/segments", admin, 1024 * 1024 + 1) == 413
    unsubscribe = "/v1/unsubscribe/anything"
    assert first_answer(server_url, unsubscribe, {}, 64 * 1024 + 1) == 413


def chunks(total: int) -> Iterator[bytes]:
    """A body with no declared length, sent in pieces."""
    sent = 0
    while sent < total:
        piece = min(64 * 1024, total - sent)
        sent += piece
        yield b" " * piece


def test_streamed_bodies_are_cut_off_at_the_bound(
    client: httpx.Client, workspace: Workspace
) -> None:
    admin = bearer(workspace.admin_token)
    answer = client.post("/api/v1/segments", content=chunks(2 * 1024 * 1024), headers=admin)
    assert answer.status_code == 413, answer.text
    assert answer.json()["error"]["code"] == "too_large"


def test_a_non_ascii_token_is_a_401_not_a_500(client: httpx.Client) -> None:
    for header in ("Bearer jeton-é", "Bearer \u202e", "Basic w6k6"):
        answer = client.get("/api/v1/segments", headers=[(b"Authorization", header.encode())])
        assert answer.status_code == 401, header
