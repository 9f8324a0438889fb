"""Named fault points: crash tests make a process die at a chosen point of its work.

`BATON_FAULT=<point>` in a process's environment makes it exit the moment it reaches that
point, as `kill -9` would: no cleanup, no flushing, open transactions left to the
database to roll back. Only test subprocesses set it; anywhere else every point is a
comparison of two strings. The points:

- `dispatch.leased`: the dispatcher committed its claim (remote messages are `sending`
  under a lease) and has called no provider yet.
- `dispatch.answered`: the providers answered; their outcomes are not recorded yet.
- `dispatch.recorded`: the outcomes are committed.
- `broadcast.queued`: a broadcast's batch of messages is in the outbox, not committed yet.
"""

from __future__ import annotations

import os

# A shell's exit status for a process killed by SIGKILL (128 + 9).
FAULT_EXIT_STATUS = 137

_CHOSEN = os.environ.get("BATON_FAULT")


def fault(point: str) -> None:
    """Exit at once, as `kill -9` would, when `BATON_FAULT` names this point."""
    if point == _CHOSEN:
        os._exit(FAULT_EXIT_STATUS)
