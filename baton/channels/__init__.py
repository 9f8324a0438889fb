"""Delivery: the message outbox and the channels that send what it holds."""

from baton.channels.arbitration import (
    CAP_PREFIX,
    DEFERRED,
    HELD_OUT,
    SENT,
    SKIPPED,
    Contender,
    Ledger,
    Verdict,
    arbitrate,
)
from baton.channels.consent import EVERYTHING, allowed, consent_json, consents_of, set_consent
from baton.channels.dispatch import dispatch_due, load_ledgers, next_due_at
from baton.channels.engagement import Feedback, record_click, record_feedback, record_open
from baton.channels.in_app import inbox_of, mark
from baton.channels.links import read_link
from baton.channels.listing import list_messages
from baton.channels.opt_in import CONFIRMATION, confirm, opt_in
from baton.channels.outbox import (
    CANCELLED,
    DELIVERED,
    PENDING,
    STATUSES,
    NewMessage,
    cancel_pending,
    enqueue,
)
from baton.channels.settings import (
    SETTINGS,
    EmailSettings,
    SmsSettings,
    load_settings,
    masked,
    parse_settings,
    reseal_settings,
    save_settings,
)
from baton.channels.sms import callback_url, record_keyword, record_status, signature
from baton.channels.template_store import (
    delete_template,
    get_template,
    list_templates,
    render_for,
    save_template,
)
from baton.channels.templates import MessageTemplate, check_text, parse_template, strings_of

__all__ = [
    "CANCELLED",
    "CAP_PREFIX",
    "CONFIRMATION",
    "DEFERRED",
    "DELIVERED",
    "EVERYTHING",
    "HELD_OUT",
    "PENDING",
    "SENT",
    "SETTINGS",
    "SKIPPED",
    "STATUSES",
    "Contender",
    "EmailSettings",
    "Feedback",
    "Ledger",
    "MessageTemplate",
    "NewMessage",
    "SmsSettings",
    "Verdict",
    "allowed",
    "arbitrate",
    "callback_url",
    "cancel_pending",
    "check_text",
    "confirm",
    "consent_json",
    "consents_of",
    "delete_template",
    "dispatch_due",
    "enqueue",
    "get_template",
    "inbox_of",
    "list_messages",
    "list_templates",
    "load_ledgers",
    "load_settings",
    "mark",
    "masked",
    "next_due_at",
    "opt_in",
    "parse_settings",
    "parse_template",
    "read_link",
    "record_click",
    "record_feedback",
    "record_keyword",
    "record_open",
    "record_status",
    "render_for",
    "reseal_settings",
    "save_settings",
    "save_template",
    "set_consent",
    "signature",
    "strings_of",
]
