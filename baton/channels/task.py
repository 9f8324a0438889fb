"""The task channel: a task for a sales or support person, posted to the CRM's webhook
with a summary of the profile and signed like webhooks (baton/channels/signatures.py)."""

from __future__ import annotations

import orjson

from baton.channels.calls import call, judge
from baton.channels.senders import Outcome, Outgoing
from baton.channels.settings import TaskSettings
from baton.channels.signatures import signed_headers


class TaskSender:
    def __init__(self, settings: TaskSettings) -> None:
        self._settings = settings

    def send(self, outgoing: Outgoing) -> Outcome:
        rendered = outgoing.rendered
        profile = outgoing.data["profile"]
        task = {
            "type": "task",
            "message_id": outgoing.message_id,
            "title": rendered and (rendered.title or rendered.subject),
            "body": rendered and (rendered.body or rendered.text),
            "journey": outgoing.data["journey"],
            "profile": {
                "id": profile["id"],
                "traits": profile["traits"],
                "computed": profile["computed"],
            },
            "event": outgoing.data["event"],
        }
        content = orjson.dumps(task)
        response = call(
            "POST",
            self._settings.url,
            timeout=self._settings.seconds,
            egress=self._settings.egress,
            content=content,
            headers=signed_headers(
                outgoing, self._settings.secrets_of("secret", outgoing.at), content
            ),
        )
        return response if isinstance(response, Outcome) else judge(response)
