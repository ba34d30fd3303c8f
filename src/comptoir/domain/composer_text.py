"""The composer's sentence: what an agent may send right now, in their words (en, fr).

Inside the window: "The window is open for 23 h; you can answer freely until Tue 10:00."
After it, with the human-agent tag: "The window closed 3 h ago; you can still answer as a
human agent until Tue 14:02." When nothing may be sent, the policy engine's own explanation
(``policy_text.describe``: the reason and the next legal option) is used as is.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from comptoir.domain.policy_model import Allowed, Decision
from comptoir.domain.policy_text import _ago, _locale, _when, _zone, describe

HUMAN_AGENT_TAG = "HUMAN_AGENT"

_OPEN = {
    "en": "The window is open for {left}; you can answer freely until {until}.",
    "fr": "La fenêtre est ouverte encore {left} ; vous pouvez répondre librement jusqu'à {until}.",
}
_HUMAN = {
    "en": "The window closed {ago} ago; you can still answer as a human agent until {until}.",
    "fr": "La fenêtre s'est fermée il y a {ago} ; vous pouvez encore répondre en tant "
    "qu'agent humain jusqu'à {until}.",
}


def composer_sentence(
    decision: Decision,
    *,
    window_closes_at: datetime | None,
    now: datetime,
    tz: str | tzinfo = "UTC",
    locale: str = "en",
) -> str:
    lang = _locale(locale)
    zone = _zone(tz)
    if isinstance(decision, Allowed) and decision.valid_until is not None:
        until = _when(decision.valid_until, now, zone, lang)
        if decision.tag == HUMAN_AGENT_TAG and window_closes_at is not None:
            return _HUMAN[lang].format(ago=_ago(now - window_closes_at, lang), until=until)
        if decision.tag is None:
            return _OPEN[lang].format(left=_ago(decision.valid_until - now, lang), until=until)
    return describe(decision, zone, lang)
