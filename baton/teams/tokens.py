"""Secret tokens (sessions, e-mailed links, API keys) are random and long, so a plain
SHA-256 is a sound one-way hash for them: only the digest is ever stored."""

from __future__ import annotations

import hashlib


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
