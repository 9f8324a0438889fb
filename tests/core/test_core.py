from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.core.clock import ManualClock
from baton.core.config import Settings, redact_url
from baton.core.errors import ConfigurationError
from baton.core.ids import encode, new_id
from baton.core.logging import JsonLines, RedactSecrets


def test_settings_defaults_and_environment() -> None:
    assert Settings.from_env({}) == Settings()
    assert Settings().database_url == "sqlite:///./var/baton.db"
    settings = Settings.from_env(
        {
            "BATON_DATABASE_URL": "postgresql://u:pw@db/baton",
            "BATON_HOST": "0.0.0.0",
            "BATON_PORT": "9000",
            "BATON_DEFAULT_REGION": "gb",
            "BATON_WRITE_KEY": "bw_secret_value_0001",
        }
    )
    assert (settings.host, settings.port, settings.default_region) == ("0.0.0.0", 9000, "GB")
    assert settings.write_key == "bw_secret_value_0001"
    assert "pw" not in repr(settings)
    assert "bw_secret_value_0001" not in repr(settings)
    assert settings.public_base() == "http://0.0.0.0:9000"
    public = Settings.from_env({"BATON_PUBLIC_URL": "https://baton.example.com/"})
    assert public.public_base() == "https://baton.example.com"


@pytest.mark.parametrize(
    "environ",
    [
        {"BATON_PORT": "0"},
        {"BATON_PORT": "x"},
        {"BATON_DEFAULT_REGION": "Narnia"},
        {"BATON_WRITE_KEY": "bw_short"},
        {"BATON_PUBLIC_URL": "javascript:alert(1)"},
        {"BATON_PUBLIC_URL": "https://evil.example\nX-Header: 1"},
    ],
)
def test_settings_errors(environ: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError):
        Settings.from_env(environ)


def test_redact_url() -> None:
    assert redact_url("postgresql://app:hunter2@db:5432/x") == "postgresql://app:***@db:5432/x"
    assert redact_url("sqlite:///./var/baton.db") == "sqlite:///./var/baton.db"


def test_manual_clock() -> None:
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    clock.advance(timedelta(days=7))
    assert clock.now() == datetime(2026, 1, 8, tzinfo=UTC)
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2026, 1, 1))  # noqa: DTZ001


def test_ids_increase_even_under_a_frozen_clock() -> None:
    frozen = datetime(2026, 1, 1, tzinfo=UTC)
    ids = [new_id("prof", frozen) for _ in range(1000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 1000
    assert new_id("prof", frozen + timedelta(seconds=1)) > ids[-1]


def test_secrets_are_redacted_from_log_records() -> None:
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "key %s and Authorization: Bearer %s",
        ("bw_abcdefghijk", "ba_zyxwvutsrq"),
        None,
    )
    RedactSecrets().filter(record)
    message = record.getMessage()
    assert "abcdefghijk" not in message
    assert "zyxwvutsrq" not in message
    assert "bw_***" in message


@given(st.integers(0, (1 << 48) - 1), st.integers(0, (1 << 80) - 1))
def test_ids_spell_their_time_and_randomness_digit_by_digit(millis: int, random: int) -> None:
    number, digits = (millis << 80) | random, []
    for _ in range(26):
        number, digit = divmod(number, 32)
        digits.append("0123456789abcdefghjkmnpqrstvwxyz"[digit])
    assert encode(millis, random) == "".join(reversed(digits))


def test_a_log_line_cannot_be_forged_by_a_client_value() -> None:
    forged = 'evt-1\n{"at": "2026-01-01", "level": "ERROR", "message": "admin logged in"}'
    record = logging.LogRecord("baton.x", logging.WARNING, __file__, 1, "bad event %s",
                               (forged,), None)  # fmt: skip
    try:
        raise ValueError("key bw_abcdefghijk in a traceback")
    except ValueError:
        record.exc_info = sys.exc_info()
    line = JsonLines().format(record)
    assert "\n" not in line
    parsed = orjson.loads(line)
    assert (parsed["level"], parsed["logger"]) == ("WARNING", "baton.x")
    assert parsed["message"] == f"bad event {forged}"
    assert "abcdefghijk" not in parsed["error"]
