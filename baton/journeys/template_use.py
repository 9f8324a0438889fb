"""Message templates as journeys use them: one that a journey sends cannot be deleted."""

from __future__ import annotations

from sqlalchemy import Connection

from baton.channels import delete_template
from baton.core.errors import Conflict
from baton.journeys.definitions import MessageNode
from baton.journeys.store import definition_of, list_journeys


def journeys_sending(connection: Connection, workspace_id: str, key: str) -> list[str]:
    """Keys of the journeys whose latest or published version sends the template."""
    return sorted(
        journey.key
        for journey in list_journeys(connection, workspace_id)
        if any(
            isinstance(node, MessageNode) and node.template == key
            for version in {journey.version, journey.published_version}
            if version is not None
            for node in definition_of(connection, journey.id, version).nodes.values()
        )
    )


def delete_unused_template(connection: Connection, workspace_id: str, key: str) -> None:
    """Delete, unless a journey sends it (409 naming them)."""
    users = journeys_sending(connection, workspace_id, key)
    if users:
        raise Conflict(f"template {key!r} is sent by journeys: {', '.join(users)}")
    delete_template(connection, workspace_id, key)
