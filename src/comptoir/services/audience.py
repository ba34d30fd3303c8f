"""What the broadcast worker needs to know about each recipient, beyond the window and the
block (``contacts`` / ``send_policy.conversation_state``): consent and notification tokens.

``audience_facts`` reads both for a batch of contacts in two queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from comptoir.crypto import SecretBox
from comptoir.domain import consent as rules
from comptoir.domain.policy_model import NotificationToken
from comptoir.storage.consents import consent_states
from comptoir.storage.tokens import StoredToken, tokens_for

__all__ = ["AudienceFacts", "audience_facts"]


@dataclass(frozen=True, slots=True)
class AudienceFacts:
    contact_id: int
    #: Opted out of the topic, or of everything: nothing marketing-like may go to them.
    opted_out: bool
    #: Explicitly opted in to the topic (and not opted out of everything since).
    opted_in: bool
    #: The contact's tokens for the topic (every status: the policy engine says why one
    #: cannot be used).
    tokens: tuple[StoredToken, ...] = ()

    @property
    def policy_tokens(self) -> tuple[NotificationToken, ...]:
        """For ``ConversationState.tokens``."""
        return tuple(token.policy() for token in self.tokens)


def audience_facts(
    conn: Connection,
    box: SecretBox | None,
    contact_ids: Iterable[int],
    topic: str | None,
    now: datetime,
) -> dict[int, AudienceFacts]:
    """Consent and tokens of each contact for ``topic`` (None: global opt-outs only, and
    every token). ``now`` is for symmetry with the rest of the worker; consent has no
    expiry."""
    del now
    ids = sorted(set(contact_ids))
    states = consent_states(conn, ids)
    tokens = tokens_for(conn, box, ids, topic)
    facts: dict[int, AudienceFacts] = {}
    for contact_id in ids:
        mine = states.get(contact_id, {})
        facts[contact_id] = AudienceFacts(
            contact_id=contact_id,
            opted_out=rules.opted_out(mine, topic),
            opted_in=topic is not None and rules.opted_in(mine, topic),
            tokens=tuple(tokens.get(contact_id, ())),
        )
    return facts
