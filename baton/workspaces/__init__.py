"""Workspaces (tenants) and the API keys that open them."""

from baton.workspaces.identity_verification import (
    hash_matches,
    identity_secret,
    identity_secret_made_at,
    new_identity_secret,
    user_hash,
    verified,
)
from baton.workspaces.keys import (
    Access,
    KeyInfo,
    KeyKind,
    KeyRing,
    create_key,
    list_keys,
    revoke_key,
)
from baton.workspaces.policy import (
    Pause,
    Policy,
    QuietHours,
    load_policy,
    parse_policy,
    policy_json,
    save_policy,
)
from baton.workspaces.workspaces import (
    BootstrapResult,
    create_workspace,
    default_workspace_id,
    ensure_default_workspace,
)

__all__ = [
    "Access",
    "BootstrapResult",
    "KeyInfo",
    "KeyKind",
    "KeyRing",
    "Pause",
    "Policy",
    "QuietHours",
    "create_key",
    "create_workspace",
    "default_workspace_id",
    "ensure_default_workspace",
    "hash_matches",
    "identity_secret",
    "identity_secret_made_at",
    "list_keys",
    "load_policy",
    "new_identity_secret",
    "parse_policy",
    "policy_json",
    "revoke_key",
    "save_policy",
    "user_hash",
    "verified",
]
