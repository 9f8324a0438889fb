"""Baton's exception hierarchy; the API maps each class to one HTTP status."""

from __future__ import annotations


class BatonError(Exception):
    """Base class: a message for people, a stable code for programs, the field at fault."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(BatonError):
    code = "invalid"


class PayloadTooLarge(BatonError):
    code = "too_large"


class Unauthorized(BatonError):
    code = "unauthorized"


class Forbidden(BatonError):
    """The caller is known but its role does not allow this."""

    code = "forbidden"


class TooManyRequests(BatonError):
    """The caller failed to authenticate too often, or sends events faster than its
    workspace may: it must wait `retry_after` seconds before trying again."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(BatonError):
    code = "not_found"


class Conflict(BatonError):
    """The request contradicts the stored state (e.g. deleting what others depend on)."""

    code = "conflict"


class Busy(BatonError):
    """The work could not be done now because of others' work; trying again will."""

    code = "busy"


class ConfigurationError(BatonError):
    code = "configuration"
