"""Each channel's provider settings per workspace. Secrets are stored, never shown or
logged: reads mask them."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection, select, update

from baton.channels.egress import Egress, allow_list
from baton.channels.signatures import new_secret, signing_key
from baton.core.durations import parse_duration
from baton.core.errors import InvalidInput
from baton.core.formats import iso_instant
from baton.core.sealing import PREFIX, is_sealed, key_source
from baton.core.validation import validated
from baton.storage.database import upsert
from baton.storage.tables import channel_settings

MASK = "********"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Retired(_Model):
    """A secret replaced by a newer one, still accepted (links already sent, receivers
    not yet updated) until `until`."""

    value: str
    until: datetime


class _Provider(_Model):
    """A provider's settings: at most `rate` messages per second go to it (a token
    bucket per process and workspace), unlimited when not given. Its address must be
    public unless `allow` names its host or a network holding it (baton/channels/egress.py).
    `retired` is kept by Baton: the secrets replaced less than a grace period ago."""

    rate: float | None = Field(default=None, gt=0, le=100_000)
    allow: list[str] = Field(default_factory=list, max_length=100)
    retired: dict[str, list[Retired]] = Field(default_factory=dict)

    def secrets_of(self, name: str, now: datetime) -> list[str]:
        """The secret `name` and those it replaced that are still accepted at `now`."""
        current = getattr(self, name)
        return [current, *(r.value for r in self.retired.get(name, ()) if r.until > now)]

    @field_validator("allow")
    @classmethod
    def _allow(cls, values: list[str]) -> list[str]:
        return allow_list(values)

    @cached_property
    def egress(self) -> Egress:
        return Egress(tuple(self.allow))


class _Http(_Provider):
    """A provider over HTTP: calls are cut off after `timeout` (60s at most)."""

    timeout: str = "10s"

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: str) -> str:
        if parse_duration(value) > timedelta(seconds=60):
            raise ValueError("at most 60s")
        return value

    @cached_property
    def seconds(self) -> float:
        return parse_duration(self.timeout).total_seconds()


class WebhookSettings(_Http):
    """Webhook calls: signed with `secret` (baton/channels/signatures.py; a `whsec_`
    secret generated when not given), cut off after `timeout`."""

    secret: str = Field(default_factory=new_secret, min_length=16)

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str) -> str:
        signing_key(value)
        return value


class EmailSettings(_Provider):
    """E-mail over SMTP: `url` is `smtp://user:password@host:port`; `security` starttls,
    tls (SMTPS) or none; `links_url` is where Baton is reachable from the recipients'
    mail clients (unsubscribe, open and click links); links are signed with
    `link_secret` (generated) and expire after `link_lifetime`. The provider reports
    bounces and complaints to `/v1/channels/email/{workspace}/feedback` with
    `Authorization: Bearer {feedback_secret}`."""

    url: str = Field(pattern=r"^smtp://\S+$")
    sender: str = Field(min_length=3, max_length=300)
    security: Literal["starttls", "tls", "none"] = "starttls"
    links_url: str = Field(pattern=r"^https?://\S+$")
    link_secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=16)
    link_lifetime: str = "60d"
    # Opens (a pixel) and clicks (redirects) recorded on the profile's timeline.
    tracking: bool = True
    # Bearer token of the provider's bounce and complaint reports (generated).
    feedback_secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=16)

    @field_validator("link_lifetime")
    @classmethod
    def _lifetime(cls, value: str) -> str:
        parse_duration(value)
        return value

    @cached_property
    def server(self) -> tuple[str, int, str | None, str | None]:
        """(host, port, user, password)."""
        parsed = urlsplit(self.url)
        default = 465 if self.security == "tls" else 587
        return (
            parsed.hostname or "",
            parsed.port or default,
            unquote(parsed.username) if parsed.username else None,
            unquote(parsed.password) if parsed.password else None,
        )


class SmsSettings(_Http):
    """SMS through a Twilio-compatible REST API at `api_url`: messages from `sender` (a
    number, or a messaging service id `MG...`); numbers without a country code are read
    in `default_region`. Delivery receipts and inbound keywords reach Baton at
    `{callbacks_url}/v1/channels/sms/{workspace}/status|inbound`, checked with the auth
    token's signature."""

    api_url: str = Field(default="https://api.twilio.com", pattern=r"^https?://\S+$")
    account_sid: str = Field(min_length=2, max_length=64)
    auth_token: str = Field(min_length=8, max_length=200)
    sender: str = Field(min_length=2, max_length=64)
    callbacks_url: str | None = Field(default=None, pattern=r"^https?://\S+$")
    default_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")


class WhatsAppSettings(SmsSettings):
    """WhatsApp through the same Twilio-compatible API as SMS: messages from a WhatsApp
    `sender` (`whatsapp:+15005550006`, or a messaging service `MG...` holding one);
    delivery and read receipts reach Baton at
    `{callbacks_url}/v1/channels/whatsapp/{workspace}/status`."""

    sender: str = Field(pattern=r"^(whatsapp:\+[1-9][0-9]{6,14}|MG[0-9a-zA-Z]{2,62})$")


class PushSettings(_Http):
    """Push through Firebase Cloud Messaging's HTTP v1 API at `api_url`, for the
    project `project_id`, with an OAuth 2 `access_token`."""

    api_url: str = Field(default="https://fcm.googleapis.com", pattern=r"^https?://\S+$")
    project_id: str = Field(min_length=1, max_length=100)
    access_token: str = Field(min_length=8, max_length=4000)


class ChatSettings(_Http):
    """Chat through the Telegram Bot API at `api_url`; the chat id is the profile's
    trait `chat_id_trait`."""

    api_url: str = Field(default="https://api.telegram.org", pattern=r"^https?://\S+$")
    bot_token: str = Field(min_length=8, max_length=200)
    chat_id_trait: str = Field(default="telegramChatId", min_length=1, max_length=100)


class TaskSettings(WebhookSettings):
    """Tasks for a sales or support person: posted to a CRM's webhook `url`, signed and
    guarded like webhooks."""

    url: str = Field(pattern=r"^https?://\S+$")


SETTINGS: dict[str, type[_Provider]] = {
    "webhook": WebhookSettings,
    "email": EmailSettings,
    "sms": SmsSettings,
    "whatsapp": WhatsAppSettings,
    "push": PushSettings,
    "chat": ChatSettings,
    "task": TaskSettings,
}
SECRETS = ("secret", "link_secret", "feedback_secret", "auth_token", "access_token", "bot_token")
# The secrets Baton sends to the provider at `api_url`.
_CREDENTIALS = ("auth_token", "access_token", "bot_token")


# How long a replaced secret stays valid beside the new one.
ROTATION_GRACE = timedelta(days=30)


def parse_settings(channel: str, data: Any) -> _Provider:
    model = SETTINGS.get(channel)
    if model is None:
        raise InvalidInput(
            f"channel {channel!r} has no settings yet (known: {', '.join(SETTINGS)})",
            field="channel",
        )
    if isinstance(data, dict) and "retired" in data:
        raise InvalidInput("replaced secrets are kept by Baton, not set", field="retired")
    return validated(model, data)


def update_settings(
    connection: Connection, workspace_id: str, channel: str, data: Any, now: datetime
) -> tuple[_Provider | None, _Provider]:
    """Save a channel's settings from an API body; the settings stored before (None for
    none) and the ones saved. A secret the body leaves out is kept (saving the timeout
    must not break every unsubscribe link already sent); one the body changes, or names
    in `rotate`, is replaced, and the old value stays accepted for ROTATION_GRACE."""
    body = dict(data) if isinstance(data, dict) else data
    rotate = body.pop("rotate", []) if isinstance(body, dict) else []
    if not isinstance(rotate, list) or not all(isinstance(name, str) for name in rotate):
        raise InvalidInput("rotate lists the names of secrets to replace", field="rotate")
    stored = load_settings(connection, workspace_id).get(channel) if channel in SETTINGS else None
    if isinstance(body, dict):
        body = _unmasked(body, stored)
    given = parse_settings(channel, body)
    unknown = [name for name in rotate if name not in _secret_fields(channel)]
    if unknown:
        raise InvalidInput(
            f"{channel} has no secret {unknown[0]!r} (its secrets: "
            f"{', '.join(_secret_fields(channel)) or 'none'})",
            field="rotate",
        )
    kept: dict[str, Any] = {}
    retired = {
        name: [r for r in found if r.until > now]
        for name, found in (stored.retired.items() if stored is not None else ())
    }
    for name in _secret_fields(channel):
        old = getattr(stored, name, None) if stored is not None else None
        if name in rotate:
            kept[name] = type(given).model_fields[name].get_default(call_default_factory=True)
        elif name not in body and old is not None:
            kept[name] = old
        new = kept.get(name, getattr(given, name))
        if old is not None and new != old:
            retired[name] = [Retired(value=old, until=now + ROTATION_GRACE), *retired.get(name, [])]
    settings = given.model_copy(update={**kept, "retired": {k: v for k, v in retired.items() if v}})
    save_settings(connection, workspace_id, channel, settings, now)
    return stored, settings


def _unmasked(body: dict[str, Any], stored: _Provider | None) -> dict[str, Any]:
    """The body with what `masked` showed sent back as it was: a secret equal to the mask
    counts as left out, an SMTP URL whose password is the mask keeps the stored password,
    and a provider token left out keeps the stored one, so that a form filled from a read
    saves without erasing secrets. Each goes back only to the server it was given for:
    otherwise whoever may edit the settings could point the URL at their own server and
    receive it."""
    found = {k: v for k, v in body.items() if not (k in SECRETS and v == MASK)}
    url = found.get("url")
    if isinstance(url, str) and _login(url)[1] == MASK:
        was = stored.url if isinstance(stored, EmailSettings) else ""
        (server, _), (server_was, password) = _login(url), _login(was)
        if password is None or server != server_was:
            raise InvalidInput("url: give the password again for a new server", field="url")
        found["url"] = url.replace(f":{MASK}@", f":{password}@", 1)
    if not isinstance(stored, SmsSettings | PushSettings | ChatSettings):
        return found
    for name in _CREDENTIALS:
        kept = getattr(stored, name, None)
        if kept is None or name in found:
            continue
        if found.get("api_url", type(stored).model_fields["api_url"].default) != stored.api_url:
            raise InvalidInput(f"give the {name} again for a new api_url", field=name)
        found[name] = kept
    return found


def _login(url: str) -> tuple[tuple[str, str | None, str | None, int | None], str | None]:
    """Where an SMTP URL delivers and as whom (what a kept password is bound to), and
    the password."""
    try:
        parts = urlsplit(url)
        return (parts.scheme, parts.username, parts.hostname, parts.port), parts.password
    except ValueError:  # an invalid port
        return ("", None, None, None), None


def _secret_fields(channel: str) -> tuple[str, ...]:
    return tuple(name for name in SETTINGS[channel].model_fields if name in SECRETS)


def _sealed_fields(channel: str) -> tuple[str, ...]:
    """The fields of a channel's settings kept sealed at rest (an SMTP URL holds a
    password)."""
    names = _secret_fields(channel)
    return (*names, "url") if channel == "email" else names


def _context(workspace_id: str, channel: str, name: str) -> str:
    return f"channel_settings/{workspace_id}/{channel}/{name}"


def _map_secrets(
    workspace_id: str, channel: str, values: dict[str, Any], change: Callable[[str, str], str]
) -> dict[str, Any]:
    """The settings with `change(value, context)` applied to each secret, replaced ones
    included."""
    found = dict(values)
    for name in _sealed_fields(channel):
        value = found.get(name)
        if isinstance(value, str):
            found[name] = change(value, _context(workspace_id, channel, name))
    retired = found.get("retired")
    if isinstance(retired, dict):
        found["retired"] = {
            name: [
                {**entry, "value": change(entry["value"], _context(workspace_id, channel, name))}
                for entry in entries
            ]
            for name, entries in retired.items()
        }
    return found


def sealed(workspace_id: str, channel: str, values: dict[str, Any]) -> dict[str, Any]:
    """The settings as stored: each secret sealed (baton/core/sealing.py)."""
    source = key_source()

    def seal(value: str, context: str) -> str:
        return value if is_sealed(value) else source.seal(value, context)

    return _map_secrets(workspace_id, channel, values, seal)


def unsealed(workspace_id: str, channel: str, values: dict[str, Any]) -> dict[str, Any]:
    return _map_secrets(workspace_id, channel, values, key_source().unseal)


def save_settings(
    connection: Connection, workspace_id: str, channel: str, settings: _Provider, now: datetime
) -> None:
    row = {
        "workspace_id": workspace_id,
        "channel": channel,
        "settings": sealed(workspace_id, channel, settings.model_dump(mode="json")),
        "updated_at": now,
    }
    upsert(
        connection,
        channel_settings,
        row,
        keys=["workspace_id", "channel"],
        replace=["settings", "updated_at"],
    )


def load_settings(connection: Connection, workspace_id: str) -> dict[str, Any]:
    """The workspace's settings by channel, parsed."""
    rows = connection.execute(
        select(channel_settings.c.channel, channel_settings.c.settings).where(
            channel_settings.c.workspace_id == workspace_id
        )
    )
    return {
        channel: SETTINGS[channel].model_validate(unsealed(workspace_id, channel, found))
        for channel, found in rows
        if channel in SETTINGS
    }


def _stored_secrets(workspace_id: str, channel: str, stored: dict[str, Any]) -> list[str]:
    found: list[str] = []

    def collect(value: str, _context: str) -> str:
        found.append(value)
        return value

    _map_secrets(workspace_id, channel, stored, collect)
    return found


def reseal_settings(connection: Connection) -> int:
    """Seals every stored secret under the current key: those stored in the clear before
    sealing existed, and those sealed under an older key (a rotation). Returns how many
    channel settings changed."""
    source = key_source()
    changed = 0
    rows = connection.execute(
        select(
            channel_settings.c.workspace_id, channel_settings.c.channel, channel_settings.c.settings
        )
    ).all()
    for workspace_id, channel, stored in rows:
        if channel not in SETTINGS:
            continue
        current = f"{PREFIX}{source.keyring().current}:"
        if all(v.startswith(current) for v in _stored_secrets(workspace_id, channel, stored)):
            continue
        resealed = sealed(workspace_id, channel, unsealed(workspace_id, channel, stored))
        connection.execute(
            update(channel_settings)
            .where(
                channel_settings.c.workspace_id == workspace_id,
                channel_settings.c.channel == channel,
            )
            .values(settings=resealed)
        )
        changed += 1
    return changed


def chat_id_trait(connection: Connection, workspace_id: str) -> str:
    """The trait the workspace's chat channel reads chat ids from. Read from the stored
    settings as they are: the trait is no secret, so nothing needs unsealing."""
    stored = connection.execute(
        select(channel_settings.c.settings).where(
            channel_settings.c.workspace_id == workspace_id, channel_settings.c.channel == "chat"
        )
    ).scalar_one_or_none()
    found = stored.get("chat_id_trait") if isinstance(stored, dict) else None
    default: str = ChatSettings.model_fields["chat_id_trait"].default
    return found if isinstance(found, str) else default


def link_secrets(connection: Connection, now: datetime) -> Callable[[str], list[str]]:
    """The link secrets a workspace accepts at `now` (for `read_link`): its e-mail
    settings' current one and those replaced within the grace period."""

    def secrets_of(workspace_id: str) -> list[str]:
        email = load_settings(connection, workspace_id).get("email")
        return email.secrets_of("link_secret", now) if isinstance(email, EmailSettings) else []

    return secrets_of


def masked(settings: _Provider, now: datetime) -> dict[str, Any]:
    """The settings as the API shows them: secrets masked, and of the replaced ones only
    until when each is still accepted."""
    found = settings.model_dump(mode="json")
    shown = {k: MASK if k in SECRETS and v else v for k, v in found.items()}
    accepted = {
        name: [{"until": iso_instant(r.until)} for r in entries if r.until > now]
        for name, entries in settings.retired.items()
    }
    shown["retired"] = {name: entries for name, entries in accepted.items() if entries}
    if isinstance(settings, EmailSettings):
        parsed = urlsplit(settings.url)
        if parsed.password:
            shown["url"] = settings.url.replace(f":{parsed.password}@", f":{MASK}@", 1)
    return shown
