"""Admin API for journeys, their instances and the messages they send (Bearer admin token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.bodies import read_document, read_object
from baton.api.responses import JSONBody
from baton.channels.outbox import list_messages
from baton.core.errors import InvalidInput
from baton.identity.profiles import find_profile, resolve_profile_id
from baton.journeys import reports, runner
from baton.journeys.definitions import parse_journey
from baton.journeys.files import apply_journey
from baton.journeys.store import (
    Status,
    get_journey,
    journey_json,
    list_journeys,
    migration_plan,
    publish,
    set_status,
)
from baton.storage.database import write_transaction

router = APIRouter(prefix="/api/v1", tags=["journeys"])
Limit = Annotated[int, Query(ge=1, le=500)]


@router.put("/journeys/{key}", summary="Create or update a journey's draft (JSON or YAML body)")
async def put_journey(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    data = await read_document(request, required=True)
    if not isinstance(data, dict):
        raise InvalidInput("the journey must be a mapping")
    if data.setdefault("key", key) != key:
        raise InvalidInput(f"key: {data['key']!r} differs from the URL's {key!r}", field="key")
    definition = parse_journey(data)
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        applied = apply_journey(
            connection, workspace_id, definition, runtime.clock.now(), publish_it=False
        )
        found = journey_json(connection, applied.journey)
    found["change"] = applied.action
    return JSONBody(found, 201 if applied.action == "created" else 200)


@router.get("/journeys", summary="Every journey of the workspace")
def get_journeys(request: Request, workspace_id: AdminWorkspace) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        items = [journey_json(connection, j) for j in list_journeys(connection, workspace_id)]
    return JSONBody({"items": items})


@router.get("/journeys/{key}", summary="A journey: status, versions, definition")
def get_one(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(journey_json(connection, get_journey(connection, workspace_id, key)))


@router.post("/journeys/{key}/publish", summary="Publish the draft; optionally migrate instances")
async def publish_journey(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    """Body (all optional): `migrate` (move live instances of older versions to the new
    one), `node_map` ({old node: new node}), `dry_run` (answer where the live instances of
    older versions sit and where a migration would move them, publishing nothing)."""
    body = await read_object(request, required=False)
    node_map = body.get("node_map", {})
    if not isinstance(node_map, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in node_map.items()
    ):
        raise InvalidInput("node_map: give {old node: new node}", field="node_map")
    flags = {name: body.get(name, False) for name in ("migrate", "dry_run")}
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise InvalidInput(f"{name}: true or false", field=name)
    runtime = runtime_of(request)
    if flags["dry_run"]:
        with runtime.engine.connect() as connection:
            plan = migration_plan(connection, workspace_id, key, node_map)
        return JSONBody({"dry_run": True, "migration": plan})
    with write_transaction(runtime.engine) as connection:
        journey, plan = publish(
            connection,
            workspace_id,
            key,
            runtime.clock.now(),
            node_map if flags["migrate"] else None,
        )
        found = journey_json(connection, journey)
    _wake(request)
    return JSONBody({**found, "migrated": plan})


def _status_route(path: str, status: Status, summary: str) -> None:
    @router.post(f"/journeys/{{key}}/{path}", summary=summary)
    def change(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
        runtime = runtime_of(request)
        with write_transaction(runtime.engine) as connection:
            journey = set_status(connection, workspace_id, key, status, runtime.clock.now())
            found = journey_json(connection, journey)
        _wake(request)
        return JSONBody(found)


_status_route("pause", Status.PAUSED, "Pause: instances hold where they are; nobody enters")
_status_route("resume", Status.PUBLISHED, "Resume a paused journey")


@router.post("/journeys/{key}/archive", summary="Archive: end every instance, cancel its sends")
def archive_journey(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        stopped = runner.archive(connection, workspace_id, key, runtime.clock.now())
        found = journey_json(connection, get_journey(connection, workspace_id, key))
    found["stopped_instances"] = stopped
    return JSONBody(found)


_PROFILE_FIELDS = ("profile_id", "user_id", "email", "anonymous_id", "phone")


@router.post("/journeys/{key}/enter", status_code=201, summary="Enter a profile (API trigger)")
async def enter(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    body = await read_object(request, required=True)
    given = [name for name in _PROFILE_FIELDS if body.get(name)]
    if len(given) != 1:
        raise InvalidInput(f"give exactly one of {', '.join(_PROFILE_FIELDS)}", field="user_id")
    properties = body.get("properties", {})
    if not isinstance(properties, dict):
        raise InvalidInput("properties: must be an object", field="properties")
    runtime = runtime_of(request)
    (field,) = given
    reference = body[field]
    if not isinstance(reference, str):
        raise InvalidInput(f"{field}: must be a string", field=field)
    with write_transaction(runtime.engine) as connection:
        if field == "profile_id":
            profile_id = resolve_profile_id(connection, workspace_id, reference)
        else:
            region = runtime.settings.default_region
            profile_id = find_profile(connection, workspace_id, reference, region)["id"]
        instance = runner.enter(
            connection, workspace_id, key, profile_id, properties, runtime.clock.now()
        )
        journey = get_journey(connection, workspace_id, key)
        page = reports.list_instances(
            connection, journey, profile_id=profile_id, live=None, cursor=None, limit=1
        )
    _wake(request)
    item = page["items"][0]
    assert item["id"] == instance.id
    return JSONBody(item, 201)


@router.get("/journeys/{key}/stats", summary="Per node: entered, waiting now, exited; goals")
def stats(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        return JSONBody(reports.journey_stats(connection, journey))


@router.get("/journeys/{key}/instances", summary="Instances with their state and step history")
def instances(
    request: Request,
    workspace_id: AdminWorkspace,
    key: str,
    profile_id: str | None = None,
    live: bool | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        if profile_id is not None:
            profile_id = resolve_profile_id(connection, workspace_id, profile_id)
        return JSONBody(
            reports.list_instances(
                connection, journey, profile_id=profile_id, live=live, cursor=cursor, limit=limit
            )
        )


@router.get(
    "/profiles/{profile_id}/journeys",
    summary="Every journey instance of a profile, with what moved each step",
)
def profile_journeys(
    request: Request,
    workspace_id: AdminWorkspace,
    profile_id: str,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        live_id = resolve_profile_id(connection, workspace_id, profile_id)
        return JSONBody(reports.profile_journeys(connection, workspace_id, live_id, cursor, limit))


@router.get("/messages", summary="Messages journeys created, newest first")
def messages(
    request: Request,
    workspace_id: AdminWorkspace,
    profile_id: str | None = None,
    journey: str | None = None,
    status: str | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        if profile_id is not None:
            profile_id = resolve_profile_id(connection, workspace_id, profile_id)
        found = list_messages(
            connection,
            workspace_id,
            profile_id=profile_id,
            journey=journey,
            status=status,
            cursor=cursor,
            limit=limit,
        )
    return JSONBody(found)


def _wake(request: Request) -> None:
    processor = runtime_of(request).processor
    if processor is not None:
        processor.wake_journeys()
