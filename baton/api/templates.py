"""Admin API for message templates: CRUD by key, and previews for a real profile."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from pydantic import Field

from baton.api.audit import unless_missing
from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import (
    DocumentRoute,
    ProfileReference,
    described_by,
    names_profile,
    profile_of,
)
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.api.reviews import template_review
from baton.channels import (
    MessageTemplate,
    check_template,
    get_template,
    parse_template,
    personalise,
    render_for,
    save_template,
    templates_page,
)
from baton.core.errors import InvalidInput
from baton.journeys import delete_unused_template
from baton.storage.database import write_transaction
from baton.teams.audit import record

router = APIRouter(prefix="/api/v1", tags=["templates"], route_class=DocumentRoute)
TemplateDocument = Annotated[dict[str, Any], described_by(MessageTemplate)]


@router.put("/templates/{key}", summary="Create or replace a template (JSON or YAML body)")
def put_template(
    request: Request, workspace_id: AdminWorkspace, who: Staff, key: str, data: TemplateDocument
) -> JSONBody:
    """The body's `key` may be left out: it is the URL's. Where the workspace requires
    approval of templates, a marketer's change is a review request instead: 202 and the
    review (baton/api/reviews.py)."""
    if data.setdefault("key", key) != key:
        raise InvalidInput(f"key: {data['key']!r} differs from the URL's {key!r}", field="key")
    template = parse_template(data)
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        held = template_review(connection, who, template, runtime.clock.now())
        if held is not None:
            return held
        before = unless_missing(lambda: get_template(connection, workspace_id, key))
        action, _ = save_template(connection, workspace_id, template, runtime.clock.now())
        found = get_template(connection, workspace_id, key)
        record(connection, workspace_id, who.actor, "template.save", runtime.clock.now(),
               object_type="template", object_id=key, before=before, after=found)  # fmt: skip
    return JSONBody({**found, "change": action}, 201 if action == "created" else 200)


@router.get("/templates", summary="The workspace's templates by key, in pages")
def get_templates(
    request: Request,
    workspace_id: AdminWorkspace,
    cursor: str | None = None,
    limit: Limit = 100,
) -> JSONBody:
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        page = templates_page(connection, workspace_id, after, limit)
    return JSONBody(page_json(page.items, page.after))


@router.get("/templates/{key}", summary="A template")
def get_one(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(get_template(connection, workspace_id, key))


@router.delete("/templates/{key}", status_code=204, summary="Delete an unused template")
def delete_one(request: Request, workspace_id: AdminWorkspace, who: Staff, key: str) -> None:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        before = get_template(connection, workspace_id, key)
        delete_unused_template(connection, workspace_id, key)
        record(connection, workspace_id, who.actor, "template.delete", runtime.clock.now(),
               object_type="template", object_id=key, before=before)  # fmt: skip


class Preview(ProfileReference):
    """The profile to render the template for, and what it may read besides."""

    event: dict[str, Any] | None = Field(
        default=None, description='The triggering event: {"event": ..., "properties": {...}}'
    )
    journey: dict[str, Any] | None = None
    locale: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$",
        description="The language to render in (`hu`, `hu-HU`), by default the profile's "
        "`locale` trait; the workspace's fallbacks apply",
    )


@router.post("/templates/{key}/preview", summary="The template rendered for a profile")
def preview(request: Request, workspace_id: AdminWorkspace, key: str, asked: Preview) -> JSONBody:
    """The parts, and `locale`: the language they are in."""
    with runtime_of(request).engine.connect() as connection:
        profile_id = profile_of(request, connection, workspace_id, asked)
        rendered = render_for(
            connection,
            workspace_id,
            key,
            profile_id,
            event=asked.event,
            journey=asked.journey,
            locale=asked.locale,
        )
    return JSONBody({"profile_id": profile_id, **rendered.json(), "locale": rendered.locale})


class DraftPreview(Preview):
    """An unsaved template, and optionally the profile to render it for."""

    template: TemplateDocument = Field(description="The template as drafted; `key` may be left out")


@router.post("/templates/preview", summary="An unsaved template's mistakes, and its parts rendered")
def preview_draft(request: Request, workspace_id: AdminWorkspace, asked: DraftPreview) -> JSONBody:
    """The Liquid mistakes of every part (up to 100 a part) with their line and column
    (200: a draft may have them); when there is none and the body names a profile, the
    parts rendered for it."""
    template, problems = check_template({"key": "draft", **asked.template})
    profile_id = rendered = None
    with runtime_of(request).engine.connect() as connection:
        if names_profile(asked):
            profile_id = profile_of(request, connection, workspace_id, asked)
            if not problems:
                found = personalise(
                    connection,
                    workspace_id,
                    template,
                    profile_id,
                    event=asked.event,
                    journey=asked.journey,
                    draft=True,
                    locale=asked.locale,
                )
                rendered = {**found.json(), "locale": found.locale}
    return JSONBody(
        {
            "problems": [problem.json() for problem in problems],
            "profile_id": profile_id,
            "rendered": rendered,
        }
    )
