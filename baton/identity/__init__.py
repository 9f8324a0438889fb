"""Identity resolution: one profile per person across user ids, devices, e-mails and phones."""

from baton.identity.processor import pending_count, process_pending

__all__ = ["pending_count", "process_pending"]
