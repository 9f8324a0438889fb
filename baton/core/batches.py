"""Working in batches: slices of a long list, and keeping a queue moving when one item
in it cannot be processed."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError

T = TypeVar("T")
# The database, not an item, is at fault: retry the whole batch later.
UNAVAILABLE = (OperationalError, InterfaceError)


def one_at_a_time(
    process: Callable[[int], int], set_aside: Callable[[Exception], None], limit: int
) -> int:
    """After a batch failed: process its items one by one until the one that fails, which
    `set_aside` takes out of the queue (with its error). Returns how many items moved."""
    done = 0
    while done < limit:
        try:
            processed = process(1)
        except UNAVAILABLE:
            raise
        except Exception as error:
            set_aside(error)
            return done + 1
        if processed == 0:
            break
        done += processed
    return done


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
