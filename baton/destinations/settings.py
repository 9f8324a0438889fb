"""What a destination is: its kind and settings, validated once at the edge, stored with
its secrets sealed (baton/core/sealing.py) and shown with them masked."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from baton.channels.egress import Egress, allow_list
from baton.channels.signatures import new_secret, signing_key
from baton.core.durations import parse_duration
from baton.core.errors import InvalidInput
from baton.core.sealing import is_sealed, key_source
from baton.core.validation import validated

MASK = "********"
SECRETS = ("secret", "token")
_NAME = r"^[A-Za-z0-9_.$:\- ]{1,200}$"
_KEY = r"^[a-z0-9][a-z0-9_-]{0,99}$"


class ConflictRule(StrEnum):
    """Which side a CRM field keeps when both hold a value."""

    BATON_WINS = "baton_wins"
    CRM_WINS = "crm_wins"
    FILL_EMPTY = "fill_empty"
    NEWEST_WINS = "newest_wins"


class Transform(StrEnum):
    NONE = "none"
    LOWER = "lower"
    UPPER = "upper"
    TRIM = "trim"
    STRING = "string"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Remote(_Model):
    """A destination reached over HTTP: at `url` (public unless `allow` names its host or a
    network holding it, baton/channels/egress.py), calls signed per Standard Webhooks with
    `secret` (generated when not given) and cut off after `timeout`. `name` is for people
    (the key stays the handle)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    url: str = Field(pattern=r"^https?://[^\s/?#]+[^\s]*$", max_length=2000)
    secret: str = Field(default_factory=new_secret, min_length=16, max_length=200)
    timeout: str = "10s"
    allow: list[str] = Field(default_factory=list, max_length=100)

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str) -> str:
        if not is_sealed(value):
            signing_key(value)
        return value

    @field_validator("timeout")
    @classmethod
    def _timeout(cls, value: str) -> str:
        if parse_duration(value) > timedelta(seconds=60):
            raise ValueError("at most 60s")
        return value

    @field_validator("allow")
    @classmethod
    def _allow(cls, values: list[str]) -> list[str]:
        return allow_list(values)

    @cached_property
    def egress(self) -> Egress:
        return Egress(tuple(self.allow))

    @cached_property
    def seconds(self) -> float:
        return parse_duration(self.timeout).total_seconds()


class Batched(Remote):
    """Items go out `batch_size` at most a request, or sooner once the oldest waited
    `batch_wait`; a request is tried `max_attempts` times before it is dead."""

    batch_size: int = Field(default=100, ge=1, le=1000)
    batch_wait: str = "10s"
    max_attempts: int = Field(default=8, ge=1, le=20)

    @field_validator("batch_wait")
    @classmethod
    def _wait(cls, value: str) -> str:
        if parse_duration(value) > timedelta(hours=1):
            raise ValueError("at most 1h")
        return value

    @cached_property
    def wait(self) -> timedelta:
        return parse_duration(self.batch_wait)


class WebhookDestinationSettings(Batched):
    """Forwards the named `events`, entries into and exits from `segments` (keys), and
    changes of `traits`."""

    kind: Literal["webhook"] = "webhook"
    events: list[Annotated[str, Field(pattern=_NAME)]] = Field(default_factory=list, max_length=200)
    segments: list[Annotated[str, Field(pattern=_KEY)]] = Field(
        default_factory=list, max_length=200
    )
    traits: list[Annotated[str, Field(pattern=_NAME)]] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _something(self) -> WebhookDestinationSettings:
        if not (self.events or self.segments or self.traits):
            raise ValueError("name at least one of events, segments or traits to forward")
        return self


class CrmField(_Model):
    trait: str = Field(pattern=_NAME)
    transform: Transform = Transform.NONE
    rule: ConflictRule = ConflictRule.BATON_WINS


class CrmSettings(Batched):
    """Upserts contacts (`{url}/contacts/{external id}`, docs/destinations.md): each CRM
    field of `fields` from a trait. The external id is the `id_trait` trait (the profile
    id when not given); `token`, when given, goes as a bearer token. Only members of
    `segment`, when given, are synced."""

    kind: Literal["crm"] = "crm"
    fields: dict[Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\-]{1,100}$")], CrmField] = Field(
        min_length=1, max_length=200
    )
    id_trait: str | None = Field(default=None, pattern=_NAME)
    segment: str | None = Field(default=None, pattern=_KEY)
    token: str | None = Field(default=None, min_length=1, max_length=2000)

    @property
    def traits(self) -> list[str]:
        mapped = {f.trait for f in self.fields.values()}
        return sorted(mapped | {self.id_trait} if self.id_trait else mapped)


class AudienceFormat(StrEnum):
    META = "meta"
    GOOGLE = "google"


class AudienceSettings(Remote):
    """`segment`'s members as `format`'s file, sent with `method` to `url` every
    `schedule`."""

    kind: Literal["audience"] = "audience"
    segment: str = Field(pattern=_KEY)
    format: AudienceFormat
    schedule: Literal["hourly", "daily"] = "daily"
    method: Literal["PUT", "POST"] = "PUT"

    @property
    def period(self) -> timedelta:
        return timedelta(hours=1) if self.schedule == "hourly" else timedelta(days=1)


Settings = WebhookDestinationSettings | CrmSettings | AudienceSettings
_KINDS: dict[str, type[Settings]] = {
    "webhook": WebhookDestinationSettings,
    "crm": CrmSettings,
    "audience": AudienceSettings,
}


def parse_settings(data: Any, stored: Settings | None = None) -> Settings:
    """A destination's settings from an API body. A secret left out (or sent back as the
    mask) keeps its stored value while the URL stays the same: otherwise whoever may edit
    it could point the URL at their own server and receive the secret."""
    if not isinstance(data, dict):
        raise InvalidInput("the settings are a JSON object")
    body = {"kind": "webhook", **data}
    model = _KINDS.get(body["kind"]) if isinstance(body["kind"], str) else None
    if model is None:
        raise InvalidInput(f"kind is one of {', '.join(_KINDS)}", field="kind")
    same_place = stored is not None and body.get("url") == stored.url
    for name in SECRETS:
        if body.get(name) == MASK:
            del body[name]
        if name not in body and same_place and getattr(stored, name, None) is not None:
            body[name] = getattr(stored, name)
    return validated(model, body)


def masked(settings: Settings) -> dict[str, Any]:
    found = settings.model_dump(mode="json")
    return {k: MASK if k in SECRETS and v else v for k, v in found.items()}


def _context(workspace_id: str, key: str, name: str) -> str:
    return f"destination:{workspace_id}:{key}:{name}"


def sealed(workspace_id: str, key: str, settings: Settings) -> dict[str, Any]:
    """The settings as stored: each secret sealed."""
    found = settings.model_dump(mode="json")
    source = key_source()
    for name in SECRETS:
        value = found.get(name)
        if value and not is_sealed(value):
            found[name] = source.seal(value, _context(workspace_id, key, name))
    return found


def resealed(workspace_id: str, key: str, stored: dict[str, Any]) -> dict[str, Any] | None:
    """The stored settings with each secret sealed under the current key, or None when
    they all are."""
    found, source, changed = dict(stored), key_source(), False
    for name in SECRETS:
        if found.get(name):
            fresh = source.resealed(found[name], _context(workspace_id, key, name))
            if fresh is not None:
                found[name], changed = fresh, True
    return found if changed else None


def unsealed(workspace_id: str, key: str, stored: dict[str, Any]) -> Settings:
    found = dict(stored)
    source = key_source()
    for name in SECRETS:
        if found.get(name):
            found[name] = source.unseal(found[name], _context(workspace_id, key, name))
    return _KINDS[found["kind"]].model_validate(found)
