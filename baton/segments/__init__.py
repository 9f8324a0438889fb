"""Live segments and computed traits: definitions, incremental and full evaluation."""

from baton.segments.build import build, build_pending
from baton.segments.definitions import (
    SEGMENT_ENTERED,
    SEGMENT_EXITED,
    ComputedTraitDefinition,
    Condition,
    Definition,
    Op,
    PropertyFilter,
    SegmentDefinition,
    leading_key,
    referenced_computed,
    referenced_segments,
)
from baton.segments.evaluate import Catalog, EventFact, ProfileEvaluation, ProfileFacts
from baton.segments.evaluator import evaluate_due, events_read, load_facts
from baton.segments.files import apply_definitions, parse_definitions, read_definitions, yaml_diff
from baton.segments.memberships import members, members_among, segments_of
from baton.segments.store import (
    Kind,
    Stored,
    definitions_page,
    delete_definition,
    get_definition,
    list_definitions,
    listen_to_events,
    load_catalog,
    request_build,
    save_definition,
)
from baton.segments.values import holds, is_number, lookup, parse_instant

__all__ = [
    "SEGMENT_ENTERED",
    "SEGMENT_EXITED",
    "Catalog",
    "ComputedTraitDefinition",
    "Condition",
    "Definition",
    "EventFact",
    "Kind",
    "Op",
    "ProfileEvaluation",
    "ProfileFacts",
    "PropertyFilter",
    "SegmentDefinition",
    "Stored",
    "apply_definitions",
    "build",
    "build_pending",
    "definitions_page",
    "delete_definition",
    "evaluate_due",
    "events_read",
    "get_definition",
    "holds",
    "is_number",
    "leading_key",
    "list_definitions",
    "listen_to_events",
    "load_catalog",
    "load_facts",
    "lookup",
    "members",
    "members_among",
    "parse_definitions",
    "parse_instant",
    "read_definitions",
    "referenced_computed",
    "referenced_segments",
    "request_build",
    "save_definition",
    "segments_of",
    "yaml_diff",
]
