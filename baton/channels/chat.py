"""The chat channel: the Telegram Bot API's `sendMessage`, to the chat id kept in a
profile trait."""

from __future__ import annotations

from baton.channels.calls import call, json_object, judge
from baton.channels.senders import FAILED, Outcome, Outgoing
from baton.channels.settings import ChatSettings


class ChatSender:
    def __init__(self, settings: ChatSettings) -> None:
        self._settings = settings

    def send(self, outgoing: Outgoing) -> Outcome:
        rendered = outgoing.rendered
        if rendered is None or not rendered.body:
            return Outcome(FAILED, "a chat message needs a template with a body")
        chat_id = outgoing.data["profile"]["traits"].get(self._settings.chat_id_trait)
        if not isinstance(chat_id, str | int) or isinstance(chat_id, bool):
            return Outcome(FAILED, f"the profile has no {self._settings.chat_id_trait} trait")
        settings = self._settings
        response = call(
            "POST",
            f"{settings.api_url.rstrip('/')}/bot{settings.bot_token}/sendMessage",
            timeout=settings.seconds,
            egress=settings.egress,
            json={"chat_id": chat_id, "text": rendered.body},
        )
        if isinstance(response, Outcome):
            return response
        result = json_object(response).get("result")
        sent = result.get("message_id") if isinstance(result, dict) else None
        return judge(response, provider_id=None if sent is None else str(sent))
