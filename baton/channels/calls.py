"""HTTP calls to providers, and what their answers mean for a message: 2xx delivered;
a timeout, a dropped connection, 408, 425, 429 or 5xx worth retrying; anything else a
failure. Redirects are never followed."""

from __future__ import annotations

from typing import Any

import httpx

from baton.channels.senders import DELIVERED, FAILED, RETRY, Outcome

_RETRYABLE = frozenset({408, 425, 429})


def call(
    client: httpx.Client, method: str, url: str, *, timeout: float, **request: Any
) -> httpx.Response | Outcome:
    """The provider's response, or the outcome when none came."""
    try:
        return client.request(method, url, timeout=timeout, follow_redirects=False, **request)
    except httpx.TimeoutException:
        return Outcome(RETRY, f"no answer within {timeout:g}s")
    except httpx.TransportError as error:
        return Outcome(RETRY, f"connection failed: {type(error).__name__}")


def judge(response: httpx.Response, provider_id: str | None = None) -> Outcome:
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(DELIVERED, f"HTTP {status}", provider_id)
    detail = f"HTTP {status}: {response.text[:300]}"
    if status in _RETRYABLE or status >= 500:
        return Outcome(RETRY, detail)
    return Outcome(FAILED, detail)


def json_object(response: httpx.Response) -> dict[str, Any]:
    """The response's JSON object; empty when it has none."""
    try:
        found = response.json()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
