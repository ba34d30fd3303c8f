"""Consent per topic: the stop words that opt a person out of everything, the state rules.

A message counts as a stop request when, once normalised (case, accents, punctuation and
spaces ignored), it is one of ``STOP_WORDS`` as a whole: "Stop", "ARRÊT !", "stop all",
"désabonner" do; "don't stop" or "stop by the shop" do not.

The state of one (contact, topic) is the newest event's action. ``ALL_TOPICS`` (``*``) holds a
global opt-out: a person opted out of ``*`` is opted out of every topic until they opt in to
one again (which clears the global opt-out; the other topics stay out).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

ALL_TOPICS = "*"
MAX_TOPIC_LENGTH = 100
_TOPIC = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_. -]*$")


class ConsentAction(StrEnum):
    OPT_IN = "opt_in"
    OPT_OUT = "opt_out"


class ConsentStatus(StrEnum):
    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"


class ConsentChannel(StrEnum):
    FLOW = "flow"  # a subscribe/unsubscribe step or a yes/no consent question in a flow
    KEYWORD = "keyword"  # STOP and the like
    OPTIN = "optin"  # a Messenger opt-in (notification_messages, one-time notification)
    META_STOP = "meta_stop"  # the person stopped notifications in Messenger
    API = "api"
    IMPORT = "import"


#: Whole messages that opt out of everything (normalised: upper case, no accents, single
#: spaces, no punctuation). English, French and the usual short forms. CANCEL, END and QUIT
#: are left out on purpose: in a conversation they usually mean an order or a question.
STOP_WORDS: frozenset[str] = frozenset(
    {
        "STOP",
        "STOP ALL",
        "STOPALL",
        "STOP TOUT",
        "STOP NOTIFICATIONS",
        "STOP MESSAGES",
        "UNSUBSCRIBE",
        "UNSUBSCRIBE ALL",
        "UNSUB",
        "OPT OUT",
        "OPTOUT",
        "ARRET",
        "ARRETER",
        "ARRETEZ",
        "ARRET TOUT",
        "DESABONNER",
        "DESABONNEMENT",
        "ME DESABONNER",
        "SE DESABONNER",
        "DESINSCRIRE",
        "DESINSCRIPTION",
        "ME DESINSCRIRE",
        "SE DESINSCRIRE",
        "DESABONNE MOI",
        "DESINSCRIS MOI",
        "STOP PUB",
        "STOP PUBS",
        "STOP PROMO",
        "STOP PROMOS",
    }
)

#: The confirmation sent once a stop request is recorded, by language.
STOP_CONFIRMATION: Mapping[str, str] = {
    "fr": (
        "C'est noté : vous ne recevrez plus d'actualités ni d'offres de notre part. "
        "Vous pouvez toujours nous écrire ici."
    ),
    "en": (
        "Done: you will not receive news or offers from us any more. "
        "You can still write to us here at any time."
    ),
}
#: The language of the confirmation when the stop word says nothing and the locale is unknown.
DEFAULT_LANGUAGE = "fr"
_FRENCH_WORDS = frozenset(
    word
    for word in STOP_WORDS
    if word.startswith(("ARRET", "DES", "ME ", "SE ", "STOP TOUT", "STOP PUB"))
)
_ENGLISH_WORDS = frozenset(
    word for word in STOP_WORDS if word.startswith(("UNSUB", "OPT", "STOP ALL", "STOPALL"))
)


def normalise(text: str) -> str:
    """Upper case, accents removed, punctuation and emoji dropped, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        kept.append(char if char.isalnum() else " ")
    return " ".join("".join(kept).upper().split())


#: ``normalise(text) in STOP_WORDS`` for ASCII text in one match: a stop word, its words
#: separated by anything but letters and digits, in any case, with anything else but letters
#: and digits around it. Most messages fail on their first characters.
_ASCII_STOP = re.compile(
    "[^A-Za-z0-9]*(?:"
    + "|".join(
        "[^A-Za-z0-9]+".join(re.escape(word) for word in phrase.split())
        for phrase in sorted(STOP_WORDS, key=len, reverse=True)
    )
    + ")[^A-Za-z0-9]*",
    re.IGNORECASE | re.ASCII,
)


def is_stop_request(text: str | None) -> bool:
    """Whether a customer's message, as a whole, asks to stop every message."""
    if not text or len(text) > 60:
        return False
    if text.isascii():
        return _ASCII_STOP.fullmatch(text) is not None
    return normalise(text) in STOP_WORDS


def confirmation_language(text: str, locale: str | None) -> str:
    """The stop word's language when it has one ("ARRÊT", "UNSUBSCRIBE"), else the contact's
    language when known, else the default."""
    word = normalise(text)
    if word in _FRENCH_WORDS:
        return "fr"
    if word in _ENGLISH_WORDS:
        return "en"
    if locale:
        language = locale.split("_")[0].split("-")[0].lower()
        if language in STOP_CONFIRMATION:
            return language
    return DEFAULT_LANGUAGE


def stop_confirmation(text: str, locale: str | None) -> str:
    return STOP_CONFIRMATION[confirmation_language(text, locale)]


class ConsentError(ValueError):
    """A topic or action that cannot be recorded (the message says why)."""


def check_topic(topic: str, *, allow_all: bool = False) -> str:
    """The topic, stripped; raises ``ConsentError`` for an empty, too long or odd name."""
    topic = topic.strip()
    if allow_all and topic == ALL_TOPICS:
        return topic
    if not topic:
        raise ConsentError("a topic needs a name")
    if len(topic) > MAX_TOPIC_LENGTH:
        raise ConsentError(f"a topic name has at most {MAX_TOPIC_LENGTH} characters")
    if not _TOPIC.match(topic):
        raise ConsentError(
            f"a topic name uses letters, digits, spaces, '_', '.' and '-' only (got {topic[:40]!r})"
        )
    return topic


@dataclass(frozen=True, slots=True)
class ConsentState:
    topic: str
    status: ConsentStatus
    changed_at: datetime


def opted_out(states: Mapping[str, ConsentState], topic: str | None) -> bool:
    """Opted out of ``topic`` or of everything (``topic`` None: of everything only)."""
    every = states.get(ALL_TOPICS)
    if every is not None and every.status is ConsentStatus.OPTED_OUT:
        return True
    if topic is None:
        return False
    state = states.get(topic)
    return state is not None and state.status is ConsentStatus.OPTED_OUT


def opted_in(states: Mapping[str, ConsentState], topic: str) -> bool:
    """Explicitly opted in to ``topic`` and not opted out of everything since."""
    state = states.get(topic)
    return (
        state is not None and state.status is ConsentStatus.OPTED_IN and not opted_out(states, None)
    )
