"""Message templates kept by key per workspace, and what a template renders for a profile."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from baton.channels.templates import (
    RECOMMENDATIONS,
    MessageTemplate,
    Rendered,
    parse_template,
    recommendations_read,
    render_localized,
    sources_of,
)
from baton.core.errors import NotFound
from baton.core.formats import iso_instant
from baton.core.ids import new_id
from baton.core.paging import Page
from baton.predict.recommended import recommended_items
from baton.segments import yaml_diff
from baton.storage.tables import message_templates, profiles
from baton.workspaces import load_policy


def _dump(template: MessageTemplate) -> dict[str, Any]:
    return template.model_dump(mode="json", exclude_defaults=True)


def save_template(
    connection: Connection, workspace_id: str, template: MessageTemplate, now: datetime
) -> tuple[str, str]:
    """Create or replace by key: (created | updated | unchanged, a YAML diff)."""
    row = connection.execute(
        select(message_templates.c.id, message_templates.c.definition).where(
            message_templates.c.workspace_id == workspace_id,
            message_templates.c.key == template.key,
        )
    ).first()
    document = _dump(template)
    if row is None:
        connection.execute(
            insert(message_templates).values(
                id=new_id("tpl", now),
                workspace_id=workspace_id,
                key=template.key,
                channel=template.channel,
                definition=document,
                created_at=now,
                updated_at=now,
            )
        )
        return "created", ""
    if row.definition == document:
        return "unchanged", ""
    connection.execute(
        update(message_templates)
        .where(message_templates.c.id == row.id)
        .values(channel=template.channel, definition=document, updated_at=now)
    )
    # PostgreSQL's JSONB keeps keys in an order of its own: the stored side, in the model's.
    return "updated", yaml_diff(_dump(parse_template(row.definition)), document)


def get_template(connection: Connection, workspace_id: str, key: str) -> dict[str, Any]:
    """The stored template as JSON (definition with `created_at`, `updated_at`)."""
    row = connection.execute(
        select(message_templates).where(
            message_templates.c.workspace_id == workspace_id, message_templates.c.key == key
        )
    ).first()
    if row is None:
        raise NotFound(f"no template with key {key!r}")
    return _json(row)


def list_templates(connection: Connection, workspace_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(message_templates)
        .where(message_templates.c.workspace_id == workspace_id)
        .order_by(message_templates.c.key)
    )
    return [_json(row) for row in rows]


def templates_page(
    connection: Connection, workspace_id: str, after: str | None, limit: int
) -> Page[dict[str, Any], str]:
    """The workspace's templates as JSON by key, from the one after the key `after`."""
    query = select(message_templates).where(message_templates.c.workspace_id == workspace_id)
    if after is not None:
        query = query.where(message_templates.c.key > after)
    rows = connection.execute(query.order_by(message_templates.c.key).limit(limit + 1)).all()
    page = rows[:limit]
    return Page([_json(row) for row in page], page[-1].key if len(rows) > limit else None)


def _json(row: Any) -> dict[str, Any]:
    return {
        **row.definition,
        "created_at": iso_instant(row.created_at),
        "updated_at": iso_instant(row.updated_at),
    }


def delete_template(connection: Connection, workspace_id: str, key: str) -> None:
    """Delete a template (journeys.template_use checks first that no journey sends it)."""
    get_template(connection, workspace_id, key)
    connection.execute(
        delete(message_templates).where(
            message_templates.c.workspace_id == workspace_id, message_templates.c.key == key
        )
    )


def template_of(connection: Connection, workspace_id: str, key: str) -> MessageTemplate:
    """The stored template, parsed (NotFound when there is none)."""
    stored = get_template(connection, workspace_id, key)
    return parse_template({k: v for k, v in stored.items() if k not in _STAMPS})


_STAMPS = ("created_at", "updated_at")


def render_for(
    connection: Connection,
    workspace_id: str,
    key: str,
    profile_id: str,
    *,
    event: dict[str, Any] | None = None,
    journey: dict[str, Any] | None = None,
    locale: str | None = None,
) -> Rendered:
    """The stored template rendered for a profile (see personalise)."""
    template = template_of(connection, workspace_id, key)
    return personalise(
        connection, workspace_id, template, profile_id, event=event, journey=journey, locale=locale
    )


def personalise(
    connection: Connection,
    workspace_id: str,
    template: MessageTemplate,
    profile_id: str,
    *,
    event: dict[str, Any] | None = None,
    journey: dict[str, Any] | None = None,
    draft: bool = False,
    locale: str | None = None,
) -> Rendered:
    """A template (stored or a `draft`) rendered for a profile: its traits, computed values
    and time zone, the trigger `event`, the `journey` context, the workspace constants and,
    when the template reads them, the items recommended to the profile; in `locale`, by
    default the profile's (see render_localized)."""
    policy = load_policy(connection, workspace_id)
    traits, computed = connection.execute(
        select(profiles.c.traits, profiles.c.computed).where(
            profiles.c.workspace_id == workspace_id, profiles.c.id == profile_id
        )
    ).one()
    traits = traits or {}
    data = {
        "profile": {
            "id": profile_id,
            "traits": traits,
            "computed": computed or {},
            "timezone": traits.get("timezone") or policy.timezone or "UTC",
        },
        "event": event or {},
        "journey": journey or {},
        "workspace": policy.constants,
    }
    keys = recommendations_read(sources_of(template))
    if keys:
        found = recommended_items(connection, workspace_id, [profile_id], keys)
        data[RECOMMENDATIONS] = found[profile_id]
    return render_localized(template, data, policy.locales, locale, draft=draft)
