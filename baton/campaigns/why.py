"""Why one person did or did not get a broadcast: in its audience or not, held out or
tried on a variant, and what became of their message (the dispatcher's decisions)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from baton.campaigns.engine import HOLDOUT, SAMPLE
from baton.campaigns.store import Broadcast, Status
from baton.core.formats import iso_instant
from baton.journeys import decisions_of, message_answer
from baton.storage.tables import broadcast_recipients, messages

_R = broadcast_recipients.c


def why_broadcast(connection: Connection, b: Broadcast, profile_id: str) -> dict[str, Any]:
    found: dict[str, Any] = {"broadcast": b.key, "status": b.status.value,
                             "profile_id": profile_id}  # fmt: skip
    recipient = connection.execute(
        select(_R.cohort, _R.variant, _R.queued).where(
            _R.broadcast_id == b.id, _R.profile_id == profile_id
        )
    ).first()
    if recipient is None:
        found["answer"] = _not_a_recipient(b)
        return found
    found.update(cohort=recipient.cohort, variant=recipient.variant)
    message = connection.execute(
        select(messages).where(messages.c.idempotency_key == f"broadcast:{b.id}:{profile_id}")
    ).first()
    if message is None:
        found["answer"] = _unqueued(b, recipient.cohort)
        return found
    found["message"] = {
        "id": message.id,
        "channel": message.channel,
        "template": message.template,
        "status": message.status,
        "reason": message.reason,
        "locale": message.locale,
        "due_at": iso_instant(message.due_at),
        "dispatched_at": iso_instant(message.dispatched_at),
        "decisions": decisions_of(connection, [message.id]).get(message.id, []),
    }
    tried = f" (A/B variant {recipient.variant})" if recipient.cohort == SAMPLE else ""
    found["answer"] = f"in the audience{tried}; {_message_answer(message)}"
    return found


def _not_a_recipient(b: Broadcast) -> str:
    if b.status in (Status.DRAFT, Status.SCHEDULED):
        return f"the broadcast is {b.status.value}: its audience is taken when it starts"
    if not b.row.snapshotted and b.status is not Status.CANCELLED:
        return "the audience is being taken: this profile is not in it yet"
    audience = b.definition.audience
    if audience.segment is not None:
        return f"not in segment {audience.segment!r} when the broadcast took its audience"
    return "not among the profiles the broadcast was given"


def _unqueued(b: Broadcast, cohort: str | None) -> str:
    if b.status is Status.CANCELLED:
        return "in the audience, but the broadcast was cancelled before their message"
    if cohort == "rest" and b.row.winner is None:
        return "in the audience; waits for the A/B test's winner"
    return "in the audience; their message is not queued yet"


def _message_answer(message: Any) -> str:
    if message.reason == "held_out":
        return f"held out ({HOLDOUT}): no message, to measure the broadcast's lift"
    return message_answer(message, f"{message.channel} {message.template}")
