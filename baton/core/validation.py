"""Definitions validated once at the edge, with errors that name the offending field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

import orjson
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


# A value met in a walk: the value, its key, and the entry of the value holding it.
_Entry = tuple[Any, str | None, "_Entry | None"]


def refuse_nul(value: Any, field: str | None = None) -> None:
    """InvalidInput naming where a JSON value (`field`, if it has a name) holds text with
    the NUL character, in a key or a string: PostgreSQL cannot store such text, so no
    backend takes it."""
    try:
        # JSON writes NUL as \u0000: where that is missing, no text holds one (found in C).
        if b"\\u0000" not in orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS):
            return
    except orjson.JSONEncodeError:  # not JSON (a YAML set, deep nesting): walked instead
        pass
    # The field is spelled out only once found: deep nesting makes long fields.
    pending: list[_Entry] = [(value, field, None)]
    while pending:
        entry = pending.pop()
        item = entry[0]
        if isinstance(item, str):
            if "\x00" in item:
                raise _holds_nul(entry)
        elif isinstance(item, dict):
            for key, child in item.items():
                if isinstance(key, str) and "\x00" in key:
                    raise _holds_nul(entry)
                pending.append((child, str(key), entry))
        elif isinstance(item, list):
            pending.extend((child, str(index), entry) for index, child in enumerate(item))


def _holds_nul(entry: _Entry | None) -> InvalidInput:
    keys = []
    while entry is not None:
        _, key, entry = entry
        if key is not None:
            keys.append(key)
    field = ".".join(reversed(keys)) or None
    message = "text may not hold the NUL character (\\u0000)"
    return InvalidInput(f"{field}: {message}" if field else message, field=field)
