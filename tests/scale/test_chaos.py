"""The short form of `bench/chaos.py` (about a minute): the cart workload on a private
PostgreSQL while Baton's processes are killed with SIGKILL and restarted and PostgreSQL
restarts once, then SQLite on a disk that fills up. Nothing accepted is lost, no journey
runs twice or is missing, no buyer is reminded, and the provider sees a call again only
under the same idempotency key, for a call in flight when its process was killed."""

from __future__ import annotations

from bench.chaos import run


def test_chaos_loses_and_repeats_nothing() -> None:
    report = run(
        profiles=3000,
        wait=5,
        kill_every=2.5,
        send_seconds=30,
        clients=3,
        budget=150,
        disk_seconds=30,
    )
    assert report["finished"], report
    assert sum(report["kills"].values()) >= 5, report
    assert report["database_restarts"] == 1, report
    assert report["accepted_events"] == 3000 + 900, report
    zeros = (
        "accepted_events_lost",
        "journeys_missing",
        "journeys_duplicated",
        "reminders_missing",
        "reminders_duplicated",
        "messages_to_buyers",
        "provider_calls_to_buyers",
        "provider_customers_called_twice",
        "provider_duplicates_unexplained",
    )
    assert {name: report[name] for name in zeros} == dict.fromkeys(zeros, 0), report
    disk = report["sqlite_full_disk"]
    assert disk["disk_full_seen"], disk
    assert disk["answers"].get("503", 0) >= 3, disk
    assert disk["accepted_events_lost"] == 0, disk
    assert disk["integrity_check"] == "ok", disk
    assert disk["admin_served_when_full"], disk
    # Room is made again only on a tmpfs (its ballast file removed); the fallback never frees.
    if disk["bounded_by"] == "tmpfs":
        assert disk["accepting_again_after_room"] is True, disk
    else:
        assert disk["accepting_again_after_room"] is None, disk
