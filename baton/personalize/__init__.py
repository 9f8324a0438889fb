"""Web personalization: placements and the content each visitor is shown."""

from baton.personalize.decide import MOST_PLACEMENTS, Shown, Visitor, decide
from baton.personalize.definitions import KEY_PATTERN, PlacementDefinition, parse_placement
from baton.personalize.sdk import SDK_PATH
from baton.personalize.store import (
    delete_placement,
    get_placement,
    placements_page,
    save_placement,
)

__all__ = [
    "KEY_PATTERN",
    "MOST_PLACEMENTS",
    "SDK_PATH",
    "PlacementDefinition",
    "Shown",
    "Visitor",
    "decide",
    "delete_placement",
    "get_placement",
    "parse_placement",
    "placements_page",
    "save_placement",
]
