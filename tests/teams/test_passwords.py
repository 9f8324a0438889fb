"""Passwords: NIST 800-63B rules (length, no composition rules, common and guessable
ones refused) and argon2id hashes."""

from __future__ import annotations

import pytest

from baton.core.errors import InvalidInput
from baton.teams.passwords import check_password, hash_password, password_matches

GOOD = "correct horse battery staple"


def test_a_long_passphrase_is_accepted_without_digits_capitals_or_symbols() -> None:
    check_password(GOOD)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Tr0ub4dor&3x!", "at least 15 characters"),
        ("x" * 257, "at most 256"),
        ("passwordpassword", "choose another password"),
        ("123456789012345678", "choose another password"),
        ("qwertyuiopasdfghjkl", "choose another password"),
        ("aaaaaaaaaaaaaaaaaaaa", "choose another password"),
    ],
)
def test_short_long_common_and_patterned_passwords_are_refused(password: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as refused:
        check_password(password)
    assert refused.value.field == "password"


def test_a_password_made_of_the_persons_own_address_is_refused() -> None:
    own = "margaret.hamilton@example.com"
    check_password("margarethamilton2026")  # a stranger's name, guessable only slowly
    with pytest.raises(InvalidInput):
        check_password("margarethamilton2026", context=(own, "Margaret Hamilton"))


def test_hashes_are_argon2id_salted_and_checked_after_nfkc() -> None:
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert first != second
    assert password_matches(first, GOOD)
    assert not password_matches(first, GOOD + " ")
    # The same password typed with a full-width letter, as some keyboards produce it.
    assert password_matches(hash_password("\uff43orrect horse battery staple"), GOOD)


def test_no_account_never_matches() -> None:
    assert not password_matches(None, GOOD)
    assert not password_matches("not a hash", GOOD)
