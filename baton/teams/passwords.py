"""Passwords: hashed with argon2id, judged the way NIST SP 800-63B asks.

Length counts, composition rules do not: at least 15 characters (the minimum for a
password that is the only factor), at most 256, any characters. A password found on lists
of common or breached passwords, or guessable from patterns, words or the person's own
name and address, is refused (zxcvbn's lists and estimate, which that guidance names as
the kind of check to make).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from baton.core.errors import InvalidInput

SHORTEST = 15
LONGEST = 256
# zxcvbn's score 3: over 10^8 guesses, out of reach of an offline attack on argon2id.
_LEAST_SCORE = 3
# Letters and digits a password must keep once the person's own words are taken out.
_LEAST_OWN = 8

# argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane) rather than the library's
# 64 MiB: the login route is public, and each check in flight holds that much memory.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@cache
def _dummy() -> str:
    """Compared against when the account does not exist, so both cases take the same
    time; made on first use, not in every process that imports this."""
    return _hasher.hash("no account has this password: it only spends the same time")


def check_password(password: str, *, context: tuple[str, ...] = ()) -> None:
    """Raises InvalidInput saying why `password` may not be used; `context` holds the
    person's own words (e-mail, name) that make a password guessable."""
    password = _normalized(password)
    if len(password) < SHORTEST:
        raise InvalidInput(f"a password needs at least {SHORTEST} characters", field="password")
    if len(password) > LONGEST:
        raise InvalidInput(f"a password may have at most {LONGEST} characters", field="password")
    words = [w for text in context for w in re.split(r"[^\w]+", text.lower()) if len(w) > 2]
    rest = password.lower()
    for word in [*words, "baton"]:
        rest = rest.replace(word, "")
    if len(re.sub(r"[\W_]+", "", rest)) < _LEAST_OWN:
        raise InvalidInput(
            "choose another password: it is built on your own name or address, or this product's",
            field="password",
        )
    # Loaded when a password is chosen, not with every process: its lists take 13 MB.
    from zxcvbn import zxcvbn

    # zxcvbn's estimate is over the first 100 characters; a longer one is long enough.
    judged = zxcvbn(password[:100], user_inputs=[*words, "baton"])
    if judged["score"] < _LEAST_SCORE:
        warning = judged["feedback"].get("warning") or "it is too easy to guess"
        raise InvalidInput(
            f"choose another password: {warning.rstrip('.').lower()}. A few unrelated "
            "words make a long password that is easy to remember",
            field="password",
        )


def hash_password(password: str) -> str:
    return _hasher.hash(_normalized(password))


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether `password` is the one hashed; with no hash it spends the same time and
    answers False, so a response's timing does not tell which accounts exist."""
    try:
        return _hasher.verify(stored_hash or _dummy(), _normalized(password)) and bool(stored_hash)
    except (VerificationError, InvalidHashError):
        return False


def _normalized(password: str) -> str:
    # NIST: apply NFKC so the same password typed on another keyboard still matches.
    return unicodedata.normalize("NFKC", password)
