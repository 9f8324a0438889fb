"""The one path by which events become final: who hears what, and the listeners that the
journeys and segments write whenever their live definitions change."""

from __future__ import annotations

from sqlalchemy import Engine, delete, select

from baton.core.clock import ManualClock
from baton.journeys.store import Status, get_journey, mark_archived, set_status
from baton.pipeline import refresh_listeners
from baton.segments.store import Kind, delete_definition
from baton.storage.database import write_transaction
from baton.storage.tables import event_listeners, journey_inbox, profile_due
from baton.timeline import Consumer, FinalEvent, Listener, announce, listeners_of
from tests.conftest import Workspace
from tests.journeys.helpers import publish
from tests.segments.helpers import define

JOURNEY = """
key: thanks
name: Thanks
trigger: {event: Order Completed}
start: done
nodes:
  done: {type: exit}
"""


def _announce(
    engine: Engine, clock: ManualClock, ws: str, *finals: FinalEvent, named_only: bool = False
) -> None:
    with write_transaction(engine) as connection:
        announce(connection, ws, list(finals), clock.now(), named_only=named_only)


def _heard(engine: Engine, ws: str) -> tuple[list[str], set[str]]:
    """(inbox message ids in order, profiles due), emptied for the next look."""
    with write_transaction(engine) as connection:
        inbox = list(
            connection.execute(
                select(journey_inbox.c.message_id)
                .where(journey_inbox.c.workspace_id == ws)
                .order_by(journey_inbox.c.seq)
            ).scalars()
        )
        due = set(
            connection.execute(
                select(profile_due.c.profile_id).where(profile_due.c.workspace_id == ws)
            ).scalars()
        )
        connection.execute(delete(journey_inbox).where(journey_inbox.c.workspace_id == ws))
        connection.execute(delete(profile_due).where(profile_due.c.workspace_id == ws))
    return inbox, due


ORDER = FinalEvent("m-order", "p-1", "track", "Order Completed")
VIEW = FinalEvent("m-view", "p-2", "track", "Product Viewed")
TRAITS = FinalEvent("m-traits", "p-3", "identify", None)
PAGE = FinalEvent("m-page", "p-4", "page", None)
OPENED = FinalEvent("m-opened", "p-5", "track", "Email Opened")


def test_nobody_listens_in_a_new_workspace(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    _announce(engine, clock, ws, ORDER, VIEW, TRAITS)
    assert _heard(engine, ws) == ([], set())
    with write_transaction(engine) as connection:
        announce(connection, ws, [ORDER], clock.now(), changed_profiles=["p-9"])
    assert _heard(engine, ws) == ([], {"p-9"})


def test_live_journeys_hear_every_customer_event_and_only_the_records_they_name(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    publish(engine, clock, ws, JOURNEY)
    with engine.connect() as connection:
        listening = listeners_of(connection, ws)
    assert listening[Consumer.JOURNEYS] == Listener(frozenset({"Order Completed"}), True)
    assert listening[Consumer.SEGMENTS] == Listener()

    _announce(engine, clock, ws, ORDER, VIEW, TRAITS, PAGE)
    assert _heard(engine, ws) == (["m-order", "m-view", "m-traits"], set())
    # Baton's own records reach journeys only by name.
    _announce(engine, clock, ws, ORDER, VIEW, OPENED, named_only=True)
    assert _heard(engine, ws) == (["m-order"], set())

    # Paused still hears (its instances move on); archived hears nothing.
    with write_transaction(engine) as connection:
        set_status(connection, ws, "thanks", Status.PAUSED, clock.now())
    _announce(engine, clock, ws, VIEW)
    assert _heard(engine, ws) == (["m-view"], set())
    with write_transaction(engine) as connection:
        mark_archived(connection, get_journey(connection, ws, "thanks"), clock.now())
    _announce(engine, clock, ws, ORDER, VIEW)
    assert _heard(engine, ws) == ([], set())


def test_segments_hear_the_events_their_definitions_read(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    opens = {"key": "opens", "name": "Opens", "event": "Email Opened", "kind": "count"}
    define(engine, clock, ws, Kind.COMPUTED_TRAIT, opens)
    _heard(engine, ws)
    _announce(engine, clock, ws, OPENED, VIEW, named_only=True)
    assert _heard(engine, ws) == ([], {"p-5"})
    _announce(engine, clock, ws, ORDER, OPENED)
    assert _heard(engine, ws) == ([], {"p-5"})

    with write_transaction(engine) as connection:
        delete_definition(connection, ws, Kind.COMPUTED_TRAIT, "opens", clock.now())
    _announce(engine, clock, ws, OPENED)
    assert _heard(engine, ws) == ([], set())


def test_refreshing_restores_listeners_lost_by_an_older_database(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    publish(engine, clock, ws, JOURNEY)
    opens = {"key": "opens", "name": "Opens", "event": "Email Opened", "kind": "count"}
    define(engine, clock, ws, Kind.COMPUTED_TRAIT, opens)
    with write_transaction(engine) as connection:
        before = listeners_of(connection, ws)
        connection.execute(delete(event_listeners).where(event_listeners.c.workspace_id == ws))
    _announce(engine, clock, ws, ORDER, OPENED, named_only=True)
    assert _heard(engine, ws) == ([], set())

    refresh_listeners(engine, clock.now())
    with engine.connect() as connection:
        assert listeners_of(connection, ws) == before
    _announce(engine, clock, ws, ORDER, OPENED, named_only=True)
    assert _heard(engine, ws) == (["m-order"], {"p-5"})
