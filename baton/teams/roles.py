"""Roles and what each may do: the one matrix every request is checked against.

A route names the permission it needs (baton/api/permissions.py); a role is the set of
permissions it holds. docs/teams.md shows the same table, and a test keeps the two equal.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OWNER = "owner"
    ADMIN = "admin"
    DEVELOPER = "developer"
    MARKETER = "marketer"
    ANALYST = "analyst"
    VIEWER = "viewer"


class Permission(StrEnum):
    # Definitions and their results: journeys, segments, computed traits, templates.
    READ_DEFINITIONS = "read_definitions"
    # Reports, KPIs, funnels, paths, cohorts: aggregates and profile ids, no personal data.
    READ_REPORTS = "read_reports"
    # Profiles, their events, messages, consent: personal data.
    READ_PROFILES = "read_profiles"
    # Reports exported as files.
    EXPORT_REPORTS = "export_reports"
    # Create, change and delete journeys, segments, computed traits, templates, broadcasts.
    EDIT_CONTENT = "edit_content"
    # Publish, pause, resume, archive, enter profiles; with approvals on, a marketer's
    # publish becomes a review request instead.
    PUBLISH = "publish"
    # API keys, channel settings and secrets, webhooks, sources, the identity secret.
    MANAGE_INTEGRATIONS = "manage_integrations"
    # The workspace policy (caps, quiet hours), approval rules, renaming.
    MANAGE_WORKSPACE = "manage_workspace"
    # Consent changed by staff, a person's data exported or erased.
    MANAGE_PRIVACY = "manage_privacy"
    # People and their roles, invitations, sessions; the audit trail.
    MANAGE_USERS = "manage_users"
    # Approve or reject someone else's review request.
    APPROVE = "approve"
    DELETE_WORKSPACE = "delete_workspace"


_READ = {Permission.READ_DEFINITIONS, Permission.READ_REPORTS}
_ALL = set(Permission)

PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.OWNER: frozenset(_ALL),
    Role.ADMIN: frozenset(_ALL - {Permission.DELETE_WORKSPACE}),
    Role.DEVELOPER: frozenset(_READ | {Permission.READ_PROFILES, Permission.MANAGE_INTEGRATIONS}),
    Role.MARKETER: frozenset(
        _READ | {Permission.READ_PROFILES, Permission.EDIT_CONTENT, Permission.PUBLISH}
    ),
    Role.ANALYST: frozenset(_READ | {Permission.READ_PROFILES, Permission.EXPORT_REPORTS}),
    Role.VIEWER: frozenset(_READ),
}

# Roles whose publish goes straight through even where approvals are required.
APPROVERS = frozenset({Role.OWNER, Role.ADMIN})


def may(role: Role, permission: Permission) -> bool:
    return permission in PERMISSIONS[role]


def role_of(text: str) -> Role:
    """The role named `text`; ValueError names the roles there are."""
    try:
        return Role(text)
    except ValueError:
        raise ValueError(
            f"unknown role {text!r}: use one of {', '.join(role.value for role in Role)}"
        ) from None
