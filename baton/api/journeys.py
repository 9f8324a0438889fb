"""Admin API for journeys and their instances (Bearer admin token)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field, PlainValidator, StrictBool, StrictInt, StrictStr
from sqlalchemy import Connection
from starlette.responses import Response

from baton.analytics import csv_text, journey_report, node_rows
from baton.api.audit import unless_missing
from baton.api.auth import AdminWorkspace, Staff, runtime_of
from baton.api.bodies import (
    DocumentRoute,
    Duration,
    Instant,
    ProfileReference,
    described_by,
    duration_of,
    instant_of,
    profile_of,
    to_duration,
)
from baton.api.callers import Caller
from baton.api.cursors import Limit, cursor_number, decode_cursor, page_json
from baton.api.responses import JSONBody
from baton.api.reviews import publication_review
from baton.core.errors import InvalidInput
from baton.core.formats import iso_instant
from baton.identity import resolve_profile_id
from baton.identity.summaries import profile_summaries
from baton.journeys import (
    MAX_SAMPLE,
    Journey,
    JourneyDefinition,
    Status,
    Supposed,
    apply_journey,
    backtest,
    chosen_version,
    definition_of,
    dump_journey,
    get_journey,
    migration_plan,
    parse_journey,
    publish,
    reports,
    runner,
    set_status,
    trial_run,
    why,
)
from baton.journeys.decisions import decisions_report
from baton.journeys.reports import Totals, journey_totals
from baton.journeys.store import journeys_page
from baton.journeys.versions import get_version, versions_page
from baton.storage.database import write_transaction
from baton.teams.audit import record

router = APIRouter(prefix="/api/v1", tags=["journeys"], route_class=DocumentRoute)
# Versions are stored as 32-bit integers: a larger one names none, and PostgreSQL refuses it.
_LARGEST_VERSION = 2**31 - 1
JourneyDocument = Annotated[dict[str, Any], described_by(JourneyDefinition)]


@router.put("/journeys/{key}", summary="Create or update a journey's draft (JSON or YAML body)")
def put_journey(
    request: Request, workspace_id: AdminWorkspace, who: Staff, key: str, data: JourneyDocument
) -> JSONBody:
    """The body's `key` may be left out: it is the URL's."""
    if data.setdefault("key", key) != key:
        raise InvalidInput(f"key: {data['key']!r} differs from the URL's {key!r}", field="key")
    definition = parse_journey(data)
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        before = unless_missing(lambda: _journey_json(connection, workspace_id, key))
        applied = apply_journey(
            connection, workspace_id, definition, runtime.clock.now(), publish_it=False
        )
        found = journey_json(connection, applied.journey)
        _audit(connection, who, "save", runtime.clock.now(), key, before, found)
    found["change"] = applied.action
    return JSONBody(found, 201 if applied.action == "created" else 200)


@router.get("/journeys", summary="The workspace's journeys by key, with their totals")
def get_journeys(
    request: Request,
    workspace_id: AdminWorkspace,
    cursor: str | None = None,
    limit: Limit = 100,
) -> JSONBody:
    """Each journey as `GET /journeys/{key}` shows it, with `entered` (instances ever
    started), `in_progress` (live instances) and `goal_rate` (goals reached / entered;
    null before anyone entered)."""
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        page = journeys_page(connection, workspace_id, after, limit)
        totals = journey_totals(connection, [journey.id for journey in page.items])
        items = [
            {**journey_json(connection, journey), **_totals_json(totals.get(journey.id))}
            for journey in page.items
        ]
    return JSONBody(page_json(items, page.after))


def _totals_json(totals: Totals | None) -> dict[str, Any]:
    found = totals or Totals()
    return {
        "entered": found.entered,
        "in_progress": found.in_progress,
        "goal_rate": found.goal_rate,
    }


@router.get("/journeys/{key}", summary="A journey: status, versions, definition")
def get_one(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        return JSONBody(journey_json(connection, get_journey(connection, workspace_id, key)))


class Publication(BaseModel):
    """How to publish: all optional."""

    migrate: StrictBool = Field(
        default=False, description="Move live instances of older versions to the new one"
    )
    node_map: dict[str, StrictStr] = Field(
        default_factory=dict, description="{old node: new node} for the migration"
    )
    dry_run: StrictBool = Field(
        default=False,
        description="Answer where the live instances of older versions sit and where a "
        "migration would move them, publishing nothing",
    )


@router.post("/journeys/{key}/publish", summary="Publish the draft; optionally migrate instances")
def publish_journey(
    request: Request,
    workspace_id: AdminWorkspace,
    who: Staff,
    key: str,
    how: Publication | None = None,
) -> JSONBody:
    """Where the workspace requires approval of journeys, a marketer's publish is a review
    request instead: 202 and the review (baton/api/reviews.py)."""
    how = how or Publication()
    node_map = how.node_map
    runtime = runtime_of(request)
    if how.dry_run:
        with runtime.engine.connect() as connection:
            plan = migration_plan(connection, workspace_id, key, node_map)
        return JSONBody({"dry_run": True, "migration": plan})
    with write_transaction(runtime.engine) as connection:
        migrating = node_map if how.migrate else None
        held = publication_review(connection, who, key, migrating, runtime.clock.now())
        if held is not None:
            return held
        before = _journey_json(connection, workspace_id, key)
        journey, plan = publish(connection, workspace_id, key, runtime.clock.now(), migrating)
        found = journey_json(connection, journey)
        _audit(connection, who, "publish", runtime.clock.now(), key, before, found,
               detail={"migrated": plan})  # fmt: skip
    _wake(request)
    return JSONBody({**found, "migrated": plan})


def _status_route(path: str, status: Status, summary: str) -> None:
    @router.post(f"/journeys/{{key}}/{path}", summary=summary)
    def change(request: Request, workspace_id: AdminWorkspace, who: Staff, key: str) -> JSONBody:
        runtime = runtime_of(request)
        with write_transaction(runtime.engine) as connection:
            before = _journey_json(connection, workspace_id, key)
            journey = set_status(connection, workspace_id, key, status, runtime.clock.now())
            found = journey_json(connection, journey)
            _audit(connection, who, path, runtime.clock.now(), key, before, found)
        _wake(request)
        return JSONBody(found)


_status_route("pause", Status.PAUSED, "Pause: instances hold where they are; nobody enters")
_status_route("resume", Status.PUBLISHED, "Resume a paused journey")


@router.post("/journeys/{key}/archive", summary="Archive: end every instance, cancel its sends")
def archive_journey(
    request: Request, workspace_id: AdminWorkspace, who: Staff, key: str
) -> JSONBody:
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        before = _journey_json(connection, workspace_id, key)
        stopped = runner.archive(connection, workspace_id, key, runtime.clock.now())
        found = _journey_json(connection, workspace_id, key)
        _audit(connection, who, "archive", runtime.clock.now(), key, before, found,
               detail={"stopped_instances": stopped})  # fmt: skip
    found["stopped_instances"] = stopped
    return JSONBody(found)


class Entry(ProfileReference):
    """One profile by one identifier, or with `where` every live profile whose traits
    have those values; `properties` go to the trigger event."""

    properties: dict[str, Any] | None = None
    where: dict[str, StrictStr] | None = Field(
        default=None, min_length=1, description="Trait names and the text values they must have"
    )


@router.post(
    "/journeys/{key}/enter",
    status_code=201,
    summary="Enter a profile, or every profile whose traits match `where` (API trigger)",
)
def enter(
    request: Request, workspace_id: AdminWorkspace, who: Staff, key: str, entry: Entry
) -> JSONBody:
    """One profile: 201 and its instance; `where`: 200, how many entered and why others
    did not."""
    properties = entry.properties or {}
    runtime = runtime_of(request)
    if entry.where is not None:
        with write_transaction(runtime.engine) as connection:
            found = runner.enter_matching(
                connection, workspace_id, key, entry.where, properties, runtime.clock.now()
            )
            # The trait names only: their values may be personal, and no one profile's.
            _audit(connection, who, "enter", runtime.clock.now(), key, None, None,
                   detail={"where": sorted(entry.where), **found})  # fmt: skip
        _wake(request)
        return JSONBody(found)
    with write_transaction(runtime.engine) as connection:
        profile_id = profile_of(request, connection, workspace_id, entry)
        instance = runner.enter(
            connection, workspace_id, key, profile_id, properties, runtime.clock.now()
        )
        _audit(connection, who, "enter", runtime.clock.now(), key, None, None,
               profile_id=profile_id,
               detail={"instance_id": instance.id, "properties": properties})  # fmt: skip
        journey = get_journey(connection, workspace_id, key)
        page = reports.list_instances(
            connection, journey, profile_id=profile_id, live=None, after=None, limit=1
        )
    _wake(request)
    item = page.items[0]
    assert item["id"] == instance.id
    return JSONBody(item, 201)


class Backtest(BaseModel):
    """A window of stored events to replay through a version."""

    start: Instant = Field(alias="from")
    end: Instant = Field(alias="to")
    version: StrictInt | None = Field(
        default=None, description="Default: the latest, draft included"
    )
    sample: StrictInt = Field(
        default=20, ge=0, le=MAX_SAMPLE, description="How many profile paths to return"
    )


@router.post(
    "/journeys/{key}/simulate",
    summary="Backtest: replay stored events of a window through a version, sending nothing",
)
def simulate(request: Request, workspace_id: AdminWorkspace, key: str, asked: Backtest) -> JSONBody:
    with runtime_of(request).engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        version = chosen_version(journey, asked.version)
        return JSONBody(
            backtest(
                connection,
                workspace_id,
                journey,
                version,
                asked.start,
                asked.end,
                sample=asked.sample,
            )
        )


def _after(value: Any) -> timedelta:
    return timedelta(0) if value in (None, "0s", "0") else to_duration(value)


class SupposedEvent(BaseModel):
    """An event the profile is supposed to send `after` the entry (default: at once)."""

    after: Annotated[timedelta, PlainValidator(_after, json_schema_input_type=str | None)] = (
        timedelta(0)
    )
    event: StrictStr
    properties: dict[str, Any] = Field(default_factory=dict)


class TrialRun(ProfileReference):
    """One profile, run through a version on a simulated clock up to `horizon`;
    `entry_rules` false lets it in whatever the audience and re-entry rules say."""

    version: StrictInt | None = None
    properties: dict[str, Any] | None = Field(
        default=None, description="The trigger event's properties"
    )
    events: list[SupposedEvent] = Field(default_factory=list)
    horizon: Duration = timedelta(days=30)
    entry_rules: StrictBool = True


@router.post(
    "/journeys/{key}/test-run",
    summary="Run one profile through the journey on a simulated clock, sending nothing",
)
def test_run(request: Request, workspace_id: AdminWorkspace, key: str, run: TrialRun) -> JSONBody:
    supposed = [Supposed(e.after, e.event, e.properties) for e in run.events]
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        found = trial_run(
            connection,
            workspace_id,
            journey,
            chosen_version(journey, run.version),
            profile_of(request, connection, workspace_id, run),
            runtime.clock.now(),
            supposed=supposed,
            properties=run.properties,
            horizon=run.horizon,
            entry_rules=run.entry_rules,
        )
    return JSONBody(found)


@router.get("/journeys/{key}/versions", summary="A journey's versions, newest first")
def versions(
    request: Request,
    workspace_id: AdminWorkspace,
    key: str,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    """Each `version`, its `status` (draft, published: the one new entries get, or
    superseded), `created_at` (its last save), `published_at` and `created_by` (who
    saved it last, from the audit trail; null when no entry tells)."""
    after = cursor_number(decode_cursor(cursor), 1, _LARGEST_VERSION) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        page = versions_page(connection, journey, after, limit)
    items = [version.as_json() for version in page.items]
    return JSONBody(page_json(items, None if page.after is None else str(page.after)))


@router.get("/journeys/{key}/versions/{version}", summary="One version of a journey")
def version(
    request: Request,
    workspace_id: AdminWorkspace,
    key: str,
    version: Annotated[int, Path(ge=1, le=_LARGEST_VERSION)],
) -> JSONBody:
    """What the versions list shows of it, and its `definition`."""
    with runtime_of(request).engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        found, definition = get_version(connection, journey, version)
    return JSONBody({**found.as_json(), "definition": definition})


@router.get(
    "/journeys/{key}/stats", summary="Per node: entered, waiting now, exited, goals; outcomes"
)
def stats(request: Request, workspace_id: AdminWorkspace, key: str) -> JSONBody:
    """`nodes`: per node, `entered` (visits), `waiting` (instances there now), `exited`
    (instances that ended there) and `goals` (instances that reached the journey's goal
    there, as a backtest counts them), with `messages` by status and `best_time` where they
    apply; the instances' `outcomes`; `goals` reached, their rate and mean seconds to goal;
    `messages` by status with skip, cancel and deferral reasons."""
    with runtime_of(request).engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        return JSONBody(reports.journey_stats(connection, journey))


@router.get(
    "/journeys/{key}/decisions",
    summary="Decide nodes: offers given, conversions, offline evaluation, fairness",
)
def decisions(
    request: Request,
    workspace_id: AdminWorkspace,
    key: str,
    version: Annotated[int | None, Query(ge=1, le=_LARGEST_VERSION)] = None,
) -> JSONBody:
    """Per decide node of `version` (default: the published one, else the draft): per
    offer its decisions, conversion and offer rates; the holdout's and the policy's net
    value per decision; inverse propensity scoring estimates of the learned policy and
    of random choice; caps, guardrails, and offer rates across the workspace's sensitive
    traits (docs/journeys.md)."""
    runtime = runtime_of(request)
    with runtime.engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        chosen = chosen_version(journey, version or journey.published_version)
        definition = definition_of(connection, journey.id, chosen)
        found = decisions_report(connection, journey, definition, runtime.clock.now())
    return JSONBody({**found, "version": chosen})


def _report(
    request: Request,
    workspace_id: AdminWorkspace,
    key: str,
    start: Annotated[str | None, Query(alias="from")] = None,
    end: Annotated[str | None, Query(alias="to")] = None,
    version: Annotated[int | None, Query(ge=1, le=_LARGEST_VERSION)] = None,
    attribution_window: str = "7d",
) -> dict[str, Any]:
    """Over the entries from `from` (default: the journey's creation) to `to` (default:
    now); revenue counts orders within `attribution_window` of a message or an entry."""
    runtime = runtime_of(request)
    window = duration_of(attribution_window, "attribution_window")
    with runtime.engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        return journey_report(
            connection,
            journey,
            start=instant_of(start, "from") if start else journey.created_at,
            end=instant_of(end, "to") if end else runtime.clock.now(),
            version=version,
            window=window,
        )


Report = Annotated[dict[str, Any], Depends(_report)]


@router.get("/journeys/{key}/report", summary="Nodes, goals, revenue, experiments, daily series")
def report(found: Report) -> JSONBody:
    return JSONBody(found)


@router.get("/journeys/{key}/report.csv", summary="The report's figures per node, as a CSV file")
def report_csv(request: Request, who: Staff, key: str, found: Report) -> Response:
    """The same parameters as the report; the export is in the audit trail."""
    text = csv_text(node_rows(found), columns=["node"])
    runtime = runtime_of(request)
    with write_transaction(runtime.engine) as connection:
        record(connection, who.workspace, who.actor, "report.export", runtime.clock.now(),
               object_type="journey", object_id=key,
               detail={"from": found["from"], "to": found["to"]})  # fmt: skip
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", key)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}-report.csv"'},
    )


@router.get("/journeys/{key}/instances", summary="Instances with their state and step history")
def instances(
    request: Request,
    workspace_id: AdminWorkspace,
    key: str,
    profile_id: str | None = None,
    live: bool | None = None,
    node: str | None = None,
    cursor: str | None = None,
    limit: Limit = 50,
) -> JSONBody:
    """Newest first. `node`: the people at that node (with it, `live` defaults to true;
    `live=false` lists those whose instance ended there). Each instance carries its
    `profile`: `{id, email, user_id, name}`, null when unknown."""
    after = decode_cursor(cursor) if cursor else None
    if node is not None and live is None:
        live = True
    with runtime_of(request).engine.connect() as connection:
        journey = get_journey(connection, workspace_id, key)
        if profile_id is not None:
            profile_id = resolve_profile_id(connection, workspace_id, profile_id)
        page = reports.list_instances(
            connection,
            journey,
            profile_id=profile_id,
            live=live,
            after=after,
            limit=limit,
            node=node,
        )
        people = profile_summaries(
            connection, workspace_id, [item["profile_id"] for item in page.items]
        )
    items = [{**item, "profile": people.get(item["profile_id"])} for item in page.items]
    return JSONBody(page_json(items, page.after))


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
    after = decode_cursor(cursor) if cursor else None
    with runtime_of(request).engine.connect() as connection:
        live_id = resolve_profile_id(connection, workspace_id, profile_id)
        page = reports.profile_journeys(connection, workspace_id, live_id, after, limit)
    return JSONBody(page_json(page.items, page.after))


def _audit(
    connection: Connection,
    who: Caller,
    action: str,
    now: datetime,
    key: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    profile_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record `journey.<action>` on the journey `key` in the audit trail."""
    record(connection, who.workspace, who.actor, f"journey.{action}", now,
           object_type="journey", object_id=key, profile_id=profile_id, before=before,
           after=after, detail=detail)  # fmt: skip


def _journey_json(connection: Connection, workspace_id: str, key: str) -> dict[str, Any]:
    return journey_json(connection, get_journey(connection, workspace_id, key))


def _wake(request: Request) -> None:
    processor = runtime_of(request).processor
    if processor is not None:
        processor.wake_journeys()


def journey_json(connection: Connection, journey: Journey) -> dict[str, Any]:
    """A journey as the API shows it: status, versions, definitions."""
    found: dict[str, Any] = {
        "id": journey.id,
        "key": journey.key,
        "name": journey.name,
        "status": journey.status.value,
        "version": journey.version,
        "published_version": journey.published_version,
        "draft_version": journey.version if journey.has_draft else None,
        "created_at": iso_instant(journey.created_at),
        "updated_at": iso_instant(journey.updated_at),
    }
    found["definition"] = dump_journey(definition_of(connection, journey.id, journey.version))
    if journey.published_version is not None and journey.has_draft:
        published = definition_of(connection, journey.id, journey.published_version)
        found["published_definition"] = dump_journey(published)
    return found
