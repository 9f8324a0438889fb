"""The demo's owner: someone to sign in to the console with, made on a fresh install."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Engine, select

from baton.storage.database import write_transaction
from baton.storage.tables import users
from baton.teams import Role, create_user, grant
from baton.teams.audit import Actor, record

DEMO_OWNER = "owner@baton.example"


def create_demo_owner(engine: Engine, workspace_id: str, now: datetime) -> str | None:
    """The password of a new owner of the workspace and of the installation, shown once;
    None when the installation has users already."""
    password = secrets.token_urlsafe(18)
    with write_transaction(engine) as connection:
        if connection.execute(select(users.c.id).limit(1)).first() is not None:
            return None
        user = create_user(connection, DEMO_OWNER, "Demo owner", now, password=password,
                           installation_owner=True)  # fmt: skip
        grant(connection, workspace_id, user.id, Role.OWNER, now)
        record(connection, workspace_id, Actor("system", None, "baton demo"), "user.create",
               now, object_type="user", object_id=user.id,
               after={"email": DEMO_OWNER, "role": Role.OWNER.value})  # fmt: skip
    return password
