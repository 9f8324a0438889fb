"""Whether a profile may enter a journey now: the entry rules, as one pure decision.

The engine and the simulator both ask it. They differ only in where the facts come from
(the database and the batch in hand, or the events replayed so far); exclusion groups,
which take a profile over from another journey, stay with the engine.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from baton.core.formats import iso_instant
from baton.journeys.definitions import Cooldown, JourneyDefinition
from baton.journeys.refusals import ALREADY_IN, AUDIENCE, PAUSED, REENTRY, Refusal
from baton.segments import Condition

# The verdict on a condition for the profile: `holds`, with whatever explains it.
Verdict = Callable[[Condition], dict[str, Any]]
# When the profile's latest instance of the journey ended; None if it never left one.
LastLeft = Callable[[], datetime | None]


def admission(
    definition: JourneyDefinition,
    now: datetime,
    *,
    paused: bool,
    inside: bool,
    last_left: LastLeft,
    audience: Verdict,
) -> Refusal | None:
    """None when the profile may enter; otherwise the first rule that refuses it.

    `inside`: the profile has a live instance of the journey. The engine answers
    `last_left` and `audience` from the database, so they are asked only when the rules
    before them let the profile in, and `last_left` only by a rule that reads it."""
    if paused:
        return Refusal(PAUSED, "the journey is paused")
    if inside:
        return Refusal(ALREADY_IN, "the profile is in this journey already")
    rule = definition.reentry
    left = None if rule == "after_exit" else last_left()
    if left is not None:
        if rule == "never":
            return Refusal(REENTRY, "the journey allows one entry per profile")
        if isinstance(rule, Cooldown) and left + rule.span > now:
            return Refusal(
                REENTRY,
                f"the profile left this journey less than {rule.cooldown} ago",
                {"left_at": iso_instant(left)},
            )
    if definition.audience is not None:
        verdict = audience(definition.audience)
        if not verdict["holds"]:
            return Refusal(
                AUDIENCE, "the profile is not in the journey's audience", {"audience": verdict}
            )
    return None
