"""The writing checker: every rule, in order, over one message.

``RULES`` is plain data: a rule id, a default severity and a function. Adding a rule means
writing a function in ``rules/`` and a line here (and its wording in ``messages``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from comptoir.domain.writing.dictionary import Dictionary
from comptoir.domain.writing.language import detect_language
from comptoir.domain.writing.model import (
    SEVERITY_ORDER,
    TEXT_TARGET,
    Card,
    Channel,
    CheckResult,
    Finding,
    Language,
    Mechanism,
    Severity,
)
from comptoir.domain.writing.rule import Draft, Rule
from comptoir.domain.writing.rules import (
    components,
    length,
    paragraph,
    policy,
    preview,
    spelling,
    style,
)

ERROR = Severity.ERROR
WARNING = Severity.WARNING
INFO = Severity.INFO

RULES: tuple[Rule, ...] = (
    Rule("length.empty", ERROR, length.check_empty),
    Rule("length.channel", ERROR, length.check_channel),
    Rule("button.text_too_long", ERROR, length.check_button_template),
    Rule("length.readable", WARNING, length.check_readable),
    Rule("preview.greeting_only", WARNING, preview.check_greeting_only),
    Rule("preview.long_first_sentence", WARNING, preview.check_long_first_sentence),
    Rule("preview.key_info_late", WARNING, preview.check_key_info_late),
    Rule("paragraph.dense", WARNING, paragraph.check_dense),
    Rule("spelling.unknown_word", WARNING, spelling.check_spelling),
    Rule("style.shouting", WARNING, style.check_shouting),
    Rule("style.repeated_punctuation", WARNING, style.check_repeated_punctuation),
    Rule("style.emoji_overload", WARNING, style.check_emoji_overload),
    Rule("policy.promotional_content", ERROR, policy.check_promotional),
    Rule("quick_reply.too_many", ERROR, components.check_quick_reply_count),
    Rule("quick_reply.title_too_long", ERROR, components.check_quick_reply_titles),
    Rule("quick_reply.empty_title", ERROR, components.check_quick_reply_empty),
    Rule("button.too_many", ERROR, components.check_button_count),
    Rule("button.title_too_long", ERROR, components.check_button_titles),
    Rule("button.empty_title", ERROR, components.check_button_empty),
    Rule("card.too_many", ERROR, components.check_card_count),
    Rule("card.title_too_long", ERROR, components.check_card_titles),
    Rule("card.subtitle_too_long", ERROR, components.check_card_subtitles),
    Rule("card.empty_title", ERROR, components.check_card_empty),
)

RULE_IDS: tuple[str, ...] = tuple(rule.rule_id for rule in RULES)


def check_message(
    text: str,
    *,
    channel: Channel | str = Channel.MESSENGER,
    mechanism: Mechanism | str = Mechanism.RESPONSE,
    quick_replies: Iterable[str | None] = (),
    buttons: Iterable[str] = (),
    cards: Iterable[Card] = (),
    language: Language | None = None,
    locale: Language = "en",
    preview_chars: int = 100,
    workspace_words: Iterable[str] = frozenset(),
    dictionaries: Mapping[Language, Dictionary] | None = None,
    rules: Iterable[Rule] = RULES,
) -> CheckResult:
    """Check one message. ``language`` is the message's (detected when None); ``locale`` the
    reader's, for the wording of the findings; ``dictionaries`` give spelling per language
    (no spelling check without one). ``channel`` and ``mechanism`` also take their values
    ("instagram", "message_tag"); an unknown one raises ValueError."""
    if preview_chars < 1:
        raise ValueError("preview_chars must be at least 1")
    quick_replies, buttons, cards = tuple(quick_replies), tuple(buttons), tuple(cards)
    detected: Language = language or message_language(
        text, quick_replies, buttons, cards, default=locale
    )
    draft = Draft(
        text=text,
        channel=Channel(channel),
        mechanism=Mechanism(mechanism),
        language=detected,
        locale=locale,
        preview_chars=preview_chars,
        quick_replies=quick_replies,
        buttons=buttons,
        cards=cards,
        workspace_words=frozenset(workspace_words),
        dictionary=(dictionaries or {}).get(detected),
    )
    findings = [finding for rule in rules for finding in rule.run(draft)]
    return CheckResult(language=detected, findings=tuple(sorted(findings, key=_order)), text=text)


def message_language(
    text: str,
    quick_replies: Iterable[str | None] = (),
    buttons: Iterable[str] = (),
    cards: Iterable[Card] = (),
    *,
    default: Language = "en",
) -> Language:
    """The language of a message with its parts: short texts say little, so the quick
    replies, buttons and cards are read with it."""
    parts = [text, *(t for t in quick_replies if t), *buttons]
    for card in cards:
        parts += [card.title, card.subtitle, *card.buttons]
    return detect_language("\n".join(parts), default=default)


def _order(finding: Finding) -> tuple[int, str, int, int]:
    return (
        0 if finding.target == TEXT_TARGET else 1,
        finding.target,
        finding.start,
        SEVERITY_ORDER[finding.severity],
    )
