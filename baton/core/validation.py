"""Definitions validated once at the edge, with errors that name the offending field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from baton.core.errors import InvalidInput

_M = TypeVar("_M", bound=BaseModel)


def validated(model: type[_M], data: Any) -> _M:
    """`data` as a `model`; InvalidInput naming the first field at fault otherwise."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = (str(part) for part in first["loc"])
        # pydantic names the member of a tagged union it tried (`@event`): not the user's key.
        field = ".".join(part for part in loc if not part.startswith("@")) or None
        message = first["msg"].removeprefix("Value error, ")
        raise InvalidInput(f"{field}: {message}" if field else message, field=field) from None
