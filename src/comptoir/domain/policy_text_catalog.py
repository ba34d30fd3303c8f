"""The words of ``policy_text``: one table per kind of phrase, in English and French.

Placeholders: ``{ago}`` a duration ("3 h"), ``{until}`` / ``{not_before}`` a moment ("Tue
14:02"), ``{since_date}`` / ``{today}`` a date ("27 Apr 2026"), ``{subject}`` the tag,
template or object concerned, and ``{feature}``, ``{kind}``, ``{where}``, ``{problem}`` the
translated name of that subject.
"""

from __future__ import annotations

from typing import Final

from comptoir.domain.policy_model import SenderKind

DAYS: Final = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
}
MONTHS: Final = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}
SEPARATOR: Final = {"en": "; ", "fr": " ; "}

REASONS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "page_restricted": "the Page is restricted from sending messages until {until}",
        "recipient_blocked": "this person isn't receiving messages from the Page (error 551)",
        "thread_controlled_elsewhere": "another app controls this conversation",
        "no_conversation": "the person has not written to the Page yet",
        "window_closed": "the window closed {ago} ago",
        "human_agent_expired": "the 7 days for a human agent to answer ended {ago} ago",
        "human_only": "the window closed {ago} ago and only a human agent may use {subject}",
        "human_only_no_window": "only a human agent may use {subject}",
        "feature_missing": "the Page does not have the {feature} feature",
        "tag_unknown": "{subject} is not a message tag on {today}",
        "tag_retired": "{subject} was retired on {since_date}",
        "tag_expired": "the time allowed for {subject} ended {ago} ago",
        "promotional_content": "promotional content may not be sent {where}",
        "template_missing": "a utility message needs a template",
        "template_not_approved": "the template {subject} is not approved",
        "template_not_utility": "the template {subject} is not in the UTILITY category",
        "utility_unavailable": "utility templates are not available on {today}",
        "token_missing": "there is no {kind} token for this person",
        "token_used": "the one-time notification token was used {ago} ago",
        "token_expired": "the {kind} token expired {ago} ago",
        "token_stopped": "the person stopped these notification messages",
        "token_too_soon": "the last notification message with this token went {ago} ago",
        "token_region": "sends with notification_messages tokens ended on {since_date} "
        "outside Australia, the EU, Japan, South Korea and the UK",
        "token_region_paid": "the Marketing Message API does not reach people in Australia, "
        "the EU, Japan, South Korea or the UK",
        "mechanism_unavailable": "{mechanism} is not available on {today}",
        "private_reply_missing": "there is no comment or post {subject} to answer privately",
        "private_reply_used": "the private reply to {subject} was already sent",
        "private_reply_expired": "the 7 days to answer {subject} privately ended {ago} ago",
        "invalid_request": "the request is invalid: {problem}",
    },
    "fr": {
        "page_restricted": "la Page n'a pas le droit d'envoyer de messages jusqu'au {until}",
        "recipient_blocked": "cette personne ne reçoit pas les messages de la Page (erreur 551)",
        "thread_controlled_elsewhere": "une autre application contrôle cette conversation",
        "no_conversation": "la personne n'a pas encore écrit à la Page",
        "window_closed": "la fenêtre s'est fermée il y a {ago}",
        "human_agent_expired": "les 7 jours de réponse d'un agent humain ont pris fin il y a {ago}",
        "human_only": "la fenêtre s'est fermée il y a {ago} et seul un agent humain "
        "peut utiliser {subject}",
        "human_only_no_window": "seul un agent humain peut utiliser {subject}",
        "feature_missing": "la Page n'a pas la fonctionnalité {feature}",
        "tag_unknown": "{subject} n'est pas une étiquette de message au {today}",
        "tag_retired": "{subject} a été retirée le {since_date}",
        "tag_expired": "le délai permis pour {subject} a pris fin il y a {ago}",
        "promotional_content": "un contenu promotionnel ne peut pas partir {where}",
        "template_missing": "un message utilitaire exige un modèle",
        "template_not_approved": "le modèle {subject} n'est pas approuvé",
        "template_not_utility": "le modèle {subject} n'est pas de catégorie UTILITY",
        "utility_unavailable": "les modèles utilitaires n'existent pas au {today}",
        "token_missing": "il n'y a pas de jeton {kind} pour cette personne",
        "token_used": "le jeton de notification unique a été utilisé il y a {ago}",
        "token_expired": "le jeton {kind} a expiré il y a {ago}",
        "token_stopped": "la personne a arrêté ces messages de notification",
        "token_too_soon": "le dernier message de notification avec ce jeton est parti il y a {ago}",
        "token_region": "les envois avec jeton notification_messages ont pris fin le {since_date} "
        "hors d'Australie, de l'UE, du Japon, de Corée du Sud et du Royaume-Uni",
        "token_region_paid": "l'API Marketing Messages n'atteint pas les personnes en "
        "Australie, dans l'UE, au Japon, en Corée du Sud ou au Royaume-Uni",
        "mechanism_unavailable": "{mechanism} n'existe pas au {today}",
        "private_reply_missing": "il n'y a pas de commentaire ou de publication {subject} "
        "à qui répondre en privé",
        "private_reply_used": "la réponse privée à {subject} a déjà été envoyée",
        "private_reply_expired": "les 7 jours pour répondre en privé à {subject} ont pris fin "
        "il y a {ago}",
        "invalid_request": "la demande n'est pas valable : {problem}",
    },
}

NEXT: Final[dict[str, dict[str, str]]] = {
    "en": {
        "tag_humans_until": "a human agent may still answer as {tag} until {until}",
        "tag_humans": "a human agent may still answer as {tag}",
        "utility": "an approved utility template may still be sent",
        "one_time_notification_until": "the one-time notification token may still be used "
        "until {until}",
        "one_time_notification": "the one-time notification token may still be used",
        "notification_messages_not_before": "the next notification message may go from "
        "{not_before}",
        "notification_messages": "a notification message may still go with the person's token",
        "notification_messages_until": "a notification message may still go with the "
        "person's token until {until}",
        "marketing_message_not_before": "the next marketing message may go from {not_before}",
        "marketing_message": "a paid marketing message may still go with the person's token",
        "marketing_message_until": "a paid marketing message may still go with the person's "
        "token until {until}",
    },
    "fr": {
        "tag_humans_until": "un agent humain peut encore répondre avec {tag} jusqu'au {until}",
        "tag_humans": "un agent humain peut encore répondre avec {tag}",
        "utility": "un modèle utilitaire approuvé peut encore être envoyé",
        "one_time_notification_until": "le jeton de notification unique peut encore servir "
        "jusqu'au {until}",
        "one_time_notification": "le jeton de notification unique peut encore servir",
        "notification_messages_not_before": "le prochain message de notification pourra "
        "partir à partir du {not_before}",
        "notification_messages": "un message de notification peut encore partir avec le "
        "jeton de la personne",
        "notification_messages_until": "un message de notification peut encore partir avec "
        "le jeton de la personne jusqu'au {until}",
        "marketing_message_not_before": "le prochain message marketing pourra partir à partir "
        "du {not_before}",
        "marketing_message": "un message marketing payant peut encore partir avec le jeton de "
        "la personne",
        "marketing_message_until": "un message marketing payant peut encore partir avec le "
        "jeton de la personne jusqu'au {until}",
    },
}

NOTHING_UNTIL_THEY_WRITE: Final = {
    "en": "nothing may be sent until the person writes again",
    "fr": "rien ne peut partir avant que la personne écrive de nouveau",
}

NOT_YOU: Final[dict[str, dict[SenderKind, str]]] = {
    "en": {
        SenderKind.BOT: "a bot may not",
        SenderKind.AGENT: "a human agent may not",
        SenderKind.BROADCAST: "a broadcast may not",
        SenderKind.SYSTEM: "an automatic notice may not",
    },
    "fr": {
        SenderKind.BOT: "un bot ne le peut pas",
        SenderKind.AGENT: "un agent humain ne le peut pas",
        SenderKind.BROADCAST: "une diffusion ne le peut pas",
        SenderKind.SYSTEM: "un avis automatique ne le peut pas",
    },
}

ALLOWED: Final[dict[str, dict[str, str]]] = {
    "en": {
        "window_until": "may be sent now as {messaging_type} inside the window, until {until}",
        "window": "may be sent now as {messaging_type} inside the window",
        "sender_action_until": "the sender action may be sent now, inside the window, "
        "until {until}",
        "sender_action": "the sender action may be sent now",
        "tag_until": "may be sent now as MESSAGE_TAG {tag}, until {until}",
        "tag": "may be sent now as MESSAGE_TAG {tag}",
        "utility": "may be sent now as a UTILITY template",
        "utility_until": "may be sent now as a UTILITY template, until {until}",
        "one_time_notification_until": "may be sent now with the one-time notification "
        "token (single use), valid until {until}",
        "one_time_notification": "may be sent now with the one-time notification token "
        "(single use)",
        "notification_messages": "may be sent now with the person's notification_messages token",
        "notification_messages_until": "may be sent now with the person's "
        "notification_messages token, valid until {until}",
        "private_reply_until": "may be sent now as the one private reply to {target}, "
        "until {until}",
        "private_reply": "may be sent now as the one private reply to {target}",
        "marketing_message": "may be sent now as a paid marketing message with the person's token",
        "marketing_message_until": "may be sent now as a paid marketing message with the "
        "person's token, valid until {until}",
    },
    "fr": {
        "window_until": "peut partir maintenant en {messaging_type} dans la fenêtre, "
        "jusqu'au {until}",
        "window": "peut partir maintenant en {messaging_type} dans la fenêtre",
        "sender_action_until": "l'action peut partir maintenant, dans la fenêtre, jusqu'au {until}",
        "sender_action": "l'action peut partir maintenant",
        "tag_until": "peut partir maintenant en MESSAGE_TAG {tag}, jusqu'au {until}",
        "tag": "peut partir maintenant en MESSAGE_TAG {tag}",
        "utility": "peut partir maintenant comme modèle UTILITY",
        "utility_until": "peut partir maintenant comme modèle UTILITY, jusqu'au {until}",
        "one_time_notification_until": "peut partir maintenant avec le jeton de notification "
        "unique (un seul usage), valable jusqu'au {until}",
        "one_time_notification": "peut partir maintenant avec le jeton de notification "
        "unique (un seul usage)",
        "notification_messages": "peut partir maintenant avec le jeton notification_messages "
        "de la personne",
        "notification_messages_until": "peut partir maintenant avec le jeton "
        "notification_messages de la personne, valable jusqu'au {until}",
        "private_reply_until": "peut partir maintenant comme unique réponse privée à "
        "{target}, jusqu'au {until}",
        "private_reply": "peut partir maintenant comme unique réponse privée à {target}",
        "marketing_message": "peut partir maintenant comme message marketing payant avec le "
        "jeton de la personne",
        "marketing_message_until": "peut partir maintenant comme message marketing payant "
        "avec le jeton de la personne, valable jusqu'au {until}",
    },
}

FEATURES: Final[dict[str, dict[str, str]]] = {
    "en": {
        "human_agent": "Human Agent",
        "utility_messaging": "utility messaging",
        "one_time_notifications": "One-Time Notification",
        "news_messaging": "News Messaging",
        "marketing_messages": "Marketing Messages",
    },
    "fr": {
        "human_agent": "Agent humain",
        "utility_messaging": "messages utilitaires",
        "one_time_notifications": "Notification unique",
        "news_messaging": "Messages d'actualité",
        "marketing_messages": "Messages marketing",
    },
}

TOKEN_KINDS: Final[dict[str, dict[str, str]]] = {
    "en": {"one_time": "one-time notification", "notification_messages": "notification_messages"},
    "fr": {"one_time": "de notification unique", "notification_messages": "notification_messages"},
}

MECHANISMS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "one_time_notification": "one-time notification",
        "marketing_message": "the Marketing Message API",
    },
    "fr": {
        "one_time_notification": "la notification unique",
        "marketing_message": "l'API Marketing Messages",
    },
}

PROMO_WHERE: Final[dict[str, dict[str, str]]] = {
    "en": {"tag": "under a message tag", "utility": "in a utility template"},
    "fr": {"tag": "sous une étiquette de message", "utility": "dans un modèle utilitaire"},
}

INVALID: Final[dict[str, dict[str, str]]] = {
    "en": {
        "tag_required": "a tagged message needs a tag",
        "private_reply_target_required": "a private reply needs a comment or post id",
        "utility_needs_template_content": "UTILITY sends a utility template, and this "
        "message is not one",
        "utility_template_mechanism": "a utility template goes only as UTILITY",
        "sender_action_mechanism": "a sender action goes only inside the window",
        "optin_request_mechanism": "an opt-in request goes only inside the window",
    },
    "fr": {
        "tag_required": "un message étiqueté exige une étiquette",
        "private_reply_target_required": "une réponse privée exige l'identifiant d'un "
        "commentaire ou d'une publication",
        "utility_needs_template_content": "UTILITY envoie un modèle utilitaire, et ce message "
        "n'en est pas un",
        "utility_template_mechanism": "un modèle utilitaire part seulement en UTILITY",
        "sender_action_mechanism": "une action part seulement dans la fenêtre",
        "optin_request_mechanism": "une demande d'abonnement part seulement dans la fenêtre",
    },
}
