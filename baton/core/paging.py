"""A listing read a page at a time, in key order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Page(Generic[T, K]):
    """`items`, and `after`: the key the next page starts after (None on the last page)."""

    items: list[T]
    after: K | None
