"""Definitions validated once at the edge, with errors that name the offending field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from baton.core.errors import InvalidInput

_M = TypeVar("_M", bound=BaseModel)


def validated(model: type[_M], data: Any) -> _M:
    """`data` as a `model`; InvalidInput naming the first field at fault otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise invalid_input(error.errors()[0]) from None


def invalid_input(error: Mapping[str, Any], *, skip: int = 0) -> InvalidInput:
    """One pydantic error as InvalidInput naming the field at fault (`caps.0.max`); the
    first `skip` parts of its location are not the user's keys (FastAPI's `body`)."""
    loc = (str(part) for part in error["loc"][skip:])
    # pydantic names the member of a tagged union it tried (`@event`): not the user's key.
    field = ".".join(part for part in loc if not part.startswith("@")) or None
    message = str(error["msg"]).removeprefix("Value error, ")
    return InvalidInput(f"{field}: {message}" if field else message, field=field)
