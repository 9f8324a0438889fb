"""The preference center: what a person chooses for themselves on their own page.

A person reaches their page through a signed link (`/v1/preferences/{token}`): one in
every e-mail (`preferences_url` for templates, else a footer line), or one the site asks
for with identity verification. There they choose subscription groups and channels
(consent, with the source `preference_center`), how often marketing may reach them (their
own cap, `cap:preference`, see arbitration.py), and can ask for a copy of their data or
for erasure, which only a second link of its own kind, e-mailed to them, hands over or
carries out: the page's link travels in every e-mail, forwarded ones too. Every change is
audited as the person's own.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from baton.channels.arbitration import OwnLimit
from baton.channels.consent import EVERYTHING, channel_group, consents_of, set_consent
from baton.channels.links import read_link, sign_link
from baton.channels.opt_in import opt_in
from baton.channels.preference_texts import text
from baton.channels.senders import Outgoing
from baton.channels.settings import EmailSettings, link_secrets, load_settings
from baton.channels.templates import Rendered
from baton.core.durations import parse_duration
from baton.core.errors import Conflict, InvalidInput
from baton.core.formats import minute_utc
from baton.core.ids import new_id
from baton.identity import resolve_profile_id
from baton.storage.database import among, insert_ignoring_duplicates, upsert
from baton.storage.tables import messages, preferences, profiles
from baton.teams.audit import Actor, record
from baton.workspaces import load_policy

# What a link opens: the page, the erasure it confirms, or the download of one's data. The
# last two also prefix their texts (`erase_sent`, `export_mail_body`…).
PAGE, ERASURE, EXPORT = "prefs", "erase", "export"
SOURCE = "preference_center"
FREQUENCIES = ("all", "weekly-3", "weekly-1", "pause", "none")
_WEEKLY = {"weekly-3": 3, "weekly-1": 1}
PAUSE = timedelta(days=30)
SITE_LINK_LIFETIME = timedelta(hours=1)
# How long an e-mailed erasure or download link works.
MAILED_LINK_LIFETIME = timedelta(hours=24)
# One e-mail of each kind per person in this long: the page cannot flood an inbox.
_MAIL_EVERY = timedelta(minutes=10)
_MAILED = {
    ERASURE: ("erasure", preferences.c.erasure_requested_at, "profile.erasure_requested"),
    EXPORT: ("export", preferences.c.export_requested_at, "profile.export_requested"),
}
# Channels that reach a person (webhooks and tasks reach systems).
PERSON_CHANNELS = ("email", "sms", "whatsapp", "push", "chat")
MOST_GROUPS = 50


def preferences_url(
    email: EmailSettings,
    workspace_id: str,
    profile_id: str,
    now: datetime,
    lifetime: timedelta | None = None,
) -> str:
    """The person's page, signed with the e-mail channel's link secret; valid for the
    channel's link lifetime unless told otherwise."""
    valid = parse_duration(email.link_lifetime) if lifetime is None else lifetime
    token = sign_link(
        email.link_secret, {"ws": workspace_id, "p": profile_id, "k": PAGE}, now + valid
    )
    return f"{email.links_url.rstrip('/')}/v1/preferences/{token}"


def mailed_url(
    email: EmailSettings,
    workspace_id: str,
    profile_id: str,
    kind: str,
    language: str,
    now: datetime,
) -> str:
    """The e-mailed link of `kind` (ERASURE or EXPORT), in the language it was asked in
    (once erased, no locale trait is left to tell it)."""
    claims = {"ws": workspace_id, "p": profile_id, "k": kind}
    token = sign_link(email.link_secret, claims, now + MAILED_LINK_LIFETIME)
    return f"{email.links_url.rstrip('/')}/v1/{_MAILED[kind][0]}/{token}?lang={language}"


def read_token(connection: Connection, token: str, kind: str, now: datetime) -> tuple[str, str]:
    """The workspace and live profile of a valid link of `kind`; InvalidInput when the
    link is forged or of another kind, Expired, NotFound when the person was erased."""
    claims = read_link(token, link_secrets(connection, now), now, expired_ok=True)
    if claims.get("k") != kind or not isinstance(claims.get("p"), str):
        raise InvalidInput("this link is not valid")
    if claims["exp"] < now.timestamp():
        raise Expired("this link has expired")
    return claims["ws"], resolve_profile_id(connection, claims["ws"], claims["p"])


class Expired(InvalidInput):
    """A genuine link, too old."""


@dataclass(frozen=True)
class Choices:
    """What a person wants: each group and channel on or off, and a frequency (one of
    FREQUENCIES)."""

    groups: dict[str, bool]
    channels: dict[str, bool]
    frequency: str

    def json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Offer:
    """What the page shows a person: their choices now, the groups that need a
    confirmed opt-in, the end of their pause, and their traits."""

    choices: Choices
    double: frozenset[str]
    paused_until: datetime | None
    traits: dict[str, Any]


def offer_of(connection: Connection, workspace_id: str, profile_id: str, now: datetime) -> Offer:
    policy = load_policy(connection, workspace_id)
    traits = person_traits(connection, profile_id)
    recorded = consents_of(connection, [profile_id]).get(profile_id, {})
    received = connection.execute(
        select(messages.c.subscription_group)
        .where(messages.c.profile_id == profile_id, messages.c.subscription_group.is_not(None))
        .distinct()
    ).scalars()
    names = {*policy.subscription_groups, *recorded, *received}
    group_names = sorted(n for n in names if n != EVERYTHING and not n.startswith("channel:"))
    subscriptions = traits.get("subscriptions")
    chosen = subscriptions if isinstance(subscriptions, dict) else {}
    groups = {
        name: recorded.get(
            name, name not in policy.explicit_groups and chosen.get(name) is not False
        )
        for name in group_names[:MOST_GROUPS]
    }
    configured = load_settings(connection, workspace_id)
    channels = {
        channel: recorded.get(channel_group(channel), True)
        for channel in PERSON_CHANNELS
        if channel in configured or channel_group(channel) in recorded
    }
    row = connection.execute(
        select(preferences.c.weekly_limit, preferences.c.paused_until).where(
            preferences.c.profile_id == profile_id
        )
    ).one_or_none()
    paused_until = row.paused_until if row is not None and row.paused_until is not None else None
    if paused_until is not None and paused_until <= now:
        paused_until = None
    if not recorded.get(EVERYTHING, traits.get("unsubscribed") is not True):
        frequency = "none"
    elif paused_until is not None:
        frequency = "pause"
    else:
        weekly = None if row is None else row.weekly_limit
        frequency = next((name for name, n in _WEEKLY.items() if n == weekly), "all")
    double = frozenset(
        name for name, rules in policy.subscription_groups.items() if rules.opt_in == "double"
    )
    return Offer(Choices(groups, channels, frequency), double, paused_until, traits)


def save_choices(
    connection: Connection,
    workspace_id: str,
    profile_id: str,
    wanted: Choices,
    evidence: dict[str, Any],
    actor: Actor,
    now: datetime,
) -> list[str]:
    """Record what changed from the person's current choices, each consent with its
    evidence and the whole change in the audit trail; returns the double opt-in groups
    whose confirmation was e-mailed instead. Groups and channels `wanted` leaves out
    (not on the page the person saw) stay as they are."""
    offer = offer_of(connection, workspace_id, profile_id, now)
    current = offer.choices
    if not (
        wanted.groups.keys() <= current.groups.keys()
        and wanted.channels.keys() <= current.channels.keys()
    ):
        raise InvalidInput("choose among the groups and channels offered", field="group")
    if wanted.frequency not in FREQUENCIES:
        raise InvalidInput("choose one of the frequencies offered", field="frequency")
    pending: list[str] = []

    def consent(group: str, subscribed: bool) -> None:
        set_consent(connection, workspace_id, profile_id, group, subscribed, SOURCE, evidence, now)

    for group, subscribed in wanted.groups.items():
        if subscribed == current.groups[group]:
            continue
        if subscribed and group in offer.double:
            opt_in(connection, workspace_id, profile_id, group, {**evidence, "source": SOURCE}, now)
            pending.append(group)
        else:
            consent(group, subscribed)
    for channel, subscribed in wanted.channels.items():
        if subscribed != current.channels[channel]:
            consent(channel_group(channel), subscribed)
    if (wanted.frequency == "none") != (current.frequency == "none"):
        consent(EVERYTHING, wanted.frequency != "none")
    if wanted.frequency != current.frequency and wanted.frequency != "none":
        paused = now + PAUSE if wanted.frequency == "pause" else None
        row = {
            "profile_id": profile_id,
            "workspace_id": workspace_id,
            "weekly_limit": _WEEKLY.get(wanted.frequency),
            "paused_until": paused,
            "changed_at": now,
        }
        replace = ["weekly_limit", "paused_until", "changed_at"]
        upsert(connection, preferences, row, keys=["profile_id"], replace=replace)
    after = Choices(
        {**current.groups, **wanted.groups},
        {**current.channels, **wanted.channels},
        wanted.frequency,
    )
    if after != current:
        record(
            connection,
            workspace_id,
            actor,
            "preferences.update",
            now,
            object_type="profile",
            object_id=profile_id,
            profile_id=profile_id,
            before=current.json(),
            after=after.json(),
        )
    return pending


def own_limits(
    connection: Connection, profile_ids: list[str], now: datetime
) -> dict[str, OwnLimit]:
    """The own limits in force of those of the profiles that set one."""
    found = connection.execute(
        select(preferences.c.profile_id, preferences.c.weekly_limit, preferences.c.paused_until)
        .where(among(preferences.c.profile_id, profile_ids, connection.dialect))
        .where(preferences.c.weekly_limit.is_not(None) | (preferences.c.paused_until > now))
    )
    return {
        profile_id: OwnLimit(weekly, paused if paused is not None and paused > now else None)
        for profile_id, weekly, paused in found
    }


def link_mail(
    connection: Connection,
    workspace_id: str,
    profile_id: str,
    email: EmailSettings,
    kind: str,
    language: str,
    now: datetime,
) -> Outgoing:
    """The e-mail carrying the person's link of `kind` (ERASURE or EXPORT); Conflict when
    there is no address to send it to."""
    traits = person_traits(connection, profile_id)
    address = traits.get("email")
    if not isinstance(address, str) or "@" not in address:
        raise Conflict("the profile has no e-mail address")
    url = mailed_url(email, workspace_id, profile_id, kind, language, now)
    until = minute_utc(now + MAILED_LINK_LIFETIME)
    body = text(language, f"{kind}_mail_body", url=url, until=until)
    rendered = Rendered("email", subject=text(language, f"{kind}_mail_subject"), text=body)
    return Outgoing(
        new_id("lnk", now),
        workspace_id,
        profile_id,
        "email",
        None,
        True,
        {},
        "",
        0,
        now,
        {"profile": {"id": profile_id, "traits": traits}},
        rendered,
    )


def claim_mail(
    connection: Connection,
    workspace_id: str,
    profile_id: str,
    kind: str,
    actor: Actor,
    now: datetime,
) -> bool:
    """Take the person's one mail of `kind` in _MAIL_EVERY (audited as their request);
    False when one went a moment ago. Claimed by one conditional write before the mail
    goes, so that of simultaneous requests only one sends."""
    _, column, action = _MAILED[kind]
    row = {"profile_id": profile_id, "workspace_id": workspace_id, "changed_at": now}
    connection.execute(insert_ignoring_duplicates(connection, preferences).values(**row))
    claimed = connection.execute(
        update(preferences)
        .where(preferences.c.profile_id == profile_id)
        .where(column.is_(None) | (column <= now - _MAIL_EVERY))
        .values({column: now})
    ).rowcount
    if claimed:
        record(
            connection,
            workspace_id,
            actor,
            action,
            now,
            object_type="profile",
            object_id=profile_id,
            profile_id=profile_id,
        )
    return bool(claimed)


def release_mail(connection: Connection, profile_id: str, kind: str, now: datetime) -> None:
    """Give back the claim of a mail that could not be sent: the person may ask again."""
    column = _MAILED[kind][1]
    connection.execute(
        update(preferences)
        .where(preferences.c.profile_id == profile_id)
        .where(column == now)
        .values({column: None})
    )


def footer(body: str | None, text_part: str, url: str, language: str) -> tuple[str | None, str]:
    """An e-mail's HTML and text with a line linking to the preference page, unless they
    link to it already."""
    words = text(language, "footer")
    if body is not None and url not in body:
        line = (
            f'<p style="font-size:12px"><a href="{html.escape(url)}">{html.escape(words)}</a></p>'
        )
        closing = body.lower().rfind("</body>")
        body = body + line if closing < 0 else body[:closing] + line + body[closing:]
    if url not in text_part:
        text_part = f"{text_part.rstrip()}\n\n{words}: {url}\n"
    return body, text_part


def person_traits(connection: Connection, profile_id: str) -> dict[str, Any]:
    found = connection.execute(select(profiles.c.traits).where(profiles.c.id == profile_id))
    return found.scalar() or {}
