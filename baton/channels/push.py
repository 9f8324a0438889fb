"""The push channel: Firebase Cloud Messaging's HTTP v1 API, one request per device
token of the profile. Tokens come from its events: `context.device.token` (as Segment's
mobile libraries send it), or identify traits `pushToken` / `pushTokens`. A token FCM
calls unregistered or invalid is forgotten."""

from __future__ import annotations

from baton.channels.calls import Answer, call, json_object, judge
from baton.channels.senders import DELIVERED, FAILED, RETRY, Outcome, Outgoing
from baton.channels.settings import PushSettings

_GONE = frozenset({"UNREGISTERED", "INVALID_ARGUMENT", "NOT_FOUND"})


class PushSender:
    def __init__(self, settings: PushSettings) -> None:
        self._settings = settings

    def send(self, outgoing: Outgoing) -> Outcome:
        rendered = outgoing.rendered
        if rendered is None or not rendered.body:
            return Outcome(FAILED, "a push needs a template with a body")
        if not outgoing.devices:
            return Outcome(FAILED, "the profile has no push device token")
        settings = self._settings
        url = f"{settings.api_url.rstrip('/')}/v1/projects/{settings.project_id}/messages:send"
        notification = {"body": rendered.body}
        if rendered.title or rendered.subject:
            notification["title"] = rendered.title or rendered.subject or ""
        outcomes, gone = [], []
        for token in outgoing.devices:
            response = call(
                "POST",
                url,
                timeout=settings.seconds,
                egress=settings.egress,
                json={
                    "message": {
                        "token": token,
                        "notification": notification,
                        "data": {"message_id": outgoing.message_id},
                    }
                },
                headers={"Authorization": f"Bearer {settings.access_token}"},
            )
            if isinstance(response, Outcome):
                outcomes.append(response)
                continue
            outcome = judge(response, provider_id=json_object(response).get("name"))
            if outcome.status == FAILED and _error_code(response) in _GONE:
                gone.append(token)
            outcomes.append(outcome)
        return _overall(outcomes, tuple(gone))


def _error_code(response: Answer) -> str | None:
    """FCM's error code: in the details when given, else the status."""
    error = json_object(response).get("error")
    if not isinstance(error, dict):
        return None
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and isinstance(detail.get("errorCode"), str):
            return str(detail["errorCode"])
    status = error.get("status")
    return status if isinstance(status, str) else None


def _overall(outcomes: list[Outcome], gone: tuple[str, ...]) -> Outcome:
    """Delivered when any device took it; else worth a retry when any failure was
    passing; else failed."""
    for status in (DELIVERED, RETRY):
        found = [o for o in outcomes if o.status == status]
        if found:
            ids = ",".join(o.provider_id for o in found if o.provider_id) or None
            detail = f"{len(found)} of {len(outcomes)} devices: {found[0].detail}"
            return Outcome(status, detail, ids, forget=gone)
    return Outcome(FAILED, f"no device took it: {outcomes[0].detail}", forget=gone)
