"""Sealing secrets at rest: what one key seals only that key opens, only in the place it
was sealed for, and any change to the stored value is caught."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from baton.core.errors import ConfigurationError
from baton.core.sealing import PREFIX, Keyring, KeySource, key_id, keys_from, write_key_file

OLD = "old-key-old-key-old-key-old-key-0001"
NEW = "new-key-new-key-new-key-new-key-0002"


def test_a_sealed_value_opens_with_its_key_in_its_context_only() -> None:
    ring = Keyring([OLD])
    sealed = ring.seal("smtp-password", "channel_settings/ws1/email/url")
    assert sealed.startswith(f"{PREFIX}{key_id(OLD)}:")
    assert "smtp-password" not in sealed
    assert ring.unseal(sealed, "channel_settings/ws1/email/url") == "smtp-password"
    assert ring.seal("smtp-password", "c") != ring.seal("smtp-password", "c")  # fresh nonce
    with pytest.raises(ConfigurationError, match="altered or moved"):
        ring.unseal(sealed, "channel_settings/ws2/email/url")  # another workspace's place
    flipped = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + sealed[-1]
    with pytest.raises(ConfigurationError, match="altered or moved"):
        ring.unseal(flipped, "channel_settings/ws1/email/url")
    with pytest.raises(ConfigurationError, match="does not have"):
        Keyring([NEW]).unseal(sealed, "channel_settings/ws1/email/url")


def test_a_keyring_seals_under_its_first_key_and_opens_under_any() -> None:
    before = Keyring([OLD]).seal("token", "c")
    ring = Keyring(keys_from(f"{NEW}, {OLD}"))
    assert ring.unseal(before, "c") == "token"
    assert ring.seal("token", "c").startswith(f"{PREFIX}{key_id(NEW)}:")


def test_short_keys_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="at least 32 characters"):
        Keyring(["too-short"])


def test_without_a_variable_the_key_file_is_generated_once_for_the_owner_alone(
    tmp_path: Path,
) -> None:
    path = tmp_path / "var" / "secret.key"
    source = KeySource(None, path)
    sealed = source.seal("bot-token", "c")
    assert source.generated
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = KeySource(None, path)
    assert again.unseal(sealed, "c") == "bot-token"
    assert not again.generated


def test_a_process_meets_a_rotated_key_by_reading_the_file_again(tmp_path: Path) -> None:
    path = tmp_path / "secret.key"
    write_key_file(path, [OLD])
    running = KeySource(None, path)
    assert running.unseal(running.seal("x", "c"), "c") == "x"
    write_key_file(path, [NEW, OLD])  # `baton secrets rotate` in another process
    resealed = KeySource(None, path).seal("y", "c")
    assert running.unseal(resealed, "c") == "y"
    assert running.unseal("stored before sealing", "c") == "stored before sealing"
