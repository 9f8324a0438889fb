"""The schema, as SQLAlchemy Core tables. Every row belongs to a workspace."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.elements import ColumnElement


class Instant(TypeDecorator[datetime]):
    """A UTC instant: aware datetimes in and out, on SQLite (which keeps no zone) too.

    On SQLite it is stored as `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, the layout of
    SQLAlchemy's own SQLite DateTime, converted here directly: this type is on every hot
    path and SQLAlchemy's generic conversion costs several times more.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return instant_to_sqlite
        return super().bind_processor(dialect)

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any] | None:
        if dialect.name == "sqlite":
            return _instant_from_sqlite
        return super().result_processor(dialect, coltype)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC instant is required")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else value.astimezone(UTC)


def instant_to_sqlite(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given where a UTC instant is required")
    return _sqlite_text(value)


@lru_cache(maxsize=1024)
def _sqlite_text(value: datetime) -> str:
    """Rows written together mostly share their instants (`now`): each is formatted once."""
    utc = value if value.tzinfo is UTC else value.astimezone(UTC)
    return utc.isoformat(" ", timespec="microseconds")[:26]


def _instant_from_sqlite(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _partial_index(
    name: str, *columns: Column[Any], where: ColumnElement[bool], unique: bool = False
) -> Index:
    """An index of only the rows `where` holds, on both databases."""
    return Index(name, *columns, unique=unique, sqlite_where=where, postgresql_where=where)


Document = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")
# SQLite only auto-increments an INTEGER PRIMARY KEY, so the 64-bit type is a variant.
Sequence = BigInteger().with_variant(Integer(), "sqlite")

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("is_default", Integer, nullable=False, default=0),
    Column("created_at", Instant(), nullable=False),
    # IANA name; journeys wait for local times in it when a profile has no `timezone`.
    Column("timezone", String(64), nullable=False, default="UTC", server_default="UTC"),
    # Frequency caps and quiet hours shared by every journey (baton/workspaces/policy.py).
    Column("policy", Document),
    # Salts the digests of erased identifiers (never shown).
    Column("erasure_salt", String(64)),
    # Proves who a browser speaks for (baton/workspaces/identity_verification.py): sealed.
    Column("identity_secret", String(200)),
    Column("identity_secret_at", Instant()),
    # A short unique name people and scripts use (`baton users create --workspace KEY`).
    Column("key", String(64), unique=True),
    # What a marketer's publish must have approved first: journeys, templates, broadcasts,
    # models (baton/teams/reviews.py).
    Column("require_approval", Document),
    # Events per second the tracking API accepts for it; NULL: BATON_INGEST_PER_SECOND.
    Column("ingest_per_second", Integer),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), ForeignKey("workspaces.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # write | admin
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("hint", String(12), nullable=False),  # last four characters, to tell keys apart
    Column("created_at", Instant(), nullable=False),
    # A write key a web page embeds: it may not set contact points without a userHash.
    Column("browser", Boolean, nullable=False, default=False, server_default=false()),
    # An admin key's role in its workspace (baton/teams/roles.py); NULL for write keys.
    Column("role", String(20)),
    Column("expires_at", Instant()),
    # To the minute: the key ring writes it at most once a minute per key.
    Column("last_used_at", Instant()),
    # Who made it: a user's or an admin key's id; NULL for the command line or environment.
    Column("created_by", String(40)),
    Index(None, "workspace_id", "kind"),
)

# Staff: the people who work in Baton's console and API (baton/teams/).
users = Table(
    "users",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),  # lower case
    Column("name", String(200), nullable=False),
    # argon2id; NULL for someone who only signs in through single sign-on.
    Column("password_hash", String(200)),
    # May create, list and delete workspaces (the installation's owner).
    Column("installation_owner", Boolean, nullable=False, default=False, server_default=false()),
    Column("created_at", Instant(), nullable=False),
    Column("password_changed_at", Instant()),
    # The single sign-on account the user is bound to (`iss`, `sub`), from their first
    # sign-in through it (baton/teams/sso.py); NULL until then.
    Column("oidc_issuer", String(300)),
    Column("oidc_subject", String(255)),
    UniqueConstraint("oidc_issuer", "oidc_subject"),
)

memberships = Table(
    "memberships",
    metadata,
    Column("workspace_id", String(40), ForeignKey("workspaces.id"), primary_key=True),
    Column("user_id", String(40), ForeignKey("users.id"), primary_key=True),
    Column("role", String(20), nullable=False),
    Column("created_at", Instant(), nullable=False),
    Index(None, "user_id"),
)

# A signed-in browser. Only the token's hash is stored.
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", String(40), ForeignKey("users.id"), nullable=False),
    # The workspace the session works in unless a request names another.
    Column("workspace_id", String(40)),
    Column("created_at", Instant(), nullable=False),
    Column("last_seen_at", Instant(), nullable=False),
    Column("address", String(64)),
    Column("user_agent", String(300)),
    Index(None, "user_id"),
)

# Single-use links sent by e-mail: invitations and password resets. Only hashes stored.
user_tokens = Table(
    "user_tokens",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("purpose", String(20), nullable=False),  # invite | reset
    Column("email", String(320), nullable=False),
    Column("workspace_id", String(40)),
    Column("role", String(20)),
    Column("created_by", String(40)),
    Column("created_at", Instant(), nullable=False),
    Column("expires_at", Instant(), nullable=False),
    Column("used_at", Instant()),
    Index(None, "email", "purpose"),
)

# Append-only: who changed what, when, from where (baton/teams/audit.py). Rows are only
# ever added, except that erasing a person blanks the personal values of rows about them.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", String(40), primary_key=True),  # sorts by time
    Column("workspace_id", String(40)),  # NULL: the installation (workspaces, logins)
    Column("at", Instant(), nullable=False),
    Column("actor_type", String(10), nullable=False),  # user | key | cli | system | person
    Column("actor_id", String(40)),
    Column("actor_label", String(320)),
    Column("address", String(64)),
    Column("action", String(60), nullable=False),
    Column("object_type", String(40)),
    Column("object_id", String(200)),
    # The customer profile the entry mentions, so an erasure finds it.
    Column("profile_id", String(40)),
    Column("changes", Document),  # [{path, before, after}]
    Column("detail", Document),
    Index(None, "workspace_id", "id"),
    Index(None, "workspace_id", "object_type", "object_id"),
    Index(None, "profile_id"),
)

# A marketer's publish waiting for someone else's approval (baton/teams/reviews.py).
reviews = Table(
    "reviews",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), ForeignKey("workspaces.id"), nullable=False),
    Column("kind", String(20), nullable=False),  # journeys | templates | broadcasts | models
    Column("object_key", String(200), nullable=False),
    Column("proposed", Document),
    Column("changes", Document),  # against the live version
    Column("status", String(10), nullable=False),  # pending | approved | rejected
    Column("requested_by", String(40), nullable=False),
    Column("requested_at", Instant(), nullable=False),
    Column("decided_by", String(40)),
    Column("decided_at", Instant()),
    Column("comment", Text),
    Index(None, "workspace_id", "status", "id"),
)

# One row per accepted message. `profile_id` is NULL until the identity processor has
# resolved the message; that NULL is the processing queue.
events = Table(
    "events",
    metadata,
    Column("seq", Sequence, primary_key=True, autoincrement=True),
    Column("workspace_id", String(40), nullable=False),
    Column("message_id", String(200), nullable=False),
    Column("type", String(16), nullable=False),
    Column("event", String(200)),
    Column("name", String(200)),
    Column("user_id", String(200)),
    Column("anonymous_id", String(200)),
    Column("group_id", String(200)),
    Column("previous_id", String(200)),
    Column("timestamp", Instant(), nullable=False),
    Column("original_timestamp", Instant()),
    Column("sent_at", Instant()),
    Column("received_at", Instant(), nullable=False),
    Column("properties", Document),
    Column("traits", Document),
    Column("context", Document),
    Column("integrations", Document),
    Column("extra", Document),
    Column("profile_id", String(40)),
    Column("error", Text),
    # The W3C trace context it arrived with, while traces are on (baton/core/tracing.py).
    Column("traceparent", String(55)),
    UniqueConstraint("workspace_id", "message_id"),
    Index(None, "workspace_id", "profile_id", "timestamp", "seq"),
    # Segment conditions read one profile's events of one name.
    Index(None, "workspace_id", "profile_id", "event", "timestamp"),
)
# Events identity has yet to resolve: its queue, behind a partial index.
PENDING_EVENTS = events.c.profile_id.is_(None) & events.c.error.is_(None)
_partial_index("ix_events_pending", events.c.seq, where=PENDING_EVENTS)
# Events it could not resolve: few, counted by the ingest status.
_FAILED_EVENTS = events.c.error.is_not(None)
_partial_index("ix_events_failed", events.c.workspace_id, where=_FAILED_EVENTS)

profiles = Table(
    "profiles",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("merged_into", String(40)),
    Column("traits", Document, nullable=False),
    # trait name -> [event time in microseconds, message id]: the write that set it.
    Column("trait_versions", Document, nullable=False),
    Column("first_seen", Instant()),
    Column("last_seen", Instant()),
    Column("event_count", BigInteger, nullable=False, default=0),
    # computed trait key -> value, kept by the segment evaluator.
    Column("computed", Document),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    Index(None, "workspace_id", "merged_into", "id"),
)

# What concurrent identity processors lock on PostgreSQL: a row per hash bucket of the
# identifiers and profiles a batch touches, locked FOR UPDATE (a batch touches thousands:
# as advisory locks they would fill the server's shared lock table). Installation table,
# filled by its migration on PostgreSQL; unused on SQLite, which has one processor.
identity_locks = Table(
    "identity_locks",
    metadata,
    Column("bucket", Integer, primary_key=True, autoincrement=False),
)

# Weak identifiers (anonymous id, e-mail, phone, custom kinds) belong to a component:
# the set of identifiers joined by anonymous messages. `user_id` identifiers point at
# their profile directly.
identifiers = Table(
    "identifiers",
    metadata,
    Column("workspace_id", String(40), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("value", String(320), primary_key=True),
    Column("profile_id", String(40)),
    Column("component_id", String(40)),
    Column("first_seen", Instant(), nullable=False),
)
# Each identifier has a profile or a component. Indexed only where set, these serve only
# queries that name the column, so a planner that takes a workspace for small still finds
# a (kind, value) by the primary key instead of reading the workspace (migration 0028).
_HAS_PROFILE = identifiers.c.profile_id.is_not(None)
_HAS_COMPONENT = identifiers.c.component_id.is_not(None)
_partial_index(
    "ix_identifiers_workspace_id_profile_id",
    identifiers.c.workspace_id,
    identifiers.c.profile_id,
    where=_HAS_PROFILE,
)
_partial_index(
    "ix_identifiers_workspace_id_component_id",
    identifiers.c.workspace_id,
    identifiers.c.component_id,
    where=_HAS_COMPONENT,
)

identity_components = Table(
    "identity_components",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    # The anonymous profile of a component no user has been seen with; NULL otherwise.
    Column("profile_id", String(40)),
)

# The users seen with a component's identifiers, and when each was first seen with them.
component_users = Table(
    "component_users",
    metadata,
    Column("component_id", String(40), primary_key=True),
    Column("user_id", String(200), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("first_seen", Instant(), nullable=False),
)

# alias(previousId -> userId) where previousId may also be a user id.
user_aliases = Table(
    "user_aliases",
    metadata,
    Column("workspace_id", String(40), primary_key=True),
    Column("previous_id", String(200), primary_key=True),
    Column("user_id", String(200), primary_key=True),
    Index(None, "workspace_id", "user_id"),
)

merges = Table(
    "merges",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("survivor_id", String(40), nullable=False),
    Column("merged_id", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("message_id", String(200)),
    Column("created_at", Instant(), nullable=False),
    Index(None, "workspace_id", "survivor_id"),
)

# Segments and computed traits. `version` counts edits; the definition is live for every
# profile once `built_version` equals it (full evaluation finished).
definitions = Table(
    "definitions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("kind", String(20), nullable=False),  # segment | computed_trait
    Column("key", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("definition", Document, nullable=False),
    Column("built_version", Integer),
    Column("progress", Float, nullable=False, default=0.0),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    UniqueConstraint("workspace_id", "kind", "key"),
)

segment_memberships = Table(
    "segment_memberships",
    metadata,
    Column("segment_id", String(40), primary_key=True),
    Column("profile_id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("entered_at", Instant(), nullable=False),
    Index(None, "workspace_id", "profile_id"),
)

# Profiles whose segments and computed traits must be evaluated again at `due_at`: now,
# when identity changed them; later, when a time window passes. `stamp` grows with every
# mark, so an evaluation never clears a mark made while it ran.
profile_due = Table(
    "profile_due",
    metadata,
    Column("workspace_id", String(40), primary_key=True),
    Column("profile_id", String(40), primary_key=True),
    Column("due_at", Instant(), nullable=False),
    Column("stamp", BigInteger, nullable=False),
    # The profile's hash slot (`storage/leases.py`): the segment worker leasing it claims it.
    Column("slot", SmallInteger, nullable=False, server_default="0"),
    Index(None, "due_at"),
    Index(None, "slot", "due_at"),
)


# Journeys: the journey itself (its lifecycle status), then every version of its
# definition. `version` is the newest version, `published_version` the one new entries get.
journeys = Table(
    "journeys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("key", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(10), nullable=False),  # draft | published | paused | archived
    Column("version", Integer, nullable=False),
    Column("published_version", Integer),
    # Time-triggered journeys (schedule, date trait): entries are done up to this instant.
    Column("scheduled_through", Instant()),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    UniqueConstraint("workspace_id", "key"),
)

journey_versions = Table(
    "journey_versions",
    metadata,
    Column("journey_id", String(40), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("definition", Document, nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("published_at", Instant()),
)

# One customer's way through one journey. Live while `ended_at` is NULL; a waiting
# instance has `wake_at` when time alone can move it (a delay, a timeout).
journey_instances = Table(
    "journey_instances",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("journey_id", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("profile_id", String(40), nullable=False),
    Column("node", String(100), nullable=False),
    Column("wake_at", Instant()),
    Column("steps", Integer, nullable=False),
    Column("state", Document, nullable=False),
    Column("entered_at", Instant(), nullable=False),
    Column("ended_at", Instant()),
    Column("outcome", String(20)),
    Column("goal_at", Instant()),
    Index(None, "profile_id", "journey_id"),
    Index(None, "journey_id", "node"),
    Index(None, "journey_id", "entered_at"),
)
_live = journey_instances.c.ended_at.is_(None)
_partial_index(
    "uq_journey_instances_live",
    journey_instances.c.profile_id,
    journey_instances.c.journey_id,
    unique=True,
    where=_live,
)
_timed = journey_instances.c.wake_at.is_not(None)
_partial_index("ix_journey_instances_wake_at", journey_instances.c.wake_at, where=_timed)

# What each instance did, one row per node visited or event that moved it.
journey_steps = Table(
    "journey_steps",
    metadata,
    Column("instance_id", String(40), primary_key=True),
    Column("n", Integer, primary_key=True, autoincrement=False),
    Column("at", Instant(), nullable=False),
    Column("node", String(100), nullable=False),
    Column("action", String(20), nullable=False),
    Column("detail", Document),
)

# Who hears which final events (baton/timeline/listeners.py): journeys and segments write
# it whenever their live definitions change; `events` is a list of event names.
event_listeners = Table(
    "event_listeners",
    metadata,
    Column("workspace_id", String(40), primary_key=True),
    Column("consumer", String(20), primary_key=True),
    Column("events", Document, nullable=False),
    Column("every_event", Boolean, nullable=False),
    Column("updated_at", Instant(), nullable=False),
)

# Processed events the journey engine has yet to look at, put there by baton/timeline in
# the transaction that made them final.
journey_inbox = Table(
    "journey_inbox",
    metadata,
    Column("seq", Sequence, primary_key=True, autoincrement=True),
    Column("workspace_id", String(40), nullable=False),
    Column("message_id", String(200), nullable=False),
    # The hash slot of the event's profile (`storage/leases.py`), moved to the survivor's
    # when the profile is merged: one journey worker sees a person's events, in order.
    Column("slot", SmallInteger, nullable=False, server_default="0"),
    Index(None, "slot", "seq"),
)

# Workers of a partitioned stage (segments, journeys) on PostgreSQL: each one heartbeats
# here, and leases its fair share of the profile hash slots in `stage_leases`.
# Installation tables: they hold no workspace's rows.
stage_workers = Table(
    "stage_workers",
    metadata,
    Column("stage", String(40), primary_key=True),
    Column("worker_id", String(200), primary_key=True),
    Column("expires_at", Instant(), nullable=False),
)
stage_leases = Table(
    "stage_leases",
    metadata,
    Column("stage", String(40), primary_key=True),
    Column("slot", SmallInteger, primary_key=True, autoincrement=False),
    Column("worker_id", String(200)),  # None: free
    Column("expires_at", Instant()),
)

# The outbox: every message a journey decided to send, created once per
# (instance, node, visit), which `idempotency_key` enforces.
messages = Table(
    "messages",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("profile_id", String(40), nullable=False),
    Column("journey_id", String(40)),
    Column("version", Integer),
    Column("instance_id", String(40)),
    Column("node", String(100)),
    Column("channel", String(40), nullable=False),
    Column("template", String(200)),
    Column("subscription_group", String(100)),
    # pending | sending | delivered | skipped | cancelled | failed
    Column("status", String(12), nullable=False),
    Column("idempotency_key", String(200), nullable=False, unique=True),
    Column("payload", Document),
    Column("created_at", Instant(), nullable=False),
    Column("due_at", Instant(), nullable=False),
    Column("dispatched_at", Instant()),
    Column("detail", Text),
    # What arbitration weighs: the journey's priority, whether caps and quiet hours spare
    # the message, what to do when a cap bites, the journey's own quiet hours.
    Column("priority", Integer, nullable=False, default=50, server_default="50"),
    Column("transactional", Integer, nullable=False, default=0, server_default="0"),
    Column("on_cap", String(10), nullable=False, default="skip", server_default="skip"),
    Column("quiet_hours", Document),
    # Why it was last skipped, deferred or cancelled: `cap:<name>`, `quiet_hours`,
    # `no_consent`, `held_out`, `instance_ended`.
    Column("reason", String(120)),
    # Hand-overs to the channel so far; a message with attempts is retried, not re-judged.
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    # The language the template was rendered in (its `locales` variant), None for one
    # with no variants.
    Column("locale", String(16)),
    # The broadcast that sent it (baton/campaigns), None for a journey's.
    Column("broadcast_id", String(40)),
    # The trace context it was queued under, while traces are on (baton/core/tracing.py).
    Column("traceparent", String(55)),
    Index(None, "profile_id", "created_at"),
    Index(None, "instance_id"),
    Index(None, "journey_id", "status"),
    Index(None, "broadcast_id", "status"),
)
# Due work: pending messages, and those being sent whose lease may run out.
_pending_message = messages.c.status.in_(["pending", "sending"])
_partial_index("ix_messages_pending", messages.c.due_at, where=_pending_message)

# Every arbitration decision about a message, in order: sent, skipped or deferred, why,
# and until when.
message_decisions = Table(
    "message_decisions",
    metadata,
    Column("message_id", String(40), primary_key=True),
    Column("n", Integer, primary_key=True, autoincrement=False),
    Column("at", Instant(), nullable=False),
    Column("decision", String(10), nullable=False),  # sent | skipped | deferred
    Column("reason", String(120)),
    Column("until", Instant()),
)

# Why a profile was last refused entry to a journey (audience, re-entry, exclusion,
# pause): the answer to "why did this customer never enter?".
journey_refusals = Table(
    "journey_refusals",
    metadata,
    Column("journey_id", String(40), primary_key=True),
    Column("profile_id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("at", Instant(), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("detail", Document),
    Column("times", Integer, nullable=False),
)

# Message templates by key (baton/channels/templates.py); `definition` is the document.
message_templates = Table(
    "message_templates",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("key", String(100), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("definition", Document, nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    UniqueConstraint("workspace_id", "key"),
)

# Every hand-over of a message to its channel: what the provider answered.
message_attempts = Table(
    "message_attempts",
    metadata,
    Column("message_id", String(40), primary_key=True),
    Column("n", Integer, primary_key=True, autoincrement=False),
    Column("at", Instant(), nullable=False),
    Column("outcome", String(10), nullable=False),  # delivered | retry | failed
    Column("detail", Text),
    Column("provider_id", String(200)),
    Column("duration_ms", Integer, nullable=False),
    # Delivery receipts name the provider's id.
    Index(None, "provider_id"),
)

# Each channel's provider settings per workspace (secrets included: never logged).
channel_settings = Table(
    "channel_settings",
    metadata,
    Column("workspace_id", String(40), primary_key=True),
    Column("channel", String(40), primary_key=True),
    Column("settings", Document, nullable=False),
    Column("updated_at", Instant(), nullable=False),
)

# Consent per profile and subscription group (`*`: every marketing message), as it
# stands; `consent_changes` keeps every change with its source and evidence.
consents = Table(
    "consents",
    metadata,
    Column("workspace_id", String(40), nullable=False),
    Column("profile_id", String(40), primary_key=True),
    Column("subscription_group", String(100), primary_key=True),
    Column("subscribed", Integer, nullable=False),
    Column("changed_at", Instant(), nullable=False),
    Column("source", String(40), nullable=False),
)

consent_changes = Table(
    "consent_changes",
    metadata,
    Column("seq", Sequence, primary_key=True, autoincrement=True),
    Column("workspace_id", String(40), nullable=False),
    Column("profile_id", String(40), nullable=False),
    Column("subscription_group", String(100), nullable=False),
    Column("subscribed", Integer, nullable=False),
    Column("at", Instant(), nullable=False),
    Column("source", String(40), nullable=False),
    Column("evidence", Document),
    Index(None, "profile_id", "seq"),
)
# What a person chose in the preference center beyond consent (baton/channels/preferences.py):
# their own limit on marketing messages a week, or a pause, and their last erasure and
# download requests (one e-mail of each kind in ten minutes).
preferences = Table(
    "preferences",
    metadata,
    Column("profile_id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("weekly_limit", Integer),
    Column("paused_until", Instant()),
    Column("changed_at", Instant(), nullable=False),
    Column("erasure_requested_at", Instant()),
    Column("export_requested_at", Instant()),
)
# Erasure receipts (GDPR article 17): whom, when, what was deleted; no personal data.
erasures = Table(
    "erasures",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("at", Instant(), nullable=False),
    Column("profile_ids", Document, nullable=False),
    Column("suppressed", Integer, nullable=False),
    Column("deleted", Document, nullable=False),
    # When no copy of the deleted rows was left in the database files (compaction).
    Column("compacted_at", Instant()),
    Index(None, "workspace_id", "at"),
)
# Salted digests of an erased person's identifiers, when they asked never to be
# profiled again: new events carrying one are dropped unread.
erased_identifiers = Table(
    "erased_identifiers",
    metadata,
    Column("workspace_id", String(40), primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("erasure_id", String(40), nullable=False),
)
# Push device tokens, from identify traits or `context.device.token`.
push_tokens = Table(
    "push_tokens",
    metadata,
    Column("workspace_id", String(40), primary_key=True),
    Column("token", String(500), primary_key=True),
    Column("profile_id", String(40), nullable=False),
    Column("platform", String(20)),
    Column("updated_at", Instant(), nullable=False),
    Index(None, "workspace_id", "profile_id"),
)
# In-app and web messages waiting for the app or site to pull them.
inbox_items = Table(
    "inbox_items",
    metadata,
    Column("message_id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("profile_id", String(40), nullable=False),
    Column("content", Document, nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("expires_at", Instant()),
    Column("seen_at", Instant()),
    Column("clicked_at", Instant()),
    Column("dismissed_at", Instant()),
    Index(None, "workspace_id", "profile_id", "created_at"),
)
# Addresses no message goes to any more (a hard bounce, a complaint), per channel.
suppressions = Table(
    "suppressions",
    metadata,
    Column("workspace_id", String(40), primary_key=True),
    Column("channel", String(40), primary_key=True),
    Column("address", String(320), primary_key=True),
    Column("profile_id", String(40)),
    Column("reason", String(40), nullable=False),
    Column("at", Instant(), nullable=False),
    Index(None, "workspace_id", "profile_id"),
)
# How new entries are shared among the arms of an optimized split, over time: the
# newest row of a node is in force.
split_allocations = Table(
    "split_allocations",
    metadata,
    Column("seq", Sequence, primary_key=True, autoincrement=True),
    Column("journey_id", String(40), nullable=False),
    Column("node", String(100), nullable=False),
    Column("at", Instant(), nullable=False),
    Column("weights", Document, nullable=False),
    # Each arm's profiles, conversions and probability of being best when decided.
    Column("evidence", Document, nullable=False),
    Column("reason", String(40), nullable=False),  # thompson | winner
    Index(None, "journey_id", "node", "seq"),
)


# Predictions (baton/predict): one definition per key. Training runs in the background and
# keeps each model it makes as a version; `active_version` is the one that scores.
predictions = Table(
    "predictions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("key", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("definition", Document, nullable=False),
    Column("status", String(20), nullable=False),  # new | training | ready | failed
    Column("progress", Float, nullable=False, default=0.0),
    Column("error", Text),
    # Set by a train request (or the schedule); cleared when a trainer claims it.
    Column("train_requested_at", Instant()),
    # Who asked (an actor id; NULL for the schedule), and whether the model it makes waits
    # for an approver's review before it scores (the workspace's `require_approval`).
    Column("train_requested_by", String(40)),
    Column("train_needs_review", Boolean, nullable=False, default=False),
    Column("training_started_at", Instant()),
    Column("active_version", Integer),
    Column("next_train_at", Instant()),
    Column("next_score_at", Instant()),
    # The `seq` of the last event a kind that reads new events as they come (sentiment) read.
    Column("event_cursor", BigInteger),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    UniqueConstraint("workspace_id", "key"),
)

prediction_versions = Table(
    "prediction_versions",
    metadata,
    Column("prediction_id", String(40), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("status", String(20), nullable=False),  # ready | pending_approval | rejected
    Column("definition", Document, nullable=False),
    Column("metrics", Document, nullable=False),
    Column("features", Document, nullable=False),
    Column("model_card", Document, nullable=False),
    # The model in the library's own format (never a pickle).
    Column("model", LargeBinary, nullable=False),
    Column("window_start", Instant()),
    Column("window_end", Instant()),
    Column("trained_at", Instant(), nullable=False),
    Column("review_id", String(40)),
)

# Each profile's latest output of a prediction's active version. The scalar values are
# mirrored into `profiles.computed` as `predicted.<key>` (and its suffixes) for segments
# and templates; `detail` keeps the rest (recommended items, CLV parts).
prediction_scores = Table(
    "prediction_scores",
    metadata,
    Column("prediction_id", String(40), primary_key=True),
    Column("profile_id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("version", Integer, nullable=False),
    Column("score", Float),
    Column("decile", Integer),
    Column("detail", Document),
    Column("scored_at", Instant(), nullable=False),
    Index(None, "workspace_id", "profile_id"),
)

# The product catalogue recommendations choose from.
catalog_items = Table(
    "catalog_items",
    metadata,
    Column("workspace_id", String(40), primary_key=True),
    Column("item_id", String(200), primary_key=True),
    Column("name", String(500), nullable=False),
    Column("attributes", Document, nullable=False),
    Column("in_stock", Boolean, nullable=False, default=True),
    Column("price", Float),
    Column("updated_at", Instant(), nullable=False),
)

# What a journey's `decide` node chose for one instance, with the propensity it chose it
# with (offline evaluation by inverse propensity), and the reward once the window closed.
decisions = Table(
    "decisions",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("journey_id", String(40), nullable=False),
    Column("node", String(100), nullable=False),
    Column("instance_id", String(40), nullable=False),
    Column("profile_id", String(40), nullable=False),
    Column("arm", String(100), nullable=False),
    Column("propensity", Float, nullable=False),
    Column("holdout", Boolean, nullable=False),
    Column("reason", Text, nullable=False),
    Column("context", Document, nullable=False),
    Column("decided_at", Instant(), nullable=False),
    Column("reward", Float),
    Column("rewarded_at", Instant()),
    UniqueConstraint("instance_id", "node"),
    Index(None, "journey_id", "node", "decided_at"),
    Index(None, "workspace_id", "profile_id"),
)

# Web personalization: a placement on the site and the variants of its content, each with
# the rule that chooses it (baton/personalize). `version` grows with every save, so each
# process knows when its parsed copy is stale.
placements = Table(
    "placements",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("key", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("definition", Document, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    UniqueConstraint("workspace_id", "key"),
)


# Broadcasts (baton/campaigns): one message to an audience. `definition` is the document;
# the engine's progress is in the other columns, each advanced in the transaction that
# did the work, so a restart resumes where it was. `wake_at`: when it has work next.
broadcasts = Table(
    "broadcasts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("key", String(100), nullable=False),
    Column("name", String(200), nullable=False),
    # draft | scheduled | sending | paused | sent | cancelled
    Column("status", String(12), nullable=False),
    Column("definition", Document, nullable=False),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    Column("started_at", Instant()),
    Column("wake_at", Instant()),
    # The audience is snapshotted up to this profile id; `snapshotted` once all of it is.
    Column("snapshot_after", String(40)),
    Column("snapshotted", Boolean, nullable=False, default=False, server_default=false()),
    # Messages enqueued so far: the throttle's next slot.
    Column("enqueued", Integer, nullable=False, default=0, server_default="0"),
    Column("paused_at", Instant()),
    # The A/B test: when its winner is chosen, which, and why (the statistics).
    Column("decide_at", Instant()),
    Column("winner", String(100)),
    Column("winner_reason", Document),
    Column("finished_at", Instant()),
    UniqueConstraint("workspace_id", "key"),
    Index(None, "wake_at"),
)

# Who a broadcast is for: its audience, snapshotted when it starts (or uploaded before).
# `cohort`: holdout | sample | rest, None until assigned; `variant` for the sample;
# `queued` once its message is in the outbox.
broadcast_recipients = Table(
    "broadcast_recipients",
    metadata,
    Column("broadcast_id", String(40), primary_key=True),
    Column("profile_id", String(40), primary_key=True),
    Column("cohort", String(10)),
    Column("variant", String(100)),
    Column("queued", Boolean, nullable=False, default=False, server_default=false()),
    Index(None, "broadcast_id", "queued", "cohort"),
)

# Outside systems Baton feeds (baton/destinations): webhooks, ad-platform audiences and a
# CRM, each with its settings (secrets sealed) and, for audiences, its schedule.
destinations = Table(
    "destinations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("key", String(100), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("settings", Document, nullable=False),
    Column("next_run_at", Instant()),
    Column("last_run", Document),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    UniqueConstraint("workspace_id", "key"),
)

# Final events and changed profiles (message_id NULL) destinations have yet to look at,
# put there by baton/timeline in the transaction that made them final.
destination_inbox = Table(
    "destination_inbox",
    metadata,
    Column("seq", Sequence, primary_key=True, autoincrement=True),
    Column("workspace_id", String(40), nullable=False),
    Column("profile_id", String(40), nullable=False),
    Column("message_id", String(200)),
)

# What a destination will send, waiting to fill a batch; the batch goes by `due_at` (the
# item's arrival and the destination's longest wait) at the latest.
destination_items = Table(
    "destination_items",
    metadata,
    Column("seq", Sequence, primary_key=True, autoincrement=True),
    Column("destination_id", String(40), nullable=False),
    Column("payload", Document, nullable=False),
    Column("due_at", Instant(), nullable=False),
    Index(None, "destination_id", "seq"),
)

# One request's batch: its id is the `webhook-id` of every attempt.
destination_deliveries = Table(
    "destination_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("destination_id", String(40), nullable=False),
    Column("status", String(12), nullable=False),
    Column("items", Document, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_at", Instant()),
    Column("last_error", Text),
    Column("created_at", Instant(), nullable=False),
    Column("delivered_at", Instant()),
    Index(None, "status", "next_at"),
    Index(None, "destination_id", "status", "id"),
)

# The watched traits of a profile as a destination last saw them: a change is a
# difference from this, however often the same profile is announced.
destination_snapshots = Table(
    "destination_snapshots",
    metadata,
    Column("destination_id", String(40), primary_key=True),
    Column("profile_id", String(40), primary_key=True),
    Column("traits", Document, nullable=False),
)

# Sources: another system's webhooks received at `/v1/sources/{key}/webhook`, verified with
# the sealed `secret` and mapped by its `preset` (baton/sources). The key is in a public
# URL without a workspace, so it is unique across the installation. The counters and the
# last error are what the console shows of a source's health.
sources = Table(
    "sources",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("workspace_id", String(40), nullable=False),
    Column("preset", String(20), nullable=False),
    Column("definition", Document, nullable=False),
    Column("secret", Text, nullable=False),
    Column("received", BigInteger, nullable=False, default=0),
    Column("rejected", BigInteger, nullable=False, default=0),
    Column("last_received_at", Instant()),
    Column("last_error", Text),
    Column("last_error_at", Instant()),
    Column("created_at", Instant(), nullable=False),
    Column("updated_at", Instant(), nullable=False),
    Index(None, "workspace_id"),
)
