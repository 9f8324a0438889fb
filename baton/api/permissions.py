"""Every route's access decision, in one table: the permission its caller's role must
hold (baton/teams/roles.py), or a gate (public, any signed-in caller, the installation's
owner). A route missing here opens to no one, and tests/api/test_roles.py fails."""

from __future__ import annotations

from baton.api.callers import Gate
from baton.teams import Permission

_P = Permission
PUBLIC = Gate.PUBLIC
SIGNED_IN = Gate.SIGNED_IN
INSTALLATION = Gate.INSTALLATION
METRICS = Gate.METRICS

ROUTES: dict[tuple[str, str], Permission | Gate] = {
    # Tracking API (write keys), links in messages, provider callbacks, health.
    ("POST", "/v1/alias"): PUBLIC,
    ("POST", "/v1/group"): PUBLIC,
    ("POST", "/v1/identify"): PUBLIC,
    ("POST", "/v1/page"): PUBLIC,
    ("POST", "/v1/screen"): PUBLIC,
    ("POST", "/v1/track"): PUBLIC,
    ("POST", "/v1/batch"): PUBLIC,
    ("GET", "/v1/projects/{write_key}/settings"): PUBLIC,
    ("GET", "/v1/unsubscribe/{token}"): PUBLIC,
    ("POST", "/v1/unsubscribe/{token}"): PUBLIC,
    ("GET", "/v1/confirm/{token}"): PUBLIC,
    ("POST", "/v1/confirm/{token}"): PUBLIC,
    ("GET", "/v1/preferences"): PUBLIC,
    ("GET", "/v1/preferences/{token}"): PUBLIC,
    ("POST", "/v1/preferences/{token}"): PUBLIC,
    ("POST", "/v1/preferences/{token}/export"): PUBLIC,
    ("POST", "/v1/preferences/{token}/erasure"): PUBLIC,
    ("GET", "/v1/erasure/{token}"): PUBLIC,
    ("POST", "/v1/erasure/{token}"): PUBLIC,
    ("GET", "/v1/export/{token}"): PUBLIC,
    ("POST", "/v1/export/{token}"): PUBLIC,
    ("GET", "/v1/inbox"): PUBLIC,
    ("POST", "/v1/inbox/{message_id}/{action}"): PUBLIC,
    ("GET", "/v1/decide"): PUBLIC,
    ("GET", "/sdk/baton.js"): PUBLIC,
    ("POST", "/v1/channels/email/{workspace_id}/feedback"): PUBLIC,
    ("POST", "/v1/channels/sms/{workspace_id}/status"): PUBLIC,
    ("POST", "/v1/channels/whatsapp/{workspace_id}/status"): PUBLIC,
    ("POST", "/v1/channels/sms/{workspace_id}/inbound"): PUBLIC,
    ("POST", "/v1/sources/{source_key}/webhook"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    # Prometheus: the scraper's token or the installation's owner (baton/api/metrics.py).
    ("GET", "/metrics"): METRICS,
    # Signing in and out.
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("GET", "/api/v1/auth/oidc"): PUBLIC,
    ("GET", "/api/v1/auth/oidc/login"): PUBLIC,
    ("GET", "/api/v1/auth/oidc/callback"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): SIGNED_IN,
    ("GET", "/api/v1/auth/me"): SIGNED_IN,
    ("POST", "/api/v1/auth/workspace"): SIGNED_IN,
    ("POST", "/api/v1/auth/password"): SIGNED_IN,
    ("DELETE", "/api/v1/auth/sessions"): SIGNED_IN,
    ("POST", "/api/v1/auth/invitation"): PUBLIC,
    ("POST", "/api/v1/auth/password-reset"): PUBLIC,
    ("POST", "/api/v1/auth/password-reset/confirm"): PUBLIC,
    # People, their roles and invitations.
    ("GET", "/api/v1/users"): _P.MANAGE_USERS,
    ("PUT", "/api/v1/users/{user_id}/role"): _P.MANAGE_USERS,
    ("DELETE", "/api/v1/users/{user_id}"): _P.MANAGE_USERS,
    ("DELETE", "/api/v1/users/{user_id}/sessions"): _P.MANAGE_USERS,
    ("GET", "/api/v1/invitations"): _P.MANAGE_USERS,
    ("POST", "/api/v1/invitations"): _P.MANAGE_USERS,
    ("DELETE", "/api/v1/invitations/{invitation_id}"): _P.MANAGE_USERS,
    # Profiles: personal data.
    ("GET", "/api/v1/profiles/lookup"): _P.READ_PROFILES,
    ("GET", "/api/v1/profiles"): _P.READ_PROFILES,
    ("GET", "/api/v1/profiles/{profile_id}"): _P.READ_PROFILES,
    ("DELETE", "/api/v1/profiles/{profile_id}"): _P.MANAGE_PRIVACY,
    ("GET", "/api/v1/profiles/{profile_id}/events"): _P.READ_PROFILES,
    ("GET", "/api/v1/profiles/{profile_id}/journeys"): _P.READ_PROFILES,
    ("GET", "/api/v1/profiles/{profile_id}/journey-steps"): _P.READ_PROFILES,
    ("GET", "/api/v1/profiles/{profile_id}/consent"): _P.READ_PROFILES,
    ("PUT", "/api/v1/profiles/{profile_id}/consent/{group}"): _P.MANAGE_PRIVACY,
    ("GET", "/api/v1/profiles/{profile_id}/export"): _P.MANAGE_PRIVACY,
    ("GET", "/api/v1/erasures/{erasure_id}"): _P.MANAGE_PRIVACY,
    ("GET", "/api/v1/messages"): _P.READ_PROFILES,
    ("GET", "/api/v1/ingest/status"): _P.READ_REPORTS,
    # Segments and computed traits.
    ("GET", "/api/v1/predictions"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/predictions/{key}"): _P.READ_DEFINITIONS,
    ("PUT", "/api/v1/predictions/{key}"): _P.EDIT_CONTENT,
    ("DELETE", "/api/v1/predictions/{key}"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/predictions/{key}/train"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/predictions/{key}/rollback"): _P.PUBLISH,
    ("GET", "/api/v1/profiles/{profile_id}/predictions"): _P.READ_PROFILES,
    ("GET", "/api/v1/segments"): _P.READ_DEFINITIONS,
    ("POST", "/api/v1/segments"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/segments/preview"): _P.EDIT_CONTENT,
    ("GET", "/api/v1/segments/{ref}"): _P.READ_DEFINITIONS,
    ("PUT", "/api/v1/segments/{ref}"): _P.EDIT_CONTENT,
    ("DELETE", "/api/v1/segments/{ref}"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/segments/{ref}/evaluate"): _P.EDIT_CONTENT,
    ("GET", "/api/v1/segments/{ref}/count"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/segments/{ref}/members"): _P.READ_PROFILES,
    ("GET", "/api/v1/segments/{ref}/history"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/segments/{ref}/audience"): _P.READ_PROFILES,
    ("GET", "/api/v1/schema"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/computed-traits"): _P.READ_DEFINITIONS,
    ("POST", "/api/v1/computed-traits"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/computed-traits/preview"): _P.EDIT_CONTENT,
    ("GET", "/api/v1/computed-traits/{ref}"): _P.READ_DEFINITIONS,
    ("PUT", "/api/v1/computed-traits/{ref}"): _P.EDIT_CONTENT,
    ("DELETE", "/api/v1/computed-traits/{ref}"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/computed-traits/{ref}/evaluate"): _P.EDIT_CONTENT,
    ("GET", "/api/v1/computed-traits/{ref}/count"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/computed-traits/{ref}/distribution"): _P.READ_PROFILES,
    ("GET", "/api/v1/computed-traits/{ref}/members"): _P.READ_PROFILES,
    # Journeys.
    ("GET", "/api/v1/journeys"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/journeys/{key}"): _P.READ_DEFINITIONS,
    ("PUT", "/api/v1/journeys/{key}"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/journeys/{key}/publish"): _P.PUBLISH,
    ("POST", "/api/v1/journeys/{key}/pause"): _P.PUBLISH,
    ("POST", "/api/v1/journeys/{key}/resume"): _P.PUBLISH,
    ("POST", "/api/v1/journeys/{key}/archive"): _P.PUBLISH,
    ("POST", "/api/v1/journeys/{key}/enter"): _P.PUBLISH,
    ("POST", "/api/v1/journeys/{key}/simulate"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/journeys/{key}/test-run"): _P.EDIT_CONTENT,
    ("GET", "/api/v1/journeys/{key}/versions"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/journeys/{key}/versions/{version}"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/journeys/{key}/stats"): _P.READ_REPORTS,
    ("GET", "/api/v1/journeys/{key}/decisions"): _P.READ_REPORTS,
    ("GET", "/api/v1/journeys/{key}/report"): _P.READ_REPORTS,
    ("GET", "/api/v1/journeys/{key}/report.csv"): _P.EXPORT_REPORTS,
    ("GET", "/api/v1/journeys/{key}/instances"): _P.READ_PROFILES,  # trigger properties
    ("GET", "/api/v1/journeys/{key}/why"): _P.READ_PROFILES,
    # Broadcasts.
    ("GET", "/api/v1/broadcasts"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/broadcasts/{key}"): _P.READ_DEFINITIONS,
    ("PUT", "/api/v1/broadcasts/{key}"): _P.EDIT_CONTENT,
    ("DELETE", "/api/v1/broadcasts/{key}"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/broadcasts/{key}/recipients"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/broadcasts/{key}/send"): _P.PUBLISH,
    ("POST", "/api/v1/broadcasts/{key}/pause"): _P.PUBLISH,
    ("POST", "/api/v1/broadcasts/{key}/resume"): _P.PUBLISH,
    ("POST", "/api/v1/broadcasts/{key}/cancel"): _P.PUBLISH,
    ("GET", "/api/v1/broadcasts/{key}/report"): _P.READ_REPORTS,
    ("GET", "/api/v1/broadcasts/{key}/why"): _P.READ_PROFILES,
    ("GET", "/api/v1/journey-templates"): _P.READ_DEFINITIONS,
    ("POST", "/api/v1/journey-templates"): _P.EDIT_CONTENT,
    ("GET", "/api/v1/journey-templates/{name}"): _P.READ_DEFINITIONS,
    # Message templates.
    ("GET", "/api/v1/templates"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/templates/{key}"): _P.READ_DEFINITIONS,
    ("PUT", "/api/v1/templates/{key}"): _P.EDIT_CONTENT,
    ("DELETE", "/api/v1/templates/{key}"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/templates/{key}/preview"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/templates/preview"): _P.EDIT_CONTENT,
    # The product catalogue recommendations choose from.
    ("GET", "/api/v1/catalog"): _P.READ_DEFINITIONS,
    ("POST", "/api/v1/catalog/import"): _P.EDIT_CONTENT,
    ("GET", "/api/v1/catalog/{item_id}"): _P.READ_DEFINITIONS,
    ("PUT", "/api/v1/catalog/{item_id}"): _P.EDIT_CONTENT,
    ("DELETE", "/api/v1/catalog/{item_id}"): _P.EDIT_CONTENT,
    # Web personalization: placements and what they show.
    ("GET", "/api/v1/placements"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/placements/{key}"): _P.READ_DEFINITIONS,
    ("PUT", "/api/v1/placements/{key}"): _P.EDIT_CONTENT,
    ("DELETE", "/api/v1/placements/{key}"): _P.EDIT_CONTENT,
    ("POST", "/api/v1/placements/{key}/preview"): _P.EDIT_CONTENT,
    # Analytics.
    ("GET", "/api/v1/kpis"): _P.READ_REPORTS,
    ("POST", "/api/v1/analytics/funnel"): _P.READ_REPORTS,
    ("POST", "/api/v1/analytics/paths"): _P.READ_REPORTS,
    ("GET", "/api/v1/analytics/cohorts"): _P.READ_REPORTS,
    ("GET", "/api/v1/analytics/status"): _P.READ_REPORTS,
    ("GET", "/api/v1/journey-map"): _P.READ_REPORTS,
    # The console's Home: live activity, journeys needing attention.
    ("GET", "/api/v1/activity/stream"): _P.READ_REPORTS,
    ("GET", "/api/v1/attention"): _P.READ_REPORTS,
    # Workspace settings and integrations.
    ("GET", "/api/v1/policy"): _P.READ_DEFINITIONS,
    ("PUT", "/api/v1/policy"): _P.MANAGE_WORKSPACE,
    ("GET", "/api/v1/channels"): _P.READ_DEFINITIONS,
    ("PUT", "/api/v1/channels/{channel}"): _P.MANAGE_INTEGRATIONS,
    ("GET", "/api/v1/destinations"): _P.MANAGE_INTEGRATIONS,
    ("GET", "/api/v1/destinations/{key}"): _P.MANAGE_INTEGRATIONS,
    ("PUT", "/api/v1/destinations/{key}"): _P.MANAGE_INTEGRATIONS,
    ("DELETE", "/api/v1/destinations/{key}"): _P.MANAGE_INTEGRATIONS,
    ("POST", "/api/v1/destinations/{key}/test"): _P.MANAGE_INTEGRATIONS,
    ("GET", "/api/v1/destinations/{key}/deliveries"): _P.MANAGE_INTEGRATIONS,
    ("POST", "/api/v1/destinations/{key}/replay"): _P.MANAGE_INTEGRATIONS,
    ("GET", "/api/v1/identity-secret"): _P.MANAGE_INTEGRATIONS,
    ("POST", "/api/v1/identity-secret"): _P.MANAGE_INTEGRATIONS,
    ("GET", "/api/v1/keys"): _P.MANAGE_INTEGRATIONS,
    ("POST", "/api/v1/keys"): _P.MANAGE_INTEGRATIONS,
    ("DELETE", "/api/v1/keys/{key_id}"): _P.MANAGE_INTEGRATIONS,
    ("GET", "/api/v1/sources"): _P.MANAGE_INTEGRATIONS,
    ("GET", "/api/v1/sources/presets"): _P.MANAGE_INTEGRATIONS,
    ("PUT", "/api/v1/sources/{source_key}"): _P.MANAGE_INTEGRATIONS,
    ("GET", "/api/v1/sources/{source_key}"): _P.MANAGE_INTEGRATIONS,
    ("DELETE", "/api/v1/sources/{source_key}"): _P.MANAGE_INTEGRATIONS,
    ("POST", "/api/v1/sources/{source_key}/test"): _P.MANAGE_INTEGRATIONS,
    # Workspaces: the installation's owner creates and lists them.
    ("POST", "/api/v1/workspaces"): INSTALLATION,
    ("GET", "/api/v1/workspaces"): INSTALLATION,
    ("GET", "/api/v1/workspace"): _P.READ_DEFINITIONS,
    ("PATCH", "/api/v1/workspace"): _P.MANAGE_WORKSPACE,
    ("DELETE", "/api/v1/workspace"): _P.DELETE_WORKSPACE,
    # Review requests: changes held for approval.
    ("GET", "/api/v1/reviews"): _P.READ_DEFINITIONS,
    ("GET", "/api/v1/reviews/{review_id}"): _P.READ_DEFINITIONS,
    ("POST", "/api/v1/reviews/{review_id}/approve"): _P.APPROVE,
    ("POST", "/api/v1/reviews/{review_id}/reject"): _P.APPROVE,
    # The audit trail.
    ("GET", "/api/v1/audit"): _P.MANAGE_USERS,
}

# Admin API paths open without credentials: their body is bounded without a check first.
PUBLIC_API_PATHS = frozenset(
    path for (_, path), gate in ROUTES.items() if gate is PUBLIC and path.startswith("/api/")
)


def access_to(method: str, path: str) -> Permission | Gate | None:
    """The decision for a route (its path template), None when it has none."""
    return ROUTES.get((method, path))
