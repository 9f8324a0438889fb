"""Who comes in through single sign-on, and with which role.

The provider vouches for its account of the person (`iss`, `sub`) and for an e-mail
address it has verified. Their first sign-in binds a Baton account to that provider
account: the account at the address, or a new one made from the invitations waiting for
the address or the rule for its domain (`BATON_OIDC_ROLES`). Later sign-ins find the
account by that binding, whatever the address has become, and no other provider account
comes in with the address. Anyone else is refused, so signing on with the provider alone
opens nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from baton.core.errors import ConfigurationError, Conflict, Forbidden
from baton.storage.tables import users, workspaces
from baton.teams.audit import Actor, record
from baton.teams.links import pending_invitations, take
from baton.teams.roles import Role, role_of
from baton.teams.users import (
    User,
    create_user,
    grant,
    memberships_of,
    normalize_email,
    user_by_email,
    user_by_id,
)

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
class Identity:
    """Who the provider says signed in: their account there, and the address it verified."""

    issuer: str
    subject: str
    email: str
    name: str


@dataclass(frozen=True)
class Admission:
    user: User
    # The workspace the person has just joined, where their session starts; None when
    # they joined none.
    workspace_id: str | None


def admit(
    connection: Connection,
    person: Identity,
    rules: tuple[DomainRule, ...],
    now: datetime,
    address: str | None,
) -> Admission:
    """The account the person signs in as (see the module's docstring), with the
    invitations waiting for its address accepted, all recorded in the audit trail;
    Forbidden when nothing lets them in or the account at their address is bound to
    another provider account."""
    email = normalize_email(person.email)
    user = _account_of(connection, person, email)
    if user is None:
        made = _new_account(connection, person, email, now)
        if made is not None:
            return _welcome(connection, made, rules, now, address)
        # A sign-in of the same person running at the same time made it first.
        user = _account_of(connection, person, email)
        if user is None:
            raise Conflict(f"an account for {email} was being made at the same time: sign in again")
    # Only to the account's own address: not to one the provider has moved the person to.
    invited = _accept_invitations(connection, user.id, email, now) if user.email == email else {}
    actor = Actor("user", user.id, user.email, address)
    for workspace_id, role in invited.items():
        grant(connection, workspace_id, user.id, role, now)
        record(connection, workspace_id, actor, "user.invite_accepted", now,
               object_type="user", object_id=user.id, after={"role": role.value},
               detail={"via": "oidc"})  # fmt: skip
    return Admission(user, next(reversed(invited), None))


def _account_of(connection: Connection, person: Identity, email: str) -> User | None:
    """The account bound to the person's provider account, else the one at their address,
    bound to them now."""
    bound = connection.execute(
        select(users.c.id).where(
            users.c.oidc_issuer == person.issuer, users.c.oidc_subject == person.subject
        )
    ).scalar_one_or_none()
    if bound is not None:
        return user_by_id(connection, bound)
    user = user_by_email(connection, email)
    if user is not None:
        _bind(connection, user, person)
    return user


def _bind(connection: Connection, user: User, person: Identity) -> None:
    """Bind the account to the person's provider account; Forbidden when it is bound to
    another. The check and the binding are one statement, so two sign-ins racing to bind
    the account cannot both win."""
    bound = connection.execute(
        update(users)
        .where(
            users.c.id == user.id,
            users.c.oidc_subject.is_(None)
            | ((users.c.oidc_issuer == person.issuer) & (users.c.oidc_subject == person.subject)),
        )
        .values(oidc_issuer=person.issuer, oidc_subject=person.subject)
    ).rowcount
    if bound != 1:
        raise Forbidden(
            f"the account of {user.email} signs in through another account at the provider: "
            "ask a workspace administrator"
        )


def _new_account(
    connection: Connection, person: Identity, email: str, now: datetime
) -> User | None:
    """A new account at the address, bound to the person; None when a transaction running
    at the same time has just made one there or bound one to them."""
    try:
        with connection.begin_nested():
            user = create_user(connection, email, person.name[:200], now)
            _bind(connection, user, person)
    except (Conflict, IntegrityError):
        return None
    return user


def _welcome(
    connection: Connection,
    user: User,
    rules: tuple[DomainRule, ...],
    now: datetime,
    address: str | None,
) -> Admission:
    """Roles for the new account from the invitations to its address, else the rule for
    its domain; Forbidden, which undoes the account, when neither lets it in."""
    joined = _accept_invitations(connection, user.id, user.email, now)
    how = "invitation"
    domain = user.email.rpartition("@")[2]
    rule = next((r for r in rules if r.domain == domain), None)
    if not joined and rule is not None:
        joined = {_workspace_of(connection, rule): rule.role}
        how = "domain rule"
    if not joined:
        raise Forbidden(
            f"{user.email} has no account here and no invitation, and single sign-on lets no "
            f"one in from {domain} by itself: ask a workspace administrator to invite you"
        )
    actor = Actor("user", user.id, user.email, address)
    for workspace_id, role in joined.items():
        grant(connection, workspace_id, user.id, role, now)
        record(connection, workspace_id, actor, "user.created", now,
               object_type="user", object_id=user.id,
               after={"email": user.email, "role": role.value},
               detail={"via": "oidc", "by": how})  # fmt: skip
    return Admission(user, next(reversed(joined)))


def _accept_invitations(
    connection: Connection, user_id: str, email: str, now: datetime
) -> dict[str, Role]:
    """The role in each workspace the user is not a member of yet that the invitations
    waiting for the address give (the newest invitation to a workspace wins, and comes
    last), each invitation taken so that two sign-ins cannot both use it."""
    member_of = {m.workspace_id for m in memberships_of(connection, user_id)}
    accepted: dict[str, Role] = {}
    for link in pending_invitations(connection, now, email=email):
        if link.workspace_id is None or link.role is None or link.workspace_id in member_of:
            continue
        if take(connection, link, now):
            accepted.pop(link.workspace_id, None)
            accepted[link.workspace_id] = link.role
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
