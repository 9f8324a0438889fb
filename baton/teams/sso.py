"""Who comes in through single sign-on, and with which role.

The provider vouches for an e-mail address. The person with an account at that address
signs in as they are. Someone new comes in through the invitations waiting for the
address, or else through the rule for its domain (`BATON_OIDC_ROLES`); anyone else is
refused, so signing on with the provider alone opens nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update

from baton.core.errors import ConfigurationError, Forbidden
from baton.storage.tables import user_tokens, workspaces
from baton.teams.audit import Actor, record
from baton.teams.links import Purpose
from baton.teams.roles import Role, role_of
from baton.teams.users import User, create_user, grant, normalize_email, user_by_email

DEFAULT_WORKSPACE = "default"


@dataclass(frozen=True)
class DomainRule:
    """Someone new from `domain` gets `role` in the workspace whose key is `workspace`."""

    domain: str
    role: Role
    workspace: str


def domain_rules(text: str) -> tuple[DomainRule, ...]:
    """The rules written `domain=role[@workspace key]`, comma-separated
    (`example.com=marketer@default,agency.io=analyst`); the workspace is `default` when
    left out."""
    rules: dict[str, DomainRule] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        domain, equals, grant_text = (side.strip() for side in item.partition("="))
        role_text, _, workspace = (side.strip() for side in grant_text.partition("@"))
        if not equals or not domain or "@" in domain or " " in domain or not role_text:
            raise ConfigurationError(
                f"BATON_OIDC_ROLES: {item!r} is not `domain=role` or `domain=role@workspace`"
            )
        try:
            role = role_of(role_text)
        except ValueError as error:
            raise ConfigurationError(f"BATON_OIDC_ROLES: {error}") from None
        domain = domain.lower()
        if domain in rules:
            raise ConfigurationError(f"BATON_OIDC_ROLES names {domain} twice")
        rules[domain] = DomainRule(domain, role, workspace or DEFAULT_WORKSPACE)
    return tuple(rules.values())


@dataclass(frozen=True)
class Admission:
    user: User
    # The workspace the person just joined, where their session starts; None for
    # someone who had an account.
    workspace_id: str | None


def admit(
    connection: Connection,
    email: str,
    name: str,
    rules: tuple[DomainRule, ...],
    now: datetime,
    address: str | None,
) -> Admission:
    """Who the address a provider verified signs in as: its account, else a new account
    from the invitations to it or the rule for its domain, recorded in the audit trail;
    Forbidden when none of them lets it in."""
    email = normalize_email(email)
    user = user_by_email(connection, email)
    if user is not None:
        return Admission(user, None)
    invited = _accept_invitations(connection, email, now)
    domain = email.rpartition("@")[2]
    rule = next((r for r in rules if r.domain == domain), None)
    if invited:
        joined = list(invited.items())
        how = "invitation"
    elif rule is not None:
        joined = [(_workspace_of(connection, rule), rule.role)]
        how = "domain rule"
    else:
        raise Forbidden(
            f"{email} has no account here and no invitation, and single sign-on lets no one "
            f"in from {domain} by itself: ask a workspace administrator to invite you"
        )
    user = create_user(connection, email, name[:200], now)
    actor = Actor("user", user.id, user.email, address)
    for workspace_id, role in joined:
        grant(connection, workspace_id, user.id, role, now)
        record(connection, workspace_id, actor, "user.created", now,
               object_type="user", object_id=user.id, after={"email": email, "role": role.value},
               detail={"via": "oidc", "by": how})  # fmt: skip
    return Admission(user, joined[-1][0])


def _accept_invitations(connection: Connection, email: str, now: datetime) -> dict[str, Role]:
    """The role in each workspace that the invitations waiting for the address give (the
    newest invitation to a workspace wins, and comes last), each invitation marked used
    in the statement that checks it still waits, so two sign-ins cannot both take one."""
    pending = connection.execute(
        select(user_tokens.c.id, user_tokens.c.workspace_id, user_tokens.c.role)
        .where(
            user_tokens.c.purpose == Purpose.INVITE.value,
            user_tokens.c.email == email,
            user_tokens.c.used_at.is_(None),
            user_tokens.c.expires_at > now,
            user_tokens.c.workspace_id.is_not(None),
            user_tokens.c.role.is_not(None),
        )
        .order_by(user_tokens.c.created_at, user_tokens.c.id)
    ).all()
    accepted: dict[str, Role] = {}
    for row in pending:
        taken = connection.execute(
            update(user_tokens)
            .where(user_tokens.c.id == row.id, user_tokens.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if taken == 1:
            accepted.pop(row.workspace_id, None)
            accepted[row.workspace_id] = Role(row.role)
    return accepted


def _workspace_of(connection: Connection, rule: DomainRule) -> str:
    found = connection.execute(
        select(workspaces.c.id).where(workspaces.c.key == rule.workspace)
    ).scalar_one_or_none()
    if found is None:
        raise Forbidden(
            f"single sign-on would add people from {rule.domain} to the workspace "
            f"{rule.workspace!r}, which does not exist: tell the administrator"
        )
    return str(found)
