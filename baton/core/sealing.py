"""Secrets at rest: provider credentials and signing secrets are sealed (AES-256-GCM,
authenticated) before they reach the database, under a key the database never holds.

The key comes from `BATON_SECRET_KEY`, or, when that is unset, from `var/secret.key`,
generated once with mode 0600. Either may list several keys, newest first, one per line
(or comma-separated in the variable): values are sealed under the first and opened with
whichever sealed them, so `baton secrets rotate` can move every value to a new key while
processes that still hold the old list keep working. Each sealed value is bound to where
it is stored (its context), so it cannot be moved to another field or workspace.

Sealed values read `baton:v1:<key id>:<nonce and ciphertext, base64url>`. The nonce comes
from the operating system's random source, as AES-GCM requires, never from the seeded
random source the engine uses for its decisions.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
import threading
from collections.abc import Sequence
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from baton.core.config import Settings
from baton.core.errors import ConfigurationError

PREFIX = "baton:v1:"
KEY_FILE = Path("var") / "secret.key"
SHORTEST_KEY = 32
_NONCE = 12


def _derive(text: str) -> bytes:
    """A 256-bit key from an operator's key text (itself at least 32 random characters)."""
    return hashlib.sha256(b"baton secret key\0" + text.encode()).digest()


def key_id(text: str) -> str:
    return hashlib.sha256(b"baton key id\0" + text.encode()).hexdigest()[:8]


def new_key() -> str:
    return secrets.token_urlsafe(32)


class Keyring:
    """Keys by id, the first one current."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ConfigurationError("a keyring needs at least one key")
        for text in keys:
            if len(text) < SHORTEST_KEY:
                raise ConfigurationError(
                    f"secret keys must be at least {SHORTEST_KEY} characters long "
                    "(`baton secrets new-key` prints one)"
                )
        self.keys = tuple(keys)
        self.current = key_id(keys[0])
        self._ciphers = {key_id(text): AESGCM(_derive(text)) for text in keys}

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(_NONCE)
        sealed = self._ciphers[self.current].encrypt(nonce, plaintext.encode(), context.encode())
        encoded = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}{self.current}:{encoded}"

    def knows(self, value: str) -> bool:
        """Whether `value` is sealed under one of this keyring's keys."""
        return is_sealed(value) and value[len(PREFIX) :].partition(":")[0] in self._ciphers

    def unseal(self, value: str, context: str) -> str:
        kid, _, encoded = value[len(PREFIX) :].partition(":")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise ConfigurationError(
                f"a stored secret is sealed under key {kid}, which this process does not "
                "have: give it in BATON_SECRET_KEY (or var/secret.key) after the current key"
            )
        try:
            raw = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))
            return cipher.decrypt(raw[:_NONCE], raw[_NONCE:], context.encode()).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise ConfigurationError(
                f"a stored secret does not open under key {kid} for {context}: it was "
                "altered or moved"
            ) from None


def is_sealed(value: str) -> bool:
    return value.startswith(PREFIX)


def keys_from(text: str) -> list[str]:
    return [key for key in text.replace(",", "\n").split() if key]


def write_key_file(path: Path, keys: Sequence[str]) -> None:
    """Writes the keys, newest first, readable by the owner alone; atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(path.name + ".new")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write("".join(f"{key}\n" for key in keys))
    os.replace(scratch, path)


class KeySource:
    """Where this process's keys come from: the variable's text when set, else the key
    file (created on first use). The keyring is read once and read again when a value
    names a key it lacks, which is how a rotation reaches running processes."""

    def __init__(self, variable: str | None, key_file: Path = KEY_FILE) -> None:
        self.variable = variable
        self.key_file = key_file
        self.generated = False
        self._lock = threading.Lock()
        self._keyring: Keyring | None = None

    def keyring(self, reload: bool = False) -> Keyring:
        with self._lock:
            if self._keyring is None or reload:
                self._keyring = Keyring(self._read())
            return self._keyring

    def _read(self) -> list[str]:
        if self.variable:
            return keys_from(self.variable)
        if not self.key_file.exists():
            write_key_file(self.key_file, [new_key()])
            self.generated = True
        return keys_from(self.key_file.read_text())

    def seal(self, plaintext: str, context: str) -> str:
        return self.keyring().seal(plaintext, context)

    def resealed(self, value: str, context: str) -> str | None:
        """`value` sealed under the current key, or None when it already is (a rotation
        moves every stored secret with this)."""
        if value.startswith(f"{PREFIX}{self.keyring().current}:"):
            return None
        return self.seal(self.unseal(value, context), context)

    def unseal(self, value: str, context: str) -> str:
        """The plaintext of a sealed value; a value stored before sealing existed comes
        back as it is (`baton migrate` seals those)."""
        if not is_sealed(value):
            return value
        found = self.keyring()
        if not found.knows(value) and not self.variable:
            found = self.keyring(reload=True)
        return found.unseal(value, context)


_SOURCE: KeySource | None = None
_SOURCE_LOCK = threading.Lock()


def key_source() -> KeySource:
    """This process's key source, from `BATON_SECRET_KEY` or the key file."""
    global _SOURCE
    with _SOURCE_LOCK:
        if _SOURCE is None:
            _SOURCE = KeySource(Settings.from_env().secret_key)
        return _SOURCE
