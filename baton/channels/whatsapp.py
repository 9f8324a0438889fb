"""The WhatsApp channel, through Twilio's Messages API as SMS is (baton/channels/sms.py):
to `whatsapp:+E.164` from a WhatsApp sender.

WhatsApp lets a business write first only with a template Meta approved: the Baton
template's `whatsapp` names it (a Content API `ContentSid`) and renders its variables
(`ContentVariables`). Free-form text (the template's `body`) may go only within 24 hours
of the person's last message to the business (a `WhatsApp Received` event, which only
Baton's verified Twilio paths record, timed by when Baton received it); inside that
window a body is sent as it is, outside it the approved template goes, and a message
with neither is skipped. Receipts come back like SMS's, `read` among them
(`WhatsApp Read`, an open).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, func, select

from baton.channels.senders import FAILED, SKIPPED, Outcome, Outgoing
from baton.channels.settings import WhatsAppSettings
from baton.channels.sms import phone_of, post_message
from baton.identity import merge_tree
from baton.storage.database import among
from baton.storage.tables import events

WHATSAPP_RECEIVED = "WhatsApp Received"
# Meta's customer service window: free-form messages only this long after the person's.
WINDOW = timedelta(hours=24)
# The reason of a skip: outside the window, and the template names no approved one.
OUTSIDE_WINDOW = "whatsapp_window"


def last_received(
    connection: Connection, workspace_id: str, profile_ids: Sequence[str], now: datetime
) -> dict[str, datetime]:
    """When Baton last received a WhatsApp message from each profile (under any id merged
    into it), for the profiles that ever wrote. The provider's own timestamp is not what
    counts, and no time after `now` does."""
    found: dict[str, datetime] = {}
    for profile_id in dict.fromkeys(profile_ids):
        ids = sorted(merge_tree(connection, workspace_id, profile_id))
        at = connection.execute(
            select(func.max(events.c.received_at)).where(
                events.c.workspace_id == workspace_id,
                among(events.c.profile_id, ids, connection.dialect),
                events.c.event == WHATSAPP_RECEIVED,
                events.c.received_at <= now,
            )
        ).scalar()
        if at is not None:
            found[profile_id] = at
    return found


class WhatsAppSender:
    def __init__(self, settings: WhatsAppSettings) -> None:
        self._settings = settings

    def send(self, outgoing: Outgoing) -> Outcome:
        rendered = outgoing.rendered
        if rendered is None:
            return Outcome(FAILED, "a WhatsApp message needs a template")
        phone = phone_of(self._settings, outgoing)
        if phone is None:
            return Outcome(FAILED, "the profile has no valid phone number")
        form: dict[str, Any] = {"To": f"whatsapp:{phone}"}
        replied = outgoing.replied_at
        if rendered.body and replied is not None and outgoing.at - replied < WINDOW:
            form["Body"] = rendered.body
        elif rendered.whatsapp is not None:
            form["ContentSid"] = rendered.whatsapp["content_sid"]
            if rendered.whatsapp["variables"]:
                form["ContentVariables"] = orjson.dumps(rendered.whatsapp["variables"]).decode()
        else:
            return Outcome(SKIPPED, OUTSIDE_WINDOW)
        return post_message(self._settings, outgoing, form)
