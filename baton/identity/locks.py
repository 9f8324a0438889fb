"""The parts of the identity graph a batch touches, locked so that several processors can
work at once on PostgreSQL.

A batch locks every identifier and profile it reads: the row of `identity_locks` for each
one's hash bucket, FOR UPDATE, held until it commits. It waits only for buckets above every
bucket it holds, so waits always climb and never close a cycle: processors that meet
serialize there, and never deadlock. A bucket it finds later that falls below one it holds
is only tried (SKIP LOCKED); when another processor holds it, the batch starts again
(`Contended`), taking every bucket it now knows of, in order, from the start.

Two parts in one bucket only make processors wait for each other needlessly; in a busy
installation their batches share people anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import Connection, text

# A part of the graph: ("identifier", workspace, kind, value) or ("profile", id).
Part = tuple[str, ...]

BUCKETS = 65536  # rows of identity_locks (migration 0023)

_LOCK = "SELECT bucket FROM identity_locks WHERE bucket = ANY(CAST(:buckets AS int[])) "
# Rows are locked as they leave the sort, so in increasing order.
_WAIT = text(_LOCK + "ORDER BY bucket FOR UPDATE")
_TRY = text(_LOCK + "ORDER BY bucket FOR UPDATE SKIP LOCKED")


# The stored profiles behind identifiers: a user's own, a component's anonymous one and
# those of the component's users. One round trip, so a batch can lock them before it reads.
# Each identifier is found by a probe of the primary key whatever the statistics say: a
# subquery with LIMIT is never flattened into a join, and the other indexes of identifiers
# serve only lookups by owner (migration 0028). As plain joins, a planner with a young
# table's statistics hashed every identifier of the workspace at each batch.
_PROFILES_BEHIND = text(
    "WITH found AS MATERIALIZED (SELECT i.profile_id, i.component_id "
    "FROM unnest(CAST(:kinds AS varchar[]), CAST(:ids AS varchar[])) AS w(kind, value) "
    "CROSS JOIN LATERAL (SELECT profile_id, component_id FROM identifiers "
    "WHERE workspace_id = :ws AND kind = w.kind AND value = w.value LIMIT 1) AS i), "
    "components AS (SELECT DISTINCT component_id AS id FROM found "
    "WHERE component_id IS NOT NULL) "
    "SELECT profile_id FROM found WHERE profile_id IS NOT NULL "
    "UNION SELECT c.profile_id FROM identity_components c "
    "WHERE c.id = ANY(ARRAY(SELECT id FROM components)) AND c.profile_id IS NOT NULL "
    "UNION SELECT u.profile_id FROM component_users cu "
    "CROSS JOIN LATERAL (SELECT profile_id FROM identifiers WHERE workspace_id = :ws "
    "AND kind = 'user_id' AND value = cu.user_id LIMIT 1) AS u "
    "WHERE cu.component_id = ANY(ARRAY(SELECT id FROM components)) AND u.profile_id IS NOT NULL"
)


def profiles_behind(connection: Connection, identifiers: Iterable[Part]) -> set[Part]:
    """The profiles that identifier parts (of one workspace or several) lead to now."""
    by_workspace: dict[str, tuple[list[str], list[str]]] = {}
    for _, workspace_id, kind, value in identifiers:
        kinds, values = by_workspace.setdefault(workspace_id, ([], []))
        kinds.append(kind)
        values.append(value)
    found: set[Part] = set()
    for workspace_id, (kinds, values) in by_workspace.items():
        rows = connection.execute(
            _PROFILES_BEHIND, {"ws": workspace_id, "kinds": kinds, "ids": values}
        )
        found.update(("profile", profile_id) for (profile_id,) in rows)
    return found


class Contended(Exception):
    """A part found late, below the locks held, is locked by another processor."""

    def __init__(self, buckets: set[int]) -> None:
        super().__init__("identity batch met another processor; starting again")
        self.buckets = buckets


def bucket_of(part: Part) -> int:
    digest = hashlib.blake2b("\x1f".join(part).encode(), digest_size=4).digest()
    return int.from_bytes(digest) % BUCKETS


class PartLocks:
    """The buckets one transaction holds, taken in increasing order."""

    def __init__(self, connection: Connection) -> None:
        self._db = connection
        self.held: set[int] = set()

    def take(self, parts: Iterable[Part], buckets: Iterable[int] = ()) -> bool:
        """Lock these parts (and buckets); returns whether any lock was new."""
        wanted = sorted(({bucket_of(part) for part in parts} | set(buckets)) - self.held)
        if not wanted:
            return False
        top = max(self.held, default=-1)
        below = [b for b in wanted if b < top]
        above = [b for b in wanted if b > top]
        # Partly taken on failure: the caller rolls back, which releases them all.
        if below and len(self._db.execute(_TRY, {"buckets": below}).all()) < len(below):
            raise Contended(self.held | set(wanted))
        if above:
            self._db.execute(_WAIT, {"buckets": above}).all()
        self.held.update(wanted)
        return True
