"""Hash-range leases: how the workers of a partitioned stage share its queue on PostgreSQL.

Every profile hashes to one of `SLOTS` slots; its queue rows carry the slot (written when
they are queued, moved to the survivor's on a merge). Each worker of a stage heartbeats in
`stage_workers` and leases its fair share of the slots in `stage_leases`; it claims only
rows of the slots it holds, and a slot has one holder at a time, so one worker sees a
person's rows, in order, while the others work on other people.

A worker that joins gets its share as the others give up their extras on their next
renewal; one that stops heartbeating (killed) loses its worker row, and its slots to the
others, once its lease expires on the injected clock. A batch reads its slots with
`held`, which share-locks their lease rows until it commits: a slot whose lease expired
cannot change hands under a batch that is still writing, and a batch that outlived its
lease finds no slots and claims nothing.

SQLite has a single writer anyway: its stages keep one consumer at a time (`partitioned`
with no leases takes the stage's exclusive lock).
"""

from __future__ import annotations

import os
import secrets
import socket
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, and_, delete, or_, select, text, update

from baton.core.clock import Clock
from baton.storage.database import (
    exclusive,
    insert_ignoring_duplicates,
    shared_lock,
    upsert,
    write_transaction,
)
from baton.storage.tables import stage_leases, stage_workers

SLOTS = 64
# A worker renews before its batches, every fifth of this while it has work; an idle one
# may not renew for a while, and is then taken for gone (it rejoins when work comes).
DEFAULT_TTL = timedelta(seconds=5)
_RENEWAL_LOCK = text("SELECT pg_advisory_xact_lock(7413, hashtext(:stage))")


def slot_of(profile_id: str) -> int:
    """The profile's slot: a hash stable across processes and versions (never `hash()`)."""
    return zlib.crc32(profile_id.encode()) % SLOTS


def new_worker_id() -> str:
    """host:pid:random, unique among the workers of every machine."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


def fair_share(workers: list[str], worker_id: str) -> int:
    """How many slots `worker_id` should hold among `workers` (sorted): an equal share,
    the remainder going to the first ones."""
    index = workers.index(worker_id)
    base, extra = divmod(SLOTS, len(workers))
    return base + (1 if index < extra else 0)


class Leases:
    """One worker's leases for one stage (PostgreSQL only)."""

    def __init__(
        self,
        engine: Engine,
        stage: str,
        clock: Clock,
        worker_id: str | None = None,
        ttl: timedelta = DEFAULT_TTL,
    ) -> None:
        self.engine = engine
        self.stage = stage
        self.worker_id = worker_id or new_worker_id()
        self._clock = clock
        self._ttl = ttl
        self._renewed_at: datetime | None = None

    def refresh(self) -> None:
        """Renew when a fifth of the lease has passed: a renewal a batch would cost a
        thin stream a transaction an event."""
        now = self._clock.now()
        if self._renewed_at is None or now >= self._renewed_at + self._ttl / 5:
            self.renew()

    def renew(self) -> list[int]:
        """Heartbeat, forget workers gone silent, give up slots beyond the fair share or
        take free and expired ones up to it; returns the slots held now."""
        now = self._clock.now()
        expires = now + self._ttl
        leases, workers = stage_leases.c, stage_workers.c
        with write_transaction(self.engine) as connection:
            # Renewals of a stage one at a time: each sees the others' shares settled.
            connection.execute(_RENEWAL_LOCK, {"stage": self.stage})
            upsert(
                connection,
                stage_workers,
                {"stage": self.stage, "worker_id": self.worker_id, "expires_at": expires},
                keys=["stage", "worker_id"],
                replace=["expires_at"],
            )
            connection.execute(
                delete(stage_workers).where(workers.stage == self.stage, workers.expires_at <= now)
            )
            live = sorted(
                connection.execute(
                    select(workers.worker_id).where(workers.stage == self.stage)
                ).scalars()
            )
            share = fair_share(live, self.worker_id)
            rows = self._leases(connection)
            if len(rows) < SLOTS:  # the stage's first worker ever
                connection.execute(
                    insert_ignoring_duplicates(connection, stage_leases),
                    [{"stage": self.stage, "slot": slot} for slot in range(SLOTS)],
                )
                rows = self._leases(connection)
            mine = [slot for slot, holder, _ in rows if holder == self.worker_id]
            free = [
                slot
                for slot, holder, until in rows
                if until is None or (holder != self.worker_id and until <= now)
            ]
            given_up = mine[share:]
            wanted = mine[:share] + free[: max(0, share - len(mine))]
            held: list[int] = []
            if given_up:
                connection.execute(
                    update(stage_leases)
                    .where(leases.stage == self.stage, leases.slot.in_(given_up))
                    .values(worker_id=None, expires_at=None)
                )
            if wanted:
                # A slot taken from a dead worker waits for a batch of its still writing.
                # What the update took, not what was wanted: the condition may refuse some.
                take = (
                    update(stage_leases)
                    .where(
                        leases.stage == self.stage,
                        leases.slot.in_(wanted),
                        or_(
                            leases.worker_id.is_(None),
                            leases.worker_id == self.worker_id,
                            leases.expires_at <= now,
                        ),
                    )
                    .values(worker_id=self.worker_id, expires_at=expires)
                    .returning(leases.slot)
                )
                held = list(connection.execute(take).scalars())
        self._renewed_at = now
        return sorted(held)

    def _leases(self, connection: Connection) -> list[tuple[int, str | None, datetime | None]]:
        leases = stage_leases.c
        rows = connection.execute(
            select(leases.slot, leases.worker_id, leases.expires_at)
            .where(leases.stage == self.stage)
            .order_by(leases.slot)
        )
        return [(slot, holder, until) for slot, holder, until in rows]

    def held(self, connection: Connection) -> list[int]:
        """The slots this worker holds an unexpired lease on, share-locked until the
        caller's transaction ends."""
        leases = stage_leases.c
        query = (
            select(leases.slot)
            .where(
                leases.stage == self.stage,
                and_(
                    leases.worker_id == self.worker_id,
                    leases.expires_at > self._clock.now(),
                ),
            )
            .order_by(leases.slot)
            .with_for_update(read=True)
        )
        return list(connection.execute(query).scalars())

    def release(self) -> None:
        """Give every slot back and leave (a graceful stop): the others take them over
        on their next renewal instead of after the lease expires."""
        with write_transaction(self.engine) as connection:
            connection.execute(_RENEWAL_LOCK, {"stage": self.stage})
            connection.execute(
                update(stage_leases)
                .where(
                    stage_leases.c.stage == self.stage,
                    stage_leases.c.worker_id == self.worker_id,
                )
                .values(worker_id=None, expires_at=None)
            )
            connection.execute(
                delete(stage_workers).where(
                    stage_workers.c.stage == self.stage,
                    stage_workers.c.worker_id == self.worker_id,
                )
            )


@contextmanager
def partitioned(engine: Engine, lock: str, leases: Leases | None) -> Iterator[None]:
    """Around a batch of a partitioned stage. Without leases (SQLite, or a caller that
    runs the stage alone): the stage's exclusive lock. With them: a renewal if due, after which
    the batch claims the rows of `leases.held` only, and the lock in shared mode, so the
    workers run side by side but never beside a holder of the exclusive lock (a segment
    build, which writes memberships of any profile)."""
    if leases is None:
        with exclusive(engine, lock):
            yield
        return
    leases.refresh()
    with shared_lock(engine, lock):
        yield
