"""Cleaning identifiers and traits: what counts as the same e-mail, phone or trait name."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

USER_ID = "user_id"
ANONYMOUS_ID = "anonymous_id"
EMAIL = "email"
PHONE = "phone"
BUILTIN_KINDS = frozenset({USER_ID, ANONYMOUS_ID, EMAIL, PHONE})

# Segment's reserved traits that are commonly sent in snake_case as well.
_RESERVED_SPELLINGS = {
    "first_name": "firstName",
    "last_name": "lastName",
    "created_at": "createdAt",
    "e_mail": "email",
    "phone_number": "phone",
    "time_zone": "timezone",
}
_CUSTOM_KIND = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@lru_cache(maxsize=65_536)
def normalize_email(value: str) -> str | None:
    """The e-mail trimmed and lower-cased, or None when it is not a valid address."""
    candidate = value.strip()
    if not candidate or len(candidate) > 320:
        return None
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError:
        return None
    return str(checked.normalized).lower()


@lru_cache(maxsize=65_536)
def normalize_phone(value: str, default_region: str) -> str | None:
    """The phone number in E.164, or None when it is not a valid number."""
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def normalize_identifier(kind: str, value: str, default_region: str) -> str | None:
    """The canonical form of an identifier value of any kind, or None if unusable."""
    if kind == EMAIL:
        return normalize_email(value)
    if kind == PHONE:
        return normalize_phone(value, default_region)
    value = value.strip()
    return value or None


def canonical_traits(traits: dict[str, Any]) -> dict[str, Any]:
    """Traits with reserved names in one spelling, so `first_name` and `firstName` agree."""
    if not any(key in _RESERVED_SPELLINGS for key in traits):
        return traits
    return {_RESERVED_SPELLINGS.get(key, key): value for key, value in traits.items()}


def custom_kind(external_type: Any) -> str | None:
    """The identifier kind for a Segment `context.externalIds[].type`, or None if unusable."""
    if not isinstance(external_type, str):
        return None
    kind = external_type.strip().lower().replace("-", "_").replace(" ", "_")
    if not _CUSTOM_KIND.match(kind) or kind in BUILTIN_KINDS:
        return None
    return kind
