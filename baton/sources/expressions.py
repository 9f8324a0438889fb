"""JSONPath-like expressions that pick values out of a webhook's payload.

`$` is the payload; `.name` or `["name"]` a member of an object; `[2]` an item of an
array (`[-1]` the last); `[*]` every item, which makes the result a list of what the rest
of the path finds in each. A path that leads nowhere finds None (an empty list under
`[*]`): a payload missing an optional field is no error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import orjson

MAX_LENGTH = 300
MAX_STEPS = 20


class _Every:
    """The `[*]` step."""

    def __repr__(self) -> str:
        return "EVERY"


EVERY = _Every()
Step = str | int | _Every

_NAME = re.compile(r"\.([A-Za-z0-9_-]+)")
_BRACKET = re.compile(r'\[(?:(-?\d{1,9})|(\*)|"((?:[^"\\]|\\.)*)")\]')
_PLAIN = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True, slots=True)
class Expression:
    steps: tuple[Step, ...]

    def __str__(self) -> str:
        parts = ["$"]
        for step in self.steps:
            if step is EVERY:
                parts.append("[*]")
            elif isinstance(step, int):
                parts.append(f"[{step}]")
            elif isinstance(step, str) and _PLAIN.fullmatch(step):
                parts.append(f".{step}")
            else:
                parts.append(f"[{orjson.dumps(step).decode()}]")
        return "".join(parts)

    def find(self, payload: Any) -> Any:
        """What the path leads to in `payload`."""
        found = _walk(payload, self.steps)
        return [] if found is None and EVERY in self.steps else found


def is_expression(value: Any) -> bool:
    """Whether a mapping's value is an expression (a text starting with `$`) rather than
    a literal."""
    return isinstance(value, str) and value.startswith("$")


def parse(text: str) -> Expression:
    """ValueError saying where `text` is not an expression."""
    if len(text) > MAX_LENGTH:
        raise ValueError(f"an expression has at most {MAX_LENGTH} characters")
    if not text.startswith("$"):
        raise ValueError("an expression starts with $")
    steps: list[Step] = []
    at = 1
    while at < len(text):
        name = _NAME.match(text, at)
        bracket = None if name else _BRACKET.match(text, at)
        if name is not None:
            steps.append(name[1])
            at = name.end()
        elif bracket is not None:
            index, every, quoted = bracket.groups()
            if every:
                steps.append(EVERY)
            elif index is not None:
                steps.append(int(index))
            else:
                steps.append(orjson.loads(f'"{quoted}"'))
            at = bracket.end()
        else:
            raise ValueError(f"unexpected {text[at : at + 10]!r} at character {at + 1}")
        if len(steps) > MAX_STEPS:
            raise ValueError(f"an expression has at most {MAX_STEPS} steps")
    return Expression(tuple(steps))


def _walk(value: Any, steps: tuple[Step, ...]) -> Any:
    for position, step in enumerate(steps):
        if step is EVERY:
            if not isinstance(value, list):
                return []
            rest = steps[position + 1 :]
            found = (_walk(item, rest) for item in value)
            return [item for item in found if item is not None]
        if isinstance(step, int):
            if not isinstance(value, list) or not -len(value) <= step < len(value):
                return None
            value = value[step]
        elif isinstance(value, dict):
            value = value.get(step)
        else:
            return None
    return value
