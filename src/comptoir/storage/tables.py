"""Comptoir's tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them.

Deduplication relies on unique keys, never on check-then-insert:
- ``webhook_events``: (page_ref, dedupe_key): a retried or replayed delivery inserts nothing;
- ``messages``: (page_ref, mid) for messages Meta has given an id;
- ``contacts``: (page_ref, psid); ``conversations``: one open thread per contact is chosen by
  the service, history is kept.
"""

from __future__ import annotations

import sqlalchemy as sa

from comptoir.storage.types import BigId, UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

workspaces = sa.Table(
    "workspaces",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    #: SHA-256 of the token; the token itself is shown once and never stored.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)

pages = sa.Table(
    "pages",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False, index=True),
    sa.Column("channel", sa.String(20), nullable=False, server_default="messenger"),
    #: Meta's id of the Page (numeric string).
    sa.Column("page_id", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("app_id", sa.String(64), nullable=False, server_default=""),
    #: Sealed with the secret key (``comptoir.crypto.SecretBox``).
    sa.Column("access_token_sealed", sa.Text, nullable=False),
    sa.Column("app_secret_sealed", sa.Text, nullable=False),
    sa.Column("verify_token_sealed", sa.Text, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
    #: Features granted by Meta's App Review for this Page's app.
    sa.Column("human_agent_enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("utility_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("one_time_notif_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("restricted_until", UTCDateTime, nullable=True),
    #: Time of the policy_enforcement event behind ``restricted_until`` (events may come out
    #: of order: an older one never overrides a newer one). Migration 0002.
    sa.Column("policy_changed_at", UTCDateTime, nullable=True),
    sa.Column("subscribed_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

contacts = sa.Table(
    "contacts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False, index=True),
    sa.Column("page_ref", BigId, sa.ForeignKey("pages.id"), nullable=False),
    sa.Column("psid", sa.String(64), nullable=False),
    sa.Column("first_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("last_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("profile_pic", sa.Text, nullable=False, server_default=""),
    sa.Column("locale", sa.String(20), nullable=True),
    sa.Column("timezone_offset", sa.Float, nullable=True),
    sa.Column("profile_status", sa.String(20), nullable=False, server_default="pending"),
    sa.Column("profile_fetched_at", UTCDateTime, nullable=True),
    #: Where the person came from: message, get_started, mme_ref, ad, qr, ...
    sa.Column("source", sa.String(40), nullable=False, server_default="message"),
    sa.Column("source_ref", sa.String(2100), nullable=True),
    sa.Column("last_user_message_at", UTCDateTime, nullable=True),
    sa.Column("last_qualifying_action_at", UTCDateTime, nullable=True),
    sa.Column("window_seconds", sa.Integer, nullable=False, server_default="86400"),
    #: Meta answered 551 for this person: they blocked the Page or are unreachable.
    sa.Column("blocked_at", UTCDateTime, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    #: Opt-ins and the last referral, as received (migration 0002).
    sa.Column("content", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
    sa.UniqueConstraint("page_ref", "psid", name="uq_contacts_page_psid"),
)

conversations = sa.Table(
    "conversations",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("page_ref", BigId, sa.ForeignKey("pages.id"), nullable=False),
    sa.Column("contact_id", BigId, sa.ForeignKey("contacts.id"), nullable=False, index=True),
    #: open, pending, resolved
    sa.Column("status", sa.String(20), nullable=False, server_default="open"),
    sa.Column("assignee_id", BigId, nullable=True),
    #: The app that controls the thread under Conversation Routing (None: ours or idle).
    sa.Column("thread_owner_app_id", sa.String(64), nullable=True),
    #: Time of the handover event behind ``thread_owner_app_id`` (migration 0002).
    sa.Column("thread_owner_at", UTCDateTime, nullable=True),
    sa.Column("last_activity_at", UTCDateTime, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    #: Hidden from the open and pending folders until then, unless there was activity after
    #: ``snoozed_at`` (a customer who writes ends the snooze). Migration 0006.
    sa.Column("snoozed_until", UTCDateTime, nullable=True),
    sa.Column("snoozed_at", UTCDateTime, nullable=True),
    #: The newest customer message's id, kept by a trigger on ``messages`` (migration 0006):
    #: a conversation is unread for an agent when it is above their read mark.
    sa.Column("last_in_message_id", BigId, nullable=True),
    sa.Index("ix_conversations_ws_activity", "workspace_id", "last_activity_at", "id"),
    #: The inbox's folders: keyset pages on (last_activity_at, id) per status and assignee.
    sa.Index(
        "ix_conversations_ws_status_activity", "workspace_id", "status", "last_activity_at", "id"
    ),
    sa.Index("ix_conversations_ws_snoozed", "workspace_id", "snoozed_until"),
    sa.Index(
        "ix_conversations_ws_assignee_activity",
        "workspace_id",
        "assignee_id",
        "status",
        "last_activity_at",
        "id",
    ),
)

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("page_ref", BigId, sa.ForeignKey("pages.id"), nullable=False),
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversations.id"), nullable=False),
    sa.Column("contact_id", BigId, sa.ForeignKey("contacts.id"), nullable=False),
    #: in (from the customer) or out (from the Page)
    sa.Column("direction", sa.String(3), nullable=False),
    #: customer, bot, agent, page_inbox (typed in Meta's inbox), other_app, system
    sa.Column("author_kind", sa.String(20), nullable=False),
    sa.Column("author_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("mid", sa.String(255), nullable=True),
    sa.Column("text", sa.Text, nullable=True),
    #: attachments, quick replies offered, the payload tapped, referral, template...
    sa.Column("content", sa.JSON, nullable=False, default=dict),
    #: received, queued, sent, delivered, read, failed (refused: failed before sending)
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("messaging_type", sa.String(20), nullable=True),
    sa.Column("tag", sa.String(40), nullable=True),
    sa.Column("error_code", sa.Integer, nullable=True),
    sa.Column("error_subcode", sa.Integer, nullable=True),
    sa.Column("error_reason", sa.Text, nullable=True),
    #: When the customer sent it (in) or when Comptoir created it (out).
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("delivered_at", UTCDateTime, nullable=True),
    sa.Column("read_at", UTCDateTime, nullable=True),
    #: Received on ``standby`` (another app owns the thread): stored, never answered by
    #: automation (migration 0002).
    sa.Column("standby", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("page_ref", "mid", name="uq_messages_page_mid"),
    sa.Index("ix_messages_conversation", "conversation_id", "id"),
    sa.Index("ix_messages_contact_status", "contact_id", "status"),
)

webhook_events = sa.Table(
    "webhook_events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("page_ref", BigId, sa.ForeignKey("pages.id"), nullable=False),
    sa.Column("dedupe_key", sa.String(300), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("standby", sa.Boolean, nullable=False, server_default=sa.false()),
    #: The event item exactly as Meta sent it (one element of messaging[] or standby[]).
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("processed_at", UTCDateTime, nullable=True),
    sa.Column("process_error", sa.Text, nullable=True),
    sa.UniqueConstraint("page_ref", "dedupe_key", name="uq_webhook_events_page_key"),
    sa.Index("ix_webhook_events_unprocessed", "processed_at", "id"),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("message_id", BigId, sa.ForeignKey("messages.id"), nullable=False, unique=True),
    sa.Column("page_ref", BigId, sa.ForeignKey("pages.id"), nullable=False),
    #: 0: a live reply; higher: bulk (broadcasts) which yields to live replies.
    sa.Column("priority", sa.SmallInteger, nullable=False, server_default="0"),
    #: pending, sending, done, dead
    sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("available_at", UTCDateTime, nullable=False),
    #: Set while a relay holds the row; a crashed relay's claim expires.
    sa.Column("claimed_until", UTCDateTime, nullable=True),
    #: The Send API request, as built when the message was accepted.
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    #: Which claim holds the row (a relay only records results for its own claim).
    sa.Column("claim_token", sa.String(64), nullable=True),
    #: Set when a send may or may not have reached Meta (timeout, crash mid-send): the next
    #: claim looks for the echo (``metadata`` = ``cpt:<message_id>``) before sending again.
    sa.Column("unknown_since", UTCDateTime, nullable=True),
    #: Sends made again after an unknown outcome: each one may have been a duplicate.
    sa.Column("resends", sa.Integer, nullable=False, server_default="0"),
    #: The policy request (sender, content kind, mechanism...) re-checked at send time.
    sa.Column("intent", sa.JSON, nullable=False, default=dict),
    sa.Index("ix_outbox_due", "state", "priority", "available_at"),
)

outgoing_webhooks = sa.Table(
    "outgoing_webhooks",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False, index=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("secret_sealed", sa.Text, nullable=False),
    #: Event names, e.g. ["message.received", "message.status"]
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

outgoing_deliveries = sa.Table(
    "outgoing_deliveries",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("endpoint_id", BigId, sa.ForeignKey("outgoing_webhooks.id"), nullable=False),
    sa.Column("event", sa.String(60), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    #: pending, done, dead
    sa.Column("state", sa.String(10), nullable=False, server_default="pending"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("available_at", UTCDateTime, nullable=False),
    sa.Column("last_status", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_outgoing_deliveries_due", "state", "available_at"),
)

#: Automation settings of a Page (``services.automation_settings``), as JSON (migration 0005).
automation_settings = sa.Table(
    "automation_settings",
    metadata,
    sa.Column("page_ref", BigId, sa.ForeignKey("pages.id"), primary_key=True),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: Automation's state in one conversation: taken by a person, greeted, away message sent,
#: the running flow (name, step, data) and a wait's due time (migration 0005).
automation_threads = sa.Table(
    "automation_threads",
    metadata,
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversations.id"), primary_key=True),
    sa.Column("taken_at", UTCDateTime, nullable=True),
    sa.Column("taken_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("greeted_at", UTCDateTime, nullable=True),
    sa.Column("away_sent_at", UTCDateTime, nullable=True),
    sa.Column("flow_name", sa.String(200), nullable=True),
    sa.Column("flow_step", sa.String(200), nullable=True),
    sa.Column("flow_data", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("wait_until", UTCDateTime, nullable=True, index=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

#: What flows gathered about a contact: fields (name -> value), labels, and the topic
#: subscriptions and unsubscriptions they recorded, with their time (migration 0005).
automation_contacts = sa.Table(
    "automation_contacts",
    metadata,
    sa.Column("contact_id", BigId, sa.ForeignKey("contacts.id"), primary_key=True),
    sa.Column("fields", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("labels", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
    #: [{"topic": ..., "action": "subscribe"|"unsubscribe", "at": ISO time}, ...]
    sa.Column("consents", sa.JSON, nullable=False, server_default=sa.text("'[]'")),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# -- subscribers: consent, notification tokens, segments (migration 0007) ----------------------

#: Every consent answer, as given: never updated, never deleted (the audit trail). ``topic``
#: ``*`` is every topic at once (STOP and the like).
consent_events = sa.Table(
    "consent_events",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("contact_id", BigId, sa.ForeignKey("contacts.id"), nullable=False, index=True),
    sa.Column("topic", sa.String(100), nullable=False),
    #: opt_in, opt_out
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    #: flow, keyword, optin, meta_stop, api, import
    sa.Column("channel", sa.String(30), nullable=False),
    #: The exact question or notice shown, and the answer given, as they were.
    sa.Column("wording", sa.Text, nullable=False, server_default=""),
    sa.Column("answer", sa.Text, nullable=False, server_default=""),
    #: Where it came from: flow and step, message id, token id...
    sa.Column("detail", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
)

#: The consent in force per (contact, topic): the newest event wins.
contact_consents = sa.Table(
    "contact_consents",
    metadata,
    sa.Column("contact_id", BigId, sa.ForeignKey("contacts.id"), primary_key=True),
    sa.Column("topic", sa.String(100), primary_key=True),
    #: opted_in, opted_out
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Column("event_id", BigId, sa.ForeignKey("consent_events.id"), nullable=False),
    sa.Index("ix_contact_consents_topic_status", "topic", "status"),
)

#: Notification tokens from opt-ins: sealed (they are sent back to Meta), looked up by hash.
notification_tokens = sa.Table(
    "notification_tokens",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("page_ref", BigId, sa.ForeignKey("pages.id"), nullable=False),
    sa.Column("contact_id", BigId, sa.ForeignKey("contacts.id"), nullable=False, index=True),
    #: notification_messages (recurring) or one_time
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("topic", sa.String(200), nullable=False, server_default=""),
    sa.Column("payload", sa.String(1000), nullable=False, server_default=""),
    sa.Column("token_sealed", sa.Text, nullable=False),
    #: SHA-256 of the token.
    sa.Column("token_hash", sa.String(64), nullable=False),
    #: DAILY, WEEKLY, MONTHLY (notification_messages); None for one-time tokens.
    sa.Column("frequency", sa.String(20), nullable=True),
    #: active, stopped, used, expired
    sa.Column("status", sa.String(10), nullable=False, server_default="active"),
    sa.Column("region", sa.String(10), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=True),
    sa.Column("stopped_at", UTCDateTime, nullable=True),
    #: The last reservation: the gap between two messages counts from it.
    sa.Column("last_used_at", UTCDateTime, nullable=True),
    #: ``last_used_at`` before the last reservation, and the message it was reserved for:
    #: the relay re-checks that message against the token as it was before.
    sa.Column("previous_used_at", UTCDateTime, nullable=True),
    sa.Column("reserved_message_id", BigId, nullable=True),
    sa.Column("uses", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("page_ref", "token_hash", name="uq_notification_tokens_page_hash"),
)

#: Saved filters over contacts (``domain.segments``).
segments = sa.Table(
    "segments",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("filter", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("workspace_id", "name", name="uq_segments_workspace_name"),
)

# -- broadcasts (migration 0008) ----------------------------------------------------------------

#: A message sent to a segment (``services.broadcasts``). ``audience`` is the segment's filter
#: as it was when the broadcast was created (a later edit of the segment changes nothing).
broadcasts = sa.Table(
    "broadcasts",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False, index=True),
    sa.Column("page_ref", BigId, sa.ForeignKey("pages.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("segment_id", BigId, sa.ForeignKey("segments.id"), nullable=True),
    sa.Column("audience", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
    #: text, quick_replies, attachment or utility_template, as the API received them.
    sa.Column("message", sa.JSON, nullable=False),
    #: window, token, utility
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("topic", sa.String(100), nullable=True),
    sa.Column("promotional", sa.Boolean, nullable=False, server_default=sa.false()),
    #: draft, scheduled, sending, paused, cancelled, done
    sa.Column("state", sa.String(10), nullable=False, server_default="draft"),
    #: When to start (UTC); ``timezone`` is the Page's, in which it was given and is shown.
    sa.Column("scheduled_at", UTCDateTime, nullable=True),
    sa.Column("timezone", sa.String(64), nullable=False, server_default="UTC"),
    #: The last contact id handed to the relay: contacts are taken in id order, so a
    #: restart goes on after it.
    sa.Column("cursor", BigId, nullable=False, server_default="0"),
    #: Counters kept by the worker: people looked at, queued, excluded.
    sa.Column("examined", sa.Integer, nullable=False, server_default="0"),
    sa.Column("queued", sa.Integer, nullable=False, server_default="0"),
    sa.Column("excluded", sa.Integer, nullable=False, server_default="0"),
    #: The preview's counts when sending started (mechanisms and exclusion reasons).
    sa.Column("planned", sa.JSON, nullable=False, server_default=sa.text("'{}'")),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=True),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Index("ix_broadcasts_state", "state", "scheduled_at"),
)

#: One row per person a broadcast reached or left out. The unique key is the guarantee that
#: nobody gets one broadcast twice: the row, the message and its outbox row are written in one
#: transaction, so a crash leaves all three or none.
broadcast_recipients = sa.Table(
    "broadcast_recipients",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("broadcast_id", BigId, sa.ForeignKey("broadcasts.id"), nullable=False),
    sa.Column("contact_id", BigId, sa.ForeignKey("contacts.id"), nullable=False),
    #: window, one_time_notification, notification_messages, marketing_message, utility
    sa.Column("mechanism", sa.String(30), nullable=True),
    #: queued (its message tells the rest: sent, delivered, read, failed), excluded, cancelled
    sa.Column("state", sa.String(10), nullable=False),
    #: Why excluded (``domain.broadcasts.Exclusion``) or cancelled.
    sa.Column("reason", sa.String(40), nullable=True),
    sa.Column("message_id", BigId, sa.ForeignKey("messages.id"), nullable=True, unique=True),
    sa.Column("token_id", BigId, sa.ForeignKey("notification_tokens.id"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("broadcast_id", "contact_id", name="uq_broadcast_recipients_contact"),
    sa.Index("ix_broadcast_recipients_state", "broadcast_id", "state"),
)

# -- the shared inbox (migration 0006) ------------------------------------------------------

#: People who sign in to the inbox. ``email_key`` is the e-mail lower-cased: unique, so two
#: accounts never differ only by case. ``password_hash`` is an argon2id hash.
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_key", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False, server_default=""),
    sa.Column("password_hash", sa.String(200), nullable=False),
    #: en, fr, or None (the browser's language).
    sa.Column("locale", sa.String(10), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("disabled_at", UTCDateTime, nullable=True),
)

#: A user's role in a workspace: owner, admin or agent.
memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("user_id", BigId, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), primary_key=True),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_memberships_workspace", "workspace_id"),
)

#: Signed-in browsers. The cookie holds the session id; only its SHA-256 is stored.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False),
    #: The secret behind the CSRF token the page sends in ``X-CSRF-Token``.
    sa.Column("csrf_secret", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    #: Absolute expiry; the idle expiry is ``last_seen_at`` + the idle limit.
    sa.Column("expires_at", UTCDateTime, nullable=False),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False, index=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("role", sa.String(10), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("invited_by", BigId, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("accepted_at", UTCDateTime, nullable=True),
)

password_resets = sa.Table(
    "password_resets",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Column("used_at", UTCDateTime, nullable=True),
)

#: Failed sign-ins per key: ``pair:<hash of account and address>``, ``ip:<address>``,
#: ``device:<hash of account and device>``; see ``domain.throttling``.
login_throttles = sa.Table(
    "login_throttles",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
    sa.Column("first_failure_at", UTCDateTime, nullable=False),
    sa.Column("last_failure_at", UTCDateTime, nullable=False),
)

conversation_labels = sa.Table(
    "conversation_labels",
    metadata,
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversations.id"), primary_key=True),
    sa.Column("label", sa.String(40), primary_key=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Index("ix_conversation_labels_ws_label", "workspace_id", "label", "conversation_id"),
)

#: Private notes between agents; never sent to the customer.
conversation_notes = sa.Table(
    "conversation_notes",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False),
    sa.Column(
        "conversation_id", BigId, sa.ForeignKey("conversations.id"), nullable=False, index=True
    ),
    sa.Column("author_id", BigId, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("author_name", sa.String(200), nullable=False, server_default=""),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

#: How far each user has read each conversation: messages with a larger id are unread.
conversation_reads = sa.Table(
    "conversation_reads",
    metadata,
    sa.Column("conversation_id", BigId, sa.ForeignKey("conversations.id"), primary_key=True),
    sa.Column("user_id", BigId, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("last_read_message_id", BigId, nullable=False),
    sa.Column("read_at", UTCDateTime, nullable=False),
)

saved_replies = sa.Table(
    "saved_replies",
    metadata,
    sa.Column("id", BigId, primary_key=True, autoincrement=True),
    sa.Column("workspace_id", BigId, sa.ForeignKey("workspaces.id"), nullable=False, index=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)

# Full-text search (migration 0006) lives outside this metadata: on SQLite the FTS5 tables
# ``messages_fts`` and ``contacts_fts`` (external content, kept by triggers); on PostgreSQL
# GIN indexes over ``to_tsvector('simple', ...)`` of message text and contact names.
# ``storage.inbox_search`` queries them.
