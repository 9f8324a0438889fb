"""Journeys: durable, state-aware flows started by events, segments, schedules or the API."""

from baton.journeys.allocation import allocation_history, optimize_splits
from baton.journeys.definitions import (
    JourneyDefinition,
    JourneyStage,
    MessageNode,
    dump_journey,
    event_of,
    parse_journey,
)
from baton.journeys.files import apply_journey, read_journeys
from baton.journeys.library import (
    Installed,
    find_journey_templates,
    get_journey_template,
    install,
)
from baton.journeys.reports import journey_stats
from baton.journeys.runner import (
    enter_matching,
    fire_timers,
    inbox_waiting,
    next_timer_at,
    process_inbox,
)
from baton.journeys.schedules import run_schedules
from baton.journeys.simulation import MAX_SAMPLE, Supposed, backtest, trial_run
from baton.journeys.store import (
    Journey,
    Status,
    chosen_version,
    definition_of,
    get_journey,
    list_journeys,
    listen_to_events,
    migration_plan,
    publish,
    set_status,
)
from baton.journeys.template_use import delete_unused_template
from baton.journeys.why import decisions_of, message_answer, why

__all__ = [
    "MAX_SAMPLE",
    "Installed",
    "Journey",
    "JourneyDefinition",
    "JourneyStage",
    "MessageNode",
    "Status",
    "Supposed",
    "allocation_history",
    "apply_journey",
    "backtest",
    "chosen_version",
    "decisions_of",
    "definition_of",
    "delete_unused_template",
    "dump_journey",
    "enter_matching",
    "event_of",
    "find_journey_templates",
    "fire_timers",
    "get_journey",
    "get_journey_template",
    "inbox_waiting",
    "install",
    "journey_stats",
    "list_journeys",
    "listen_to_events",
    "message_answer",
    "migration_plan",
    "next_timer_at",
    "optimize_splits",
    "parse_journey",
    "process_inbox",
    "publish",
    "read_journeys",
    "run_schedules",
    "set_status",
    "trial_run",
    "why",
]
