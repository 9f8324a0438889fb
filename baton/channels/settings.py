"""Each channel's provider settings per workspace. Secrets are stored, never shown or
logged: reads mask them."""

from __future__ import annotations

import ipaddress
import secrets
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite

from baton.core.durations import parse_duration
from baton.core.errors import InvalidInput
from baton.core.validation import validated
from baton.storage.tables import channel_settings

MASK = "********"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WebhookSettings(_Model):
    """Webhook calls: signed with `secret` (generated when not given), cut off after
    `timeout`; private, loopback and link-local targets are refused unless a host or
    network in `allow` names them."""

    secret: str = Field(default_factory=lambda: secrets.token_urlsafe(32), min_length=16)
    timeout: str = "10s"
    allow: list[str] = Field(default_factory=list)

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: str) -> str:
        if parse_duration(value) > timedelta(seconds=60):
            raise ValueError("at most 60s")
        return value

    @field_validator("allow")
    @classmethod
    def _allow(cls, values: list[str]) -> list[str]:
        for value in values:
            if "/" in value:
                try:
                    ipaddress.ip_network(value, strict=False)
                except ValueError:
                    raise ValueError(f"{value!r} is neither a host nor a network") from None
        return values

    @cached_property
    def seconds(self) -> float:
        return parse_duration(self.timeout).total_seconds()


SETTINGS: dict[str, type[_Model]] = {"webhook": WebhookSettings}
SECRETS = ("secret",)


def parse_settings(channel: str, data: Any) -> _Model:
    model = SETTINGS.get(channel)
    if model is None:
        raise InvalidInput(
            f"channel {channel!r} has no settings yet (known: {', '.join(SETTINGS)})",
            field="channel",
        )
    return validated(model, data)


def save_settings(
    connection: Connection, workspace_id: str, channel: str, settings: _Model, now: datetime
) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(channel_settings).values(
        workspace_id=workspace_id,
        channel=channel,
        settings=settings.model_dump(mode="json"),
        updated_at=now,
    )
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[channel_settings.c.workspace_id, channel_settings.c.channel],
            set_={"settings": statement.excluded.settings, "updated_at": now},
        )
    )


def load_settings(connection: Connection, workspace_id: str) -> dict[str, Any]:
    """The workspace's settings by channel, parsed."""
    rows = connection.execute(
        select(channel_settings.c.channel, channel_settings.c.settings).where(
            channel_settings.c.workspace_id == workspace_id
        )
    )
    return {
        channel: SETTINGS[channel].model_validate(found)
        for channel, found in rows
        if channel in SETTINGS
    }


def masked(settings: _Model) -> dict[str, Any]:
    found = settings.model_dump(mode="json")
    return {k: MASK if k in SECRETS and v else v for k, v in found.items()}
