"""Identity resolution: one profile per person across user ids, devices, e-mails and phones."""

from baton.identity.erasure import compact_erased, erase_profile, get_receipt
from baton.identity.normalize import (
    ANONYMOUS_ID,
    EMAIL,
    PHONE,
    USER_ID,
    normalize_email,
    normalize_phone,
)
from baton.identity.processor import (
    DEFAULT_BATCH_SIZE,
    failed_count,
    pending_count,
    process_pending,
    refresh_statistics,
)
from baton.identity.profiles import (
    EventKey,
    find_profile,
    get_profile,
    merge_tree,
    message_from_baton,
    profile_of_identifier,
    resolve_profile_id,
)

__all__ = [
    "ANONYMOUS_ID",
    "DEFAULT_BATCH_SIZE",
    "EMAIL",
    "PHONE",
    "USER_ID",
    "EventKey",
    "compact_erased",
    "erase_profile",
    "failed_count",
    "find_profile",
    "get_profile",
    "get_receipt",
    "merge_tree",
    "message_from_baton",
    "normalize_email",
    "normalize_phone",
    "pending_count",
    "process_pending",
    "profile_of_identifier",
    "refresh_statistics",
    "resolve_profile_id",
]
