"""Who calls the admin API: an admin key or a signed-in person, in which workspace, with
which role, and whether that role opens a route."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from baton.core.errors import Forbidden
from baton.runtime import Runtime
from baton.storage.database import write_transaction
from baton.teams import (
    Permission,
    Role,
    User,
    due_for_touch,
    end_session,
    expired,
    find_session,
    first_membership,
    may,
    role_in,
    touch,
    user_by_id,
)
from baton.teams.audit import Actor
from baton.workspaces import Access
from baton.workspaces.workspaces import workspace_by_key


class Gate(StrEnum):
    """Decisions for routes that no workspace permission describes."""

    # Anyone: the tracking API (write keys), logins, links in e-mails, health.
    PUBLIC = "public"
    # Any signed-in person or admin key: their own session and account.
    SIGNED_IN = "signed_in"
    # The installation's owner: creating and listing workspaces.
    INSTALLATION = "installation"
    # Prometheus metrics: the scraper's token (BATON_METRICS_TOKEN) or the owner.
    METRICS = "metrics"


@dataclass(frozen=True)
class Caller:
    actor_type: Literal["user", "key"]
    actor_id: str
    actor_label: str  # the user's e-mail, or the key's hint
    address: str
    # The workspace the request works in; None for a person in no workspace yet.
    workspace_id: str | None
    role: Role | None
    user: User | None = None
    session_id: str | None = None
    scraper: bool = False  # BATON_METRICS_TOKEN's bearer: /metrics and nothing else

    @property
    def actor(self) -> Actor:
        return Actor(self.actor_type, self.actor_id, self.actor_label, self.address)

    @property
    def workspace(self) -> str:
        if self.workspace_id is None:
            raise Forbidden("you are not a member of any workspace yet")
        return self.workspace_id

    def holds(self, permission: Permission) -> bool:
        return self.role is not None and may(self.role, permission)

    def entitled_to(self, gate: Permission | Gate | None) -> Caller:
        """This caller, if its role opens a route needing `gate`; Forbidden otherwise. A
        route without a decision opens to no one."""
        if gate is None:
            raise Forbidden("this route has no access decision, so no one may use it")
        if self.scraper:
            if gate is not Gate.METRICS:
                raise Forbidden("the metrics token opens /metrics only")
            return self
        if gate is Gate.PUBLIC or gate is Gate.SIGNED_IN:
            return self
        if gate is Gate.INSTALLATION or gate is Gate.METRICS:
            if self.user is None or not self.user.installation_owner:
                raise Forbidden("only the installation's owner may do this")
            return self
        if self.role is None:
            raise Forbidden("you are not a member of any workspace yet")
        if not may(self.role, gate):
            raise Forbidden(f"the {self.role} role may not {gate.value.replace('_', ' ')}")
        return self


def scraper_identity(address: str) -> Caller:
    """The bearer of BATON_METRICS_TOKEN."""
    return Caller("key", "metrics", "the metrics token", address, None, None, scraper=True)


def key_identity(runtime: Runtime, access: Access, workspace: str | None, address: str) -> Caller:
    """An admin key, which works in its own workspace only: Forbidden when the request
    names another (key or id), and for a key without a role rather than guess one."""
    if access.role is None:
        raise Forbidden("this admin key has no role, so it opens nothing: make another")
    if workspace is not None and workspace != access.workspace_id:
        with runtime.engine.connect() as connection:
            named = workspace_by_key(connection, workspace)
        if named is None or named.id != access.workspace_id:
            raise Forbidden(
                f"an admin key works in its own workspace only, not in {workspace[:64]!r}"
            )
    return Caller(
        actor_type="key",
        actor_id=access.key_id,
        actor_label=f"admin key {access.key_id}",
        address=address,
        workspace_id=access.workspace_id,
        role=access.role,
    )


def session_identity(
    runtime: Runtime, token: str, workspace: str | None, address: str
) -> Caller | None:
    """The signed-in person of a session cookie, in the workspace the request names (key
    or id) or else the session's; None when the session has ended."""
    now = runtime.clock.now()
    with runtime.engine.connect() as connection:
        session = find_session(connection, token)
        user = None if session is None else user_by_id(connection, session.user_id)
        if session is None or user is None:
            return None
        workspace_id = session.workspace_id
        if workspace is not None:
            found = workspace_by_key(connection, workspace)
            workspace_id = found.id if found is not None else None
            role = None if workspace_id is None else role_in(connection, user.id, workspace_id)
            if role is None:
                raise Forbidden(f"you are not a member of the workspace {workspace!r}")
        else:
            role = None if workspace_id is None else role_in(connection, user.id, workspace_id)
            if role is None:  # removed from it since: the first one left
                first = first_membership(connection, user.id)
                workspace_id = None if first is None else first.workspace_id
                role = None if first is None else first.role
    settings = runtime.settings
    ended = expired(session, now, idle=settings.session_idle, lifetime=settings.session_lifetime)
    if ended or due_for_touch(session, now):
        with write_transaction(runtime.engine) as connection:
            if ended:
                end_session(connection, session.id)
                return None
            touch(connection, session.id, now)
    return Caller(
        actor_type="user",
        actor_id=user.id,
        actor_label=user.email,
        address=address,
        workspace_id=workspace_id,
        role=role,
        user=user,
        session_id=session.id,
    )
