"""Identity resolution rules, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine, select

from baton.core.clock import ManualClock
from baton.storage.tables import merges
from tests.conftest import Workspace
from tests.identity.helpers import grouping, profile, profile_by_id, profile_of_message, send

T0 = "2026-01-10T10:00:00Z"
T1 = "2026-01-10T11:00:00Z"
T2 = "2026-01-10T12:00:00Z"
T3 = "2026-01-10T13:00:00Z"
T4 = "2026-01-10T14:00:00Z"


def test_anonymous_browsing_then_sign_up_is_one_profile(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    send(
        engine,
        clock,
        ws,
        {"type": "page", "anonymousId": "dev-1", "timestamp": T0, "messageId": "m1"},
    )
    anonymous = profile(engine, ws, "dev-1")
    send(
        engine,
        clock,
        ws,
        {
            "type": "identify",
            "userId": "u-1",
            "anonymousId": "dev-1",
            "timestamp": T1,
            "messageId": "m2",
            "traits": {"email": "  Ann@Example.COM ", "first_name": "Ann"},
        },
        {
            "type": "track",
            "userId": "u-1",
            "event": "Signed Up",
            "timestamp": T2,
            "messageId": "m3",
        },
    )
    person = profile(engine, ws, "u-1")
    assert person["id"] == anonymous["id"]  # sign-up keeps the anonymous profile
    assert person["identifiers"]["user_id"] == ["u-1"]
    assert person["identifiers"]["anonymous_id"] == ["dev-1"]
    assert person["identifiers"]["email"] == ["ann@example.com"]
    assert person["traits"] == {"email": "  Ann@Example.COM ", "firstName": "Ann"}
    assert person["event_count"] == 3
    assert person["shared_identifiers"] == {}
    assert person["first_seen"] == "2026-01-10T10:00:00Z"
    assert person["last_seen"] == "2026-01-10T12:00:00Z"
    assert profile(engine, ws, "ann@example.com")["id"] == person["id"]
    assert grouping(engine, ws) == {frozenset({"m1", "m2", "m3"})}


def test_identify_linking_two_existing_profiles_merges_them_and_records_it(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    send(
        engine,
        clock,
        ws,
        {"type": "track", "event": "Viewed", "anonymousId": "phone-app", "timestamp": T0},
    )
    older = profile(engine, ws, "phone-app")["id"]
    send(
        engine,
        clock,
        ws,
        {"type": "identify", "userId": "u-2", "timestamp": T1, "traits": {"plan": "free"}},
    )
    newer = profile(engine, ws, "u-2")["id"]
    assert older != newer
    send(
        engine,
        clock,
        ws,
        {"type": "identify", "userId": "u-2", "anonymousId": "phone-app", "timestamp": T2},
    )

    merged = profile(engine, ws, "u-2")
    assert merged["id"] == older  # the oldest profile survives
    assert merged["event_count"] == 3
    assert merged["traits"] == {"plan": "free"}
    assert merged["merged_from"] == [newer]
    assert profile_by_id(engine, ws, newer)["id"] == older  # the old id still resolves
    with engine.connect() as connection:
        record = (
            connection.execute(select(merges).where(merges.c.workspace_id == ws)).mappings().one()
        )
    assert (record["survivor_id"], record["merged_id"]) == (older, newer)
    assert record["reason"] == "anonymous activity identified"


def test_email_and_phone_are_normalized_before_matching(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    send(
        engine,
        clock,
        ws,
        {
            "type": "identify",
            "anonymousId": "a",
            "traits": {"email": "BOB@Example.com", "phone": "(415) 555-2671"},
        },
        {"type": "identify", "anonymousId": "b", "traits": {"email": " bob@example.com"}},
        {"type": "identify", "anonymousId": "c", "traits": {"phone": "+1 415 555 2671"}},
    )
    bob = profile(engine, ws, "a")
    assert profile(engine, ws, "b")["id"] == bob["id"]
    assert profile(engine, ws, "c")["id"] == bob["id"]
    assert bob["identifiers"]["phone"] == ["+14155552671"]
    assert bob["identifiers"]["email"] == ["bob@example.com"]


def test_invalid_email_stays_a_trait_but_identifies_nobody(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    send(
        engine,
        clock,
        ws,
        {
            "type": "identify",
            "anonymousId": "x",
            "traits": {"email": "not-an-email", "phone": "12"},
        },
        {"type": "identify", "anonymousId": "y", "traits": {"email": "not-an-email"}},
    )
    x = profile(engine, ws, "x")
    assert x["traits"] == {"email": "not-an-email", "phone": "12"}
    assert "email" not in x["identifiers"] or x["identifiers"]["email"] == []
    assert profile(engine, ws, "y")["id"] != x["id"]


def test_two_user_ids_never_fuse_through_a_shared_device(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    send(
        engine,
        clock,
        ws,
        {"type": "page", "anonymousId": "family-tablet", "timestamp": T0, "messageId": "before"},
        {
            "type": "identify",
            "userId": "alice",
            "anonymousId": "family-tablet",
            "timestamp": T1,
            "messageId": "alice-in",
        },
        {
            "type": "page",
            "anonymousId": "family-tablet",
            "timestamp": T2,
            "messageId": "alice-browse",
        },
        {
            "type": "identify",
            "userId": "bob",
            "anonymousId": "family-tablet",
            "timestamp": T3,
            "messageId": "bob-in",
        },
        {
            "type": "page",
            "anonymousId": "family-tablet",
            "timestamp": T4,
            "messageId": "bob-browse",
        },
    )
    alice, bob = profile(engine, ws, "alice"), profile(engine, ws, "bob")
    assert alice["id"] != bob["id"]
    assert alice["identifiers"]["user_id"] == ["alice"]
    assert bob["identifiers"]["user_id"] == ["bob"]
    assert grouping(engine, ws) == {
        frozenset({"before", "alice-in", "alice-browse"}),
        frozenset({"bob-in", "bob-browse"}),
    }
    # The device goes with its newest user from now on, and both profiles say it is shared.
    assert profile(engine, ws, "family-tablet")["id"] == bob["id"]
    assert (
        alice["shared_identifiers"]
        == bob["shared_identifiers"]
        == {"anonymous_id": ["family-tablet"]}
    )


def test_late_message_from_another_user_reassigns_anonymous_activity(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    send(
        engine,
        clock,
        ws,
        {"type": "identify", "userId": "alice", "anonymousId": "kiosk", "timestamp": T0},
        {
            "type": "track",
            "event": "Browse",
            "anonymousId": "kiosk",
            "timestamp": T3,
            "messageId": "late-browse",
            "context": {"traits": {"favourite": "tea"}},
        },
    )
    assert profile_of_message(engine, ws, "late-browse") == profile(engine, ws, "alice")["id"]
    # Bob's sign-in at T2 arrives late: the browsing at T3 was his.
    send(
        engine,
        clock,
        ws,
        {"type": "identify", "userId": "bob", "anonymousId": "kiosk", "timestamp": T2},
    )
    bob, alice = profile(engine, ws, "bob"), profile(engine, ws, "alice")
    assert profile_of_message(engine, ws, "late-browse") == bob["id"]
    assert bob["traits"] == {"favourite": "tea"}
    assert bob["event_count"] == 2
    assert alice["traits"] == {}
    assert alice["event_count"] == 1


def test_shared_email_keeps_users_apart_and_looks_up_the_newest(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    send(
        engine,
        clock,
        ws,
        {
            "type": "identify",
            "userId": "parent",
            "timestamp": T0,
            "traits": {"email": "home@example.org"},
        },
        {
            "type": "identify",
            "userId": "teen",
            "timestamp": T1,
            "traits": {"email": "home@example.org"},
        },
    )
    parent, teen = profile(engine, ws, "parent"), profile(engine, ws, "teen")
    assert parent["id"] != teen["id"]
    assert parent["identifiers"]["email"] == teen["identifiers"]["email"] == ["home@example.org"]
    assert parent["shared_identifiers"] == {"email": ["home@example.org"]}
    assert profile(engine, ws, "home@example.org")["id"] == teen["id"]


def test_alias_merges_previous_user_id_in_either_order(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    send(engine, clock, ws, {"type": "identify", "userId": "legacy-7", "timestamp": T0})
    send(
        engine,
        clock,
        ws,
        {"type": "alias", "userId": "crm-7", "previousId": "legacy-7", "timestamp": T1},
    )
    joined = profile(engine, ws, "crm-7")
    assert joined["id"] == profile(engine, ws, "legacy-7")["id"]
    assert sorted(joined["identifiers"]["user_id"]) == ["crm-7", "legacy-7"]

    send(
        engine,
        clock,
        ws,
        {"type": "alias", "userId": "crm-8", "previousId": "legacy-8", "timestamp": T1},
    )
    send(engine, clock, ws, {"type": "identify", "userId": "legacy-8", "timestamp": T2})
    assert profile(engine, ws, "crm-8")["id"] == profile(engine, ws, "legacy-8")["id"]


def test_traits_are_last_write_wins_by_event_time_in_both_spellings(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    send(
        engine,
        clock,
        ws,
        {
            "type": "identify",
            "userId": "u",
            "timestamp": T2,
            "traits": {"firstName": "Newer", "tier": "gold"},
        },
        {
            "type": "identify",
            "userId": "u",
            "timestamp": T1,
            "traits": {"first_name": "Older", "city": "Oslo"},
        },
        {
            "type": "track",
            "userId": "u",
            "event": "E",
            "timestamp": T3,
            "context": {"traits": {"tier": "platinum"}},
        },
        {
            "type": "group",
            "userId": "u",
            "groupId": "acme",
            "timestamp": T0,
            "traits": {"employees": 50},
        },
    )
    assert profile(engine, ws, "u")["traits"] == {
        "firstName": "Newer",
        "tier": "platinum",
        "city": "Oslo",
        "groupId": "acme",
        "group": {"employees": 50},
    }


def test_external_ids_are_custom_identifier_kinds(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    ws = workspace.id
    external = {
        "externalIds": [{"id": "cust-991", "type": "shopify_customer_id", "collection": "users"}]
    }
    send(
        engine,
        clock,
        ws,
        {"type": "identify", "anonymousId": "web-1", "context": external},
        {"type": "identify", "anonymousId": "pos-1", "context": external},
    )
    web = profile(engine, ws, "web-1")
    assert web["id"] == profile(engine, ws, "pos-1")["id"]
    assert web["identifiers"]["shopify_customer_id"] == ["cust-991"]


def test_workspaces_do_not_share_identities(
    engine: Engine, clock: ManualClock, workspace: Workspace
) -> None:
    from baton.storage.database import write_transaction
    from baton.workspaces import create_workspace

    with write_transaction(engine) as connection:
        other = create_workspace(connection, "other", clock)
    for ws in (workspace.id, other):
        send(engine, clock, ws, {"type": "identify", "userId": "same-user", "traits": {"ws": ws}})
    mine, theirs = profile(engine, workspace.id, "same-user"), profile(engine, other, "same-user")
    assert mine["id"] != theirs["id"]
    assert mine["traits"] == {"ws": workspace.id}
