"""What a source is: its preset, how its sender signs, and for a generic source the
declarative mapping from payloads to events. Validated once, on save, with errors that
name the field at fault."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, JsonValue, model_validator

from baton.channels.signatures import signing_key
from baton.core.errors import InvalidInput
from baton.core.validation import refuse_nul, validated
from baton.sources.expressions import is_expression, parse

# Lowercase letters, digits and hyphens, 8 to 64 of them: the key is in a URL that every
# workspace's senders share, so a short, guessable one would also tell strangers which
# sources exist (unknown keys answer 404, known ones 401 without a signature).
KEY = re.compile(r"^[a-z0-9](?:[a-z0-9-]{6,62})[a-z0-9]$")


def _expression_or_literal(value: Any) -> Any:
    if is_expression(value):
        parse(value)
    return value


def _expression(value: str) -> str:
    parse(value)
    return value


def _optional_expression(value: str | None) -> str | None:
    return None if value is None else _expression(value)


Value = Annotated[JsonValue, AfterValidator(_expression_or_literal)]
Path = Annotated[str | None, AfterValidator(_optional_expression)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rule(_Model):
    """One kind of payload and the event it makes: the first rule whose `when` holds (each
    expression finds the literal given) maps the payload. Values beginning with `$` are
    expressions, others literals."""

    when: dict[Annotated[str, AfterValidator(_expression)], JsonValue] = Field(
        default_factory=dict, max_length=20
    )
    event: Value
    user_id: Path = None
    anonymous_id: Path = None
    email: Path = None
    phone: Path = None
    properties: dict[str, Value] = Field(default_factory=dict, max_length=100)
    timestamp: Path = None
    message_id: Path = None

    @model_validator(mode="after")
    def _someone(self) -> Rule:
        if not (self.user_id or self.anonymous_id or self.email or self.phone):
            raise ValueError("a rule needs user_id, anonymous_id, email or phone")
        return self


class Verification(_Model):
    """How a generic source's sender signs: Standard Webhooks (`webhook-id`,
    `webhook-timestamp`, `webhook-signature`), or the HMAC-SHA256 of the raw body in
    `header`, hex or Base64, after an optional `prefix` such as `sha256=`."""

    scheme: Literal["standard_webhooks", "hmac_sha256"] = "standard_webhooks"
    header: str | None = Field(default=None, pattern=r"^[A-Za-z0-9-]{1,100}$")
    encoding: Literal["hex", "base64"] = "hex"
    prefix: str = Field(default="", max_length=40)

    @model_validator(mode="after")
    def _header(self) -> Verification:
        if self.scheme == "hmac_sha256" and self.header is None:
            raise ValueError("header: hmac_sha256 needs the header holding the signature")
        return self


class Mapping(_Model):
    verification: Verification = Field(default_factory=Verification)
    rules: list[Rule] = Field(min_length=1, max_length=50)


class Definition(_Model):
    """A source as saved (`secret` is write-only: kept sealed apart from this).
    `default_region` reads phone numbers given without a country code."""

    preset: Literal["shopify", "stripe", "zendesk", "twilio", "generic"]
    name: str = Field(default="", max_length=200)
    default_region: str = Field(default="US", pattern=r"^[A-Z]{2}$")
    mapping: Mapping | None = None


class Saved(Definition):
    """An API body: the definition with the signing secret (kept when left out)."""

    secret: str | None = Field(default=None, min_length=8, max_length=500)


def parse_saved(data: Any) -> Saved:
    """An API body as a source; InvalidInput naming the field at fault."""
    refuse_nul(data)
    saved = validated(Saved, data)
    if (saved.preset == "generic") != (saved.mapping is not None):
        raise InvalidInput("a generic source needs a mapping, a preset takes none", field="mapping")
    mapping = saved.mapping
    standard = mapping is not None and mapping.verification.scheme == "standard_webhooks"
    if saved.secret is not None and standard:
        try:
            signing_key(saved.secret)
        except ValueError as error:
            raise InvalidInput(f"secret: {error}", field="secret") from None
    return saved
