"""Every sentence the checker says, in English and in French.

``say(locale, key, **params)`` picks the reader's language; a key missing in one language is
a bug the tests catch (each entry is an ``(english, french)`` pair).
"""

from __future__ import annotations

from typing import Literal

Locale = Literal["en", "fr"]

_NBSP = "\u00a0"
_NNBSP = "\u202f"

CATALOGUE: dict[str, tuple[str, str]] = {
    "language.en": ("English", "anglais"),
    "language.fr": ("French", "français"),
    "list.and": (" and ", " et "),
    "channel.messenger": ("Messenger", "Messenger"),
    "channel.instagram": ("Instagram", "Instagram"),
    "mechanism.response": (
        "a reply in the 24-hour window",
        "une réponse dans la fenêtre de 24 heures",
    ),
    "mechanism.update": (
        "an update in the 24-hour window",
        "une mise à jour dans la fenêtre de 24 heures",
    ),
    "mechanism.message_tag": ("a message tag", "une étiquette de message (tag)"),
    "mechanism.utility": ("a utility template", "un modèle utilitaire"),
    "mechanism.notification": ("a one-time notification", "une notification unique"),
    "mechanism.marketing": ("a marketing message", "un message marketing"),
    # length
    "length.empty": ("The message is empty.", "Le message est vide."),
    "length.empty.fix": (
        "Write the text the person will read.",
        "Écrivez le texte que la personne lira.",
    ),
    "length.channel": (
        "{channel} refuses text over {limit} characters; this one has {size}.",
        "{channel} refuse un texte de plus de {limit} caractères ; celui-ci en a {size}.",
    ),
    "length.channel.bytes": (
        "{channel} counts bytes too: accents and emoji take several, and this text takes {bytes} "
        "of the {limit} allowed.",
        "{channel} compte aussi les octets : accents et emoji en prennent plusieurs, et ce texte "
        "en prend {bytes} sur les {limit} permis.",
    ),
    "length.channel.fix": (
        "Cut it down, or send the details as a second message or behind a link.",
        "Raccourcissez-le, ou envoyez les détails dans un second message ou derrière un lien.",
    ),
    "length.readable": (
        "At {size} characters the message is too long to be read in a chat "
        "(aim for under {limit}).",
        "Avec {size} caractères, le message est trop long pour être lu dans une discussion "
        "(visez moins de {limit}).",
    ),
    "length.readable.fix": (
        "Keep what matters in under {limit} characters; put the details behind a link or a button.",
        "Gardez l'essentiel en moins de {limit} caractères ; mettez les détails derrière un lien "
        "ou un bouton.",
    ),
    # preview
    "preview.greeting_only": (
        "The notification preview opens with {size} characters that say nothing: “{greeting}” "
        "(the preview shows about {preview}).",
        "L'aperçu de la notification commence par {size} caractères qui ne disent rien : "
        "« {greeting} » (l'aperçu en montre environ {preview}).",
    ),
    "preview.greeting_only.fix": (
        "Put the key information in the first sentence, for example: “{example}”",
        "Mettez l'information clé dans la première phrase, par exemple : « {example} »",
    ),
    "preview.greeting_only.fix.generic": (
        "Start with the key information; the greeting can share its sentence.",
        "Commencez par l'information clé ; la salutation peut partager sa phrase.",
    ),
    "preview.long_first_sentence": (
        "The first sentence has {size} characters: the preview cuts it after “{shown}” "
        "(about {preview} shown).",
        "La première phrase fait {size} caractères : l'aperçu la coupe après « {shown} » "
        "(environ {preview} affichés).",
    ),
    "preview.long_first_sentence.fix": (
        "Open with a short sentence (under {preview} characters) that says what matters; "
        "the rest can follow.",
        "Commencez par une phrase courte (moins de {preview} caractères) qui dit l'essentiel ; "
        "la suite peut venir après.",
    ),
    "preview.long_first_sentence.fix.comma": (
        "End the sentence after “{before}” and start a new one.",
        "Terminez la phrase après « {before} » et commencez-en une nouvelle.",
    ),
    "preview.key_info_late": (
        "The first key information, “{info}”, comes at character {position}: after the "
        "{preview} characters the preview shows.",
        "La première information clé, « {info} », arrive au caractère {position} : après les "
        "{preview} caractères que montre l'aperçu.",
    ),
    "preview.key_info_late.fix": (
        "Move “{info}” into the first sentence.",
        "Placez « {info} » dans la première phrase.",
    ),
    # paragraphs
    "paragraph.dense": (
        "This block takes about {lines} lines on a phone without a break (more than {limit} "
        "is skipped, not read).",
        "Ce bloc fait environ {lines} lignes sur un téléphone, sans respiration (au-delà de "
        "{limit}, on le survole sans le lire).",
    ),
    "paragraph.dense.fix": (
        "Split it into {parts} short paragraphs, one idea each: break after {after}.",
        "Coupez-le en {parts} paragraphes courts, une idée chacun : passez à la ligne "
        "après {after}.",
    ),
    "paragraph.dense.fix.one_sentence": (
        "This is one long sentence: split it in two, or shorten it.",
        "C'est une seule longue phrase : coupez-la en deux, ou raccourcissez-la.",
    ),
    # spelling
    "spelling.unknown_word": (
        "{word} is not in the {language} dictionary.",
        "{word} n'est pas dans le dictionnaire {language}.",
    ),
    "spelling.unknown_word.fix": (
        "Did you mean {fixed}? If the word is right, add it to the workspace dictionary.",
        "Vouliez-vous écrire {fixed} ? Si le mot est juste, ajoutez-le au dictionnaire de "
        "l'espace de travail.",
    ),
    "spelling.unknown_word.fix.none": (
        "Check the spelling; if it is a product or brand name, add it to the workspace dictionary.",
        "Vérifiez l'orthographe ; si c'est le nom d'un produit ou de la marque, ajoutez-le au "
        "dictionnaire de l'espace de travail.",
    ),
    # style
    "style.shouting": (
        "{text} is written in capitals, which reads as shouting.",
        "{text} est écrit en majuscules, ce qui se lit comme un cri.",
    ),
    "style.shouting.fix": (
        "Write {fixed}; to stress a point, put it first.",
        "Écrivez {fixed} ; pour insister, placez l'idée en premier.",
    ),
    "style.repeated_punctuation": (
        "Repeated punctuation {text} looks pushy.",
        "La ponctuation répétée {text} paraît insistante.",
    ),
    "style.repeated_punctuation.fix": ("Use a single {fixed}.", "Un seul {fixed} suffit."),
    "style.emoji_overload.run": (
        "{count} emoji in a row crowd the message.",
        "{count} emoji à la suite encombrent le message.",
    ),
    "style.emoji_overload": (
        "{count} emoji in one message (more than {limit}) distract from what it says.",
        "{count} emoji dans un message (plus de {limit}) détournent l'attention de ce qu'il dit.",
    ),
    "style.emoji_overload.fix": (
        "Keep one or two emoji that add meaning.",
        "Gardez un ou deux emoji qui ajoutent du sens.",
    ),
    # policy
    "policy.promotional_content": (
        "Promotional wording {text} in {mechanism}, which may not carry promotion.",
        "Formulation promotionnelle {text} dans {mechanism}, qui ne peut pas contenir "
        "de promotion.",
    ),
    "policy.promotional_content.fix.message_tag": (
        "Remove the offer and keep the useful update, or send the promotion as a reply in the "
        "24-hour window or as a marketing message.",
        "Retirez l'offre et gardez l'information utile, ou envoyez la promotion en réponse "
        "dans la fenêtre de 24 heures ou en message marketing.",
    ),
    "policy.promotional_content.fix.utility": (
        "A utility template is for orders, accounts and appointments: remove the offer, or use "
        "a marketing message.",
        "Un modèle utilitaire sert aux commandes, comptes et rendez-vous : retirez l'offre, ou "
        "utilisez un message marketing.",
    ),
    "policy.promotional_content.fix.notification": (
        "A one-time notification must deliver what the person asked to be told; keep the offer "
        "for a reply in the window.",
        "Une notification unique doit apporter ce que la personne a demandé ; gardez l'offre "
        "pour une réponse dans la fenêtre.",
    ),
    "policy.promotional_content.price": (
        "Price {text} in {mechanism}: allowed in a receipt or an order update, not to sell.",
        "Prix {text} dans {mechanism} : admis dans un reçu ou un suivi de commande, "
        "pas pour vendre.",
    ),
    "policy.promotional_content.price.fix": (
        "Keep the price only if it is what the person paid or owes.",
        "Ne gardez le prix que s'il s'agit de ce que la personne a payé ou doit payer.",
    ),
    # quick replies, buttons, cards
    "quick_reply.too_many": (
        "{count} quick replies: at most {limit} are allowed.",
        "{count} réponses rapides : {limit} au plus sont permises.",
    ),
    "quick_reply.too_many.fix": (
        "Keep the {limit} most useful choices, or ask in two steps.",
        "Gardez les {limit} choix les plus utiles, ou posez la question en deux temps.",
    ),
    "quick_reply.title_too_long": (
        "Quick-reply title of {size} characters: only {limit} show, {cut}.",
        "Titre de réponse rapide de {size} caractères : seuls {limit} s'affichent, {cut}.",
    ),
    "quick_reply.empty_title": (
        "A text quick reply needs a title.",
        "Une réponse rapide de type texte doit avoir un titre.",
    ),
    "button.too_many": (
        "{count} buttons: a template holds at most {limit}.",
        "{count} boutons : un modèle en contient au plus {limit}.",
    ),
    "button.too_many.fix": (
        "Keep the {limit} most useful actions.",
        "Gardez les {limit} actions les plus utiles.",
    ),
    "button.title_too_long": (
        "Button title of {size} characters: the limit is {limit}, {cut}.",
        "Titre de bouton de {size} caractères : la limite est de {limit}, {cut}.",
    ),
    "button.empty_title": ("A button needs a title.", "Un bouton doit avoir un titre."),
    "button.text_too_long": (
        "A button template's text holds at most {limit} characters; this one has {size}.",
        "Le texte d'un modèle à boutons contient au plus {limit} caractères ; "
        "celui-ci en a {size}.",
    ),
    "button.text_too_long.fix": (
        "Shorten the text, or send the details in a message before the buttons.",
        "Raccourcissez le texte, ou envoyez les détails dans un message avant les boutons.",
    ),
    "card.too_many": (
        "{count} cards: a carousel holds at most {limit}.",
        "{count} cartes : un carrousel en contient au plus {limit}.",
    ),
    "card.too_many.fix": ("Keep the {limit} best cards.", "Gardez les {limit} meilleures cartes."),
    "card.title_too_long": (
        "Card title of {size} characters: the limit is {limit}, {cut}.",
        "Titre de carte de {size} caractères : la limite est de {limit}, {cut}.",
    ),
    "card.subtitle_too_long": (
        "Card subtitle of {size} characters: the limit is {limit}, {cut}.",
        "Sous-titre de carte de {size} caractères : la limite est de {limit}, {cut}.",
    ),
    "card.empty_title": ("A card needs a title.", "Une carte doit avoir un titre."),
    "title.fix": (
        "Shorten it to {limit} characters or fewer, for example {fixed}.",
        "Raccourcissez-le à {limit} caractères au plus, par exemple {fixed}.",
    ),
}


def say(locale: Locale, key: str, **params: object) -> str:
    english, french = CATALOGUE[key]
    if locale != "fr":
        return english.format(**params)
    # French quotes hold their text with no-break spaces (set in the template, so the
    # writer's own text keeps its spaces).
    return french.replace("« ", f"«{_NBSP}").replace(" »", f"{_NBSP}»").format(**params)


def quote(text: str, locale: Locale) -> str:
    return f"«{_NBSP}{text}{_NBSP}»" if locale == "fr" else f"“{text}”"


def number(value: int, locale: Locale) -> str:
    """``value`` with the locale's thousands separator: 2,000 or 2 000."""
    grouped = f"{value:,}"
    return grouped.replace(",", _NNBSP) if locale == "fr" else grouped
