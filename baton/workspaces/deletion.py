"""Deleting a workspace with everything in it.

In one transaction: every row of every table with a `workspace_id` column (profiles,
events, definitions, journeys, messages, consent, keys, memberships, reviews, its audit
trail...), the rows that belong to it through one of those (journey versions and steps,
message attempts...), and the workspace itself; sessions working in it go on without it.
What is left is one entry in the installation's audit trail (who deleted which
workspace, and when) and an erasure receipt, which has the database files compacted as
after a person's erasure. Then the workspace's keys stop working in this process at once, and
its rows leave the stores beside the database (the analytics store).

A table that holds rows of workspaces in another way must be named here: until it is,
deletion refuses to run rather than leave its rows behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import Column, Connection, Engine, Table, delete, insert, select, update

from baton.core.errors import Conflict, NotFound
from baton.core.ids import new_id
from baton.storage.database import write_transaction
from baton.storage.tables import (
    broadcast_recipients,
    broadcasts,
    destination_deliveries,
    destination_items,
    destination_snapshots,
    destinations,
    erasures,
    identity_locks,
    journey_instances,
    journey_steps,
    journey_versions,
    journeys,
    message_attempts,
    message_decisions,
    messages,
    metadata,
    sessions,
    split_allocations,
    stage_leases,
    stage_workers,
    users,
    workspaces,
)
from baton.teams.audit import Actor, record
from baton.workspaces.keys import KeyRing
from baton.workspaces.workspaces import WorkspaceInfo, workspace_by_key

# Rows that are a workspace's through a row of another table that is: (column, the
# column of the owning table it names).
_OWNED_THROUGH: dict[Table, tuple[Column[str], Column[str]]] = {
    journey_versions: (journey_versions.c.journey_id, journeys.c.id),
    split_allocations: (split_allocations.c.journey_id, journeys.c.id),
    journey_steps: (journey_steps.c.instance_id, journey_instances.c.id),
    message_attempts: (message_attempts.c.message_id, messages.c.id),
    message_decisions: (message_decisions.c.message_id, messages.c.id),
    broadcast_recipients: (broadcast_recipients.c.broadcast_id, broadcasts.c.id),
    destination_items: (destination_items.c.destination_id, destinations.c.id),
    destination_deliveries: (destination_deliveries.c.destination_id, destinations.c.id),
    destination_snapshots: (destination_snapshots.c.destination_id, destinations.c.id),
}
# The installation's own: no workspace's rows are in them.
_INSTALLATION = frozenset({workspaces, users, stage_workers, stage_leases, identity_locks})
# Kept, with the workspace forgotten: a signed-in browser goes on in another workspace.
_DETACHED = frozenset({sessions})

WHY_NOT_DEFAULT = (
    "the default workspace cannot be deleted: the command line (import, keys, profiles) "
    "works in it, BATON_WRITE_KEY and BATON_ADMIN_TOKEN open it, and `baton migrate` would "
    "only make it again"
)


class WorkspaceRows(Protocol):
    """A store beside the database that holds rows of workspaces (the analytics store)."""

    def drop_workspace(self, workspace_id: str) -> int: ...


@dataclass(frozen=True)
class Deletion:
    workspace: WorkspaceInfo
    # How many rows went, by table.
    rows: dict[str, int]


def delete_workspace(
    engine: Engine,
    key: str,
    actor: Actor,
    now: datetime,
    *,
    keys: KeyRing | None = None,
    beside: Sequence[WorkspaceRows] = (),
) -> Deletion:
    """Delete the workspace with this key (or id) and everything in it; `keys` forgets
    its keys at once, `beside` drops its rows from stores beside the database."""
    with write_transaction(engine) as connection:
        found = workspace_by_key(connection, key)
        if found is None:
            raise NotFound(f"no workspace {key!r}")
        if found.is_default:
            raise Conflict(WHY_NOT_DEFAULT)
        rows = _delete_rows(connection, found.id)
        erasure_id = new_id("era", now)
        # A receipt of the erasure of everything in it: the pipeline's compaction then
        # leaves no copy of the deleted rows in the database files, as for a person.
        connection.execute(
            insert(erasures).values(
                id=erasure_id, workspace_id=found.id, at=now, profile_ids=[],
                suppressed=0, deleted=rows,
            )
        )  # fmt: skip
        record(connection, None, actor, "workspace.delete", now,
               object_type="workspace", object_id=found.id,
               detail={"key": found.key, "name": found.name, "rows": rows,
                       "erasure_id": erasure_id})  # fmt: skip
    if keys is not None:
        keys.forget()
    for store in beside:
        store.drop_workspace(found.id)
    return Deletion(found, rows)


def _delete_rows(connection: Connection, workspace_id: str) -> dict[str, int]:
    known = _INSTALLATION | set(_OWNED_THROUGH)
    unaccounted = [
        table.name
        for table in metadata.sorted_tables
        if table not in known and "workspace_id" not in table.c
    ]
    if unaccounted:
        raise RuntimeError(
            f"deletion does not know how rows of {', '.join(unaccounted)} belong to a "
            "workspace: say so in baton/workspaces/deletion.py"
        )
    deleted: dict[str, int] = {}
    # The rows owned through others first, while the rows that own them are there.
    for table, (column, owner) in _OWNED_THROUGH.items():
        owned = select(owner).where(owner.table.c.workspace_id == workspace_id)
        deleted[str(table.name)] = connection.execute(
            delete(table).where(column.in_(owned))
        ).rowcount
    for table in reversed(metadata.sorted_tables):  # before the tables they refer to
        if table in _DETACHED:
            connection.execute(
                update(table).where(table.c.workspace_id == workspace_id).values(workspace_id=None)
            )
        elif "workspace_id" in table.c:
            deleted[str(table.name)] = connection.execute(
                delete(table).where(table.c.workspace_id == workspace_id)
            ).rowcount
    connection.execute(delete(workspaces).where(workspaces.c.id == workspace_id))
    return {name: count for name, count in sorted(deleted.items()) if count}
