"""Admin API for journeys, their instances and the messages they send (Bearer admin token)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from baton.analytics.journey_report import journey_report
from baton.api.auth import AdminWorkspace, runtime_of
from baton.api.bodies import duration_of, instant_of, profile_of, read_document, read_object
from baton.api.responses import JSONBody
from baton.channels.outbox import list_messages
from baton.core.errors import InvalidInput
from baton.identity.profiles import resolve_profile_id
from baton.journeys import reports, runner
from baton.journeys.definitions import parse_journey
from baton.journeys.files import apply_journey
from baton.journeys.simulation import MAX_SAMPLE, Supposed, backtest, trial_run
from baton.journeys.store import (
    Status,
    chosen_version,
    get_journey,
    journey_json,
    list_journeys,
    migration_plan,
    publish,
    set_status,
)
from baton.journeys.why import why
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


def _properties(body: dict[str, Any]) -> dict[str, Any] | None:
    properties = body.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise InvalidInput("properties: must be an object", field="properties")
    return properties


@router.post(
    "/journeys/{key}/enter",
    status_code=201,
    summary="Enter a profile, or every profile whose traits match `where` (API trigger)",
)
async def enter(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    """`{"user_id" | "email" | ...: ..., "properties": {...}}` enters one profile (201, the
    instance); `{"where": {"region": "North"}, "properties": {...}}` enters every live
    profile whose traits have those values (200, how many entered and why others not)."""
    body = await read_object(request, required=True)
    properties = _properties(body) or {}
    runtime = runtime_of(request)
    if "where" in body:
        where = body["where"]
        if (
            not isinstance(where, dict)
            or not where
            or not all(isinstance(v, str) for v in where.values())
        ):
            raise InvalidInput(
                "where: an object of trait names and the text values they must have",
                field="where",
            )
        with write_transaction(runtime.engine) as connection:
            found = runner.enter_matching(
                connection, workspace_id, key, where, properties, runtime.clock.now()
            )
        _wake(request)
        return JSONBody(found)
    with write_transaction(runtime.engine) as connection:
        profile_id = profile_of(request, connection, workspace_id, body)
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


def _instant(body: dict[str, Any], name: str) -> datetime:
    return instant_of(body.get(name), name)


def _duration(body: dict[str, Any], name: str, default: str) -> timedelta:
    return duration_of(body.get(name, default), name)


@router.post(
    "/journeys/{key}/simulate",
    summary="Backtest: replay stored events of a window through a version, sending nothing",
)
async def simulate(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    """Body: `from`, `to` (dates or instants), optional `version` (default: the latest,
    draft included) and `sample` (profile paths to return, up to 100)."""
    body = await read_object(request, required=True)
    start, end = _instant(body, "from"), _instant(body, "to")
    sample = body.get("sample", 20)
    if not isinstance(sample, int) or isinstance(sample, bool) or not 0 <= sample <= MAX_SAMPLE:
        raise InvalidInput(f"sample: a whole number from 0 to {MAX_SAMPLE}", field="sample")
    with runtime_of(request).engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        version = chosen_version(journey, body.get("version"))
        return JSONBody(
            backtest(connection, workspace_id, journey, version, start, end, sample=sample)
        )


@router.post(
    "/journeys/{key}/test-run",
    summary="Run one profile through the journey on a simulated clock, sending nothing",
)
async def test_run(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    """Body: one profile identifier (`user_id`, `email`, ...), optional `version`,
    `properties` (of the trigger event), `events` the profile is supposed to send
    (`[{"after": "2h", "event": "Order Completed", "properties": {}}]`), `horizon`
    (default 30d) and `entry_rules` (default true: audience and re-entry apply)."""
    body = await read_object(request, required=True)
    supposed = _supposed(body.get("events", []))
    horizon = _duration(body, "horizon", "30d")
    entry_rules = body.get("entry_rules", True)
    if not isinstance(entry_rules, bool):
        raise InvalidInput("entry_rules: true or false", field="entry_rules")
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        found = trial_run(
            connection,
            workspace_id,
            journey,
            chosen_version(journey, body.get("version")),
            profile_of(request, connection, workspace_id, body),
            runtime.clock.now(),
            supposed=supposed,
            properties=_properties(body),
            horizon=horizon,
            entry_rules=entry_rules,
        )
    return JSONBody(found)


def _supposed(items: Any) -> list[Supposed]:
    if not isinstance(items, list):
        raise InvalidInput("events: must be a list", field="events")
    found = []
    for index, item in enumerate(items):
        field = f"events.{index}"
        if not isinstance(item, dict) or not isinstance(item.get("event"), str):
            raise InvalidInput(f"{field}: give {{after, event, properties}}", field=field)
        properties = item.get("properties", {})
        if not isinstance(properties, dict):
            raise InvalidInput(f"{field}.properties: must be an object", field=field)
        immediately = item.get("after") in (None, "0s", "0")
        after = timedelta(0) if immediately else _duration(item, "after", "0s")
        found.append(Supposed(after, item["event"], properties))
    return found


@router.get("/journeys/{key}/stats", summary="Per node: entered, waiting now, exited; goals")
def stats(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        return JSONBody(reports.journey_stats(connection, journey))


@router.get("/journeys/{key}/report", summary="Nodes, goals, revenue, experiments, daily series")
def report(
    request: Request,
    workspace_id: AdminWorkspace,
    key: str,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    version: Annotated[int | None, Query(ge=1)] = None,
    attribution_window: str = "7d",
) -> JSONBody:
    """Over the entries from `from` (default: the journey's creation) to `to` (default:
    now); revenue counts orders within `attribution_window` of a message or an entry."""
    runtime = runtime_of(request)
    query = {k: v for k, v in (("from", start), ("to", end)) if v is not None}
    window = duration_of(attribution_window, "attribution_window")
    with runtime.engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        found = journey_report(
            connection,
            journey,
            start=_instant(query, "from") if start else journey.created_at,
            end=_instant(query, "to") if end else runtime.clock.now(),
            version=version,
            window=window,
        )
    return JSONBody(found)


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
    "/journeys/{key}/why",
    summary="Why a profile did or did not enter, and did or did not get each message",
)
def why_route(
    request: Request, workspace_id: AdminWorkspace, key: str, profile_id: str
) -> JSONBody:
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        live_id = resolve_profile_id(connection, workspace_id, profile_id)
        return JSONBody(why(connection, workspace_id, journey, live_id, runtime.clock.now()))


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
