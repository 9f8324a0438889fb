"""Admin API for segments and computed traits: one shape, two kinds (Bearer admin token)."""

# No `from __future__ import annotations`: each kind's routes are declared inside
# definitions_router, where FastAPI could not look their body types up by name.

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Connection

from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import DocumentRoute, described_by
from baton.api.callers import Caller
from baton.api.cursors import Limit, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.core.errors import Conflict, InvalidInput
from baton.core.formats import iso_instant
from baton.segments import (
    ComputedTraitDefinition,
    Kind,
    SegmentDefinition,
    Stored,
    definitions_page,
    delete_definition,
    distribution,
    get_definition,
    history,
    list_definitions,
    memberships,
    query,
    request_build,
    save_definition,
    vocabulary,
)
from baton.storage.database import write_transaction
from baton.teams.audit import record

MembersLimit = Annotated[int, Query(ge=1, le=1000)]
HistoryDays = Annotated[int, Query(ge=1, le=366)]
_MODELS = {Kind.SEGMENT: SegmentDefinition, Kind.COMPUTED_TRAIT: ComputedTraitDefinition}


def definitions_router(kind: Kind, path: str) -> APIRouter:
    router = APIRouter(prefix=f"/api/v1/{path}", tags=[path], route_class=DocumentRoute)
    label = kind.label
    # The domain parses it, once the key (of the URL, or "preview") is in.
    Definition = Annotated[dict[str, Any], described_by(_MODELS[kind])]

    @router.post("", status_code=201, summary=f"Create a {label}; it builds for every profile")
    def create(
        request: Request, workspace_id: AdminWorkspace, who: Staff, body: Definition
    ) -> JSONBody:
        definition = kind.parse(body)
        runtime = runtime_of(request)
        with write_transaction(runtime.engine) as connection:
            existing = {s.key for s in list_definitions(connection, workspace_id, kind)}
            if definition.key in existing:
                raise Conflict(f"{label} {definition.key!r} exists: PUT to change it", field="key")
            now = runtime.clock.now()
            saved, _ = save_definition(connection, workspace_id, definition, now)
            audited(connection, who, now, "save", None, saved)
        return JSONBody(saved.as_json(), 201)

    @router.get("", summary=f"The workspace's {label}s by key, in pages")
    def list_all(
        request: Request,
        workspace_id: AdminWorkspace,
        cursor: str | None = None,
        limit: Limit = 100,
    ) -> JSONBody:
        after = decode_cursor(cursor) if cursor else None
        with runtime_of(request).engine.connect() as connection:
            page = definitions_page(connection, workspace_id, kind, after, limit)
        return JSONBody(page_json([item.as_json() for item in page.items], page.after))

    @router.post("/preview", summary=f"Count and sample a {label} now, without saving it")
    def preview(request: Request, workspace_id: AdminWorkspace, body: Definition) -> JSONBody:
        definition = kind.parse({"key": "preview", "name": "Preview", **body})
        runtime = runtime_of(request)
        with runtime.engine.connect() as connection:
            found = query.preview(connection, workspace_id, definition, runtime.clock.now())
        return JSONBody(found)

    @router.get("/{ref}", summary=f"A {label} by id or key")
    def get(request: Request, workspace_id: AdminWorkspace, ref: str) -> JSONBody:
        with runtime_of(request).engine.connect() as connection:
            return JSONBody(get_definition(connection, workspace_id, kind, ref).as_json())

    @router.put("/{ref}", summary=f"Change a {label}: a new version, built for every profile")
    def put(
        request: Request, workspace_id: AdminWorkspace, who: Staff, ref: str, body: Definition
    ) -> JSONBody:
        runtime = runtime_of(request)
        with write_transaction(runtime.engine) as connection:
            current = get_definition(connection, workspace_id, kind, ref)
            if body.setdefault("key", current.key) != current.key:
                raise InvalidInput("the key of a definition cannot change", field="key")
            definition = kind.parse(body)
            now = runtime.clock.now()
            saved, _ = save_definition(connection, workspace_id, definition, now)
            audited(connection, who, now, "save", current, saved)
        return JSONBody(saved.as_json())

    @router.delete("/{ref}", status_code=204, summary=f"Delete a {label} nothing else uses")
    def delete(request: Request, workspace_id: AdminWorkspace, who: Staff, ref: str) -> Response:
        runtime = runtime_of(request)
        with write_transaction(runtime.engine) as connection:
            current = get_definition(connection, workspace_id, kind, ref)
            now = runtime.clock.now()
            delete_definition(connection, workspace_id, kind, ref, now)
            audited(connection, who, now, "delete", current, None)
        return Response(status_code=204)

    @router.post("/{ref}/evaluate", status_code=202, summary="Evaluate again for every profile")
    def evaluate(request: Request, workspace_id: AdminWorkspace, who: Staff, ref: str) -> JSONBody:
        """Memberships it changes start and stop journeys: an action in the audit trail."""
        runtime = runtime_of(request)
        with write_transaction(runtime.engine) as connection:
            current = get_definition(connection, workspace_id, kind, ref)
            request_build(connection, current)
            stored = get_definition(connection, workspace_id, kind, ref)
            audited(connection, who, runtime.clock.now(), "evaluate", current, stored)
        return JSONBody(stored.as_json(), 202)

    @router.get("/{ref}/count", summary="How many profiles are in it (or have a value)")
    def count(request: Request, workspace_id: AdminWorkspace, ref: str) -> JSONBody:
        with runtime_of(request).engine.connect() as connection:
            stored = get_definition(connection, workspace_id, kind, ref)
            if kind is Kind.SEGMENT:
                total = memberships.member_count(connection, stored.id)
            else:
                total = query.computed_holder_count(connection, workspace_id, stored.key)
        return JSONBody({"id": stored.id, "key": stored.key, "count": total, **_status(stored)})

    @router.get("/{ref}/members", summary="Its profiles, in pages by profile id")
    def members(
        request: Request,
        workspace_id: AdminWorkspace,
        ref: str,
        cursor: str | None = None,
        limit: MembersLimit = 100,
    ) -> JSONBody:
        after = decode_cursor(cursor) if cursor else None
        with runtime_of(request).engine.connect() as connection:
            stored = get_definition(connection, workspace_id, kind, ref)
            if kind is Kind.SEGMENT:
                members = memberships.members(connection, stored.id, after, limit)
                items = [
                    {"profile_id": profile_id, "entered_at": iso_instant(entered_at)}
                    for profile_id, entered_at in members.items
                ]
                last = members.after
            else:
                holders = query.computed_holders_page(
                    connection, workspace_id, stored.key, after, limit
                )
                items = [{"profile_id": p, "value": value} for p, value in holders.items]
                last = holders.after
        return JSONBody({**page_json(items, last), **_status(stored)})

    if kind is Kind.SEGMENT:

        @router.get("/{ref}/history", summary="Members at the end of each of the last days")
        def member_history(
            request: Request, workspace_id: AdminWorkspace, ref: str, days: HistoryDays = 30
        ) -> JSONBody:
            """`{days: [{day, count}]}`, oldest first, UTC days, today's count being now's."""
            runtime = runtime_of(request)
            with runtime.engine.connect() as connection:
                stored = get_definition(connection, workspace_id, kind, ref)
                found = history.daily_members(connection, stored, days, runtime.clock.now())
            days_json = [{"day": day.isoformat(), "count": count} for day, count in found]
            return JSONBody({"id": stored.id, "key": stored.key, "days": days_json})

    else:

        @router.get("/{ref}/distribution", summary="How its values spread over the profiles")
        def value_distribution(
            request: Request, workspace_id: AdminWorkspace, ref: str
        ) -> JSONBody:
            """Numbers: `buckets` of even width over min..max; other values: the 10 most
            held, and `other`. Of the values of at most the first 100,000 profiles."""
            with runtime_of(request).engine.connect() as connection:
                stored = get_definition(connection, workspace_id, kind, ref)
                found = distribution.of_trait(connection, workspace_id, stored.key)
            return JSONBody({"id": stored.id, "key": stored.key, **found, **_status(stored)})

    def audited(
        connection: Connection,
        who: Caller,
        now: datetime,
        action: str,
        before: Stored | None,
        after: Stored | None,
    ) -> None:
        changed = after or before
        assert changed is not None
        record(
            connection,
            who.workspace,
            who.actor,
            f"{kind.value}.{action}",
            now,
            object_type=kind.value,
            object_id=changed.key,
            before=None if before is None else before.as_json(),
            after=None if after is None else after.as_json(),
        )

    return router


def _status(stored: Stored) -> dict[str, Any]:
    return {"status": "live" if stored.live else "building", "version": stored.version}


vocabulary_router = APIRouter(prefix="/api/v1", tags=["segments"], route_class=DocumentRoute)


@vocabulary_router.get("/schema", summary="Trait keys and event names in use, for conditions")
def schema(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    """The most frequent trait keys (`profiles`: how many of the `sampled_profiles` most
    recently created hold one) and event names (`events`: how many among the workspace's
    newest 50,000 events), most frequent first."""
    with runtime_of(request).engine.connect() as connection:
        found = vocabulary.vocabulary(connection, workspace_id)
    return JSONBody(
        {
            "traits": [{"key": key, "profiles": n} for key, n in found.traits],
            "events": [{"name": name, "events": n} for name, n in found.events],
            "sampled_profiles": found.sampled_profiles,
        }
    )


segments_router = definitions_router(Kind.SEGMENT, "segments")
computed_traits_router = definitions_router(Kind.COMPUTED_TRAIT, "computed-traits")
