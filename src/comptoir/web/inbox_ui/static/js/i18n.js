// English and French. The language is the user's saved choice, else the browser's, else
// English. Static text in the page carries data-i18n* attributes; scripts call t().

const EN = {
  title: "Comptoir inbox",
  title_unread: "({count}) Comptoir inbox",
  new_message: "New message from {name}: {text}",
  settings: "Team and saved replies",
  saved_name: "Name",
  saved_text: "Text",
  saved_hint: "Placeholders: {first_name}, {last_name}, {full_name}, {agent_name}, {page_name}.",
  saved_add: "Add the saved reply",
  saved_delete: "Delete {name}",
  delete: "Delete",
  team: "Team",
  invite_email: "Invite by e-mail",
  invite_role: "Role",
  invite: "Send the invitation",
  invited: "Invitation sent to {email}.",
  invitation_line: "{email} ({role}), until {time}",
  invitation_accepted: "{email} ({role}), accepted",
  member_line: "{name} <{email}> · {role}",
  brand: "Comptoir",
  language: "Language",
  shortcuts_title: "Keyboard shortcuts",
  sign_out: "Sign out",
  sign_in_title: "Sign in to the inbox",
  email: "E-mail",
  password: "Password",
  sign_in: "Sign in",
  forgot_password: "Forgot your password?",
  forgot_title: "Reset your password",
  forgot_explain: "Enter your e-mail; if it belongs to an account, a reset link is sent.",
  send_link: "Send the link",
  link_sent: "If this e-mail belongs to an account, a link is on its way.",
  back_to_sign_in: "Back to sign in",
  your_name: "Your name",
  new_password: "New password",
  save_password: "Save the password",
  reset_title: "Choose a new password",
  invite_title: "Join {workspace} as {role}",
  invite_existing: "Enter your current password to join.",
  join: "Join",
  folders: "Folders",
  status: "Status",
  filters: "Filters",
  filter_page: "Page",
  filter_label: "Label",
  filter_assignee: "Assignee",
  any: "Any",
  conversations: "Conversations",
  search: "Search",
  search_placeholder: "Search messages and contacts  (/)",
  list_empty: "No conversation here.",
  more: "Show more",
  older: "Show earlier messages",
  pick_conversation: "Pick a conversation.",
  back: "Back",
  assignee: "Assigned to",
  nobody: "Nobody",
  snooze: "Snooze",
  not_snoozed: "Not snoozed",
  snoozed_until: "Snoozed until {time}",
  snooze_1h: "1 hour",
  snooze_4h: "4 hours",
  snooze_1d: "1 day",
  snooze_3d: "3 days",
  snooze_1w: "1 week",
  resolve: "Resolve",
  mark_pending: "Set pending",
  reopen: "Reopen",
  contact: "Contact",
  messages: "Messages",
  composer: "Reply",
  take_over: "Take over from the bot",
  hand_back: "Hand back to the bot",
  bot_answers: "The bot answers this conversation.",
  taken_by: "Taken over by {name}: the bot stays quiet.",
  taken: "Taken over: the bot stays quiet.",
  reply: "Reply",
  reply_placeholder: "Write a reply…  (Ctrl+Enter sends)",
  more_options: "Saved replies, quick replies, attachment",
  saved_replies: "Saved replies",
  saved_insert: "Insert a saved reply",
  saved_pick: "Pick a saved reply",
  quick_reply_add: "Add a quick-reply button",
  quick_reply_remove: "Remove the quick reply {title}",
  add: "Add",
  attachment_url: "Attachment (URL)",
  attachment_type: "Kind",
  kind_image: "Image",
  kind_file: "File",
  kind_video: "Video",
  kind_audio: "Audio",
  send: "Send",
  send_as_response: "Sent as a normal reply, in the 24-hour window.",
  send_as_human_agent: "Sent as a human agent (HUMAN_AGENT tag).",
  nothing_allowed: "Nothing can be sent in this conversation now.",
  notes: "Private notes",
  note_add: "Add a note",
  note_placeholder: "Only your team sees notes.",
  note_save: "Save the note",
  labels: "Labels",
  contact_labels: "Contact labels",
  label_add: "Add a label",
  label_remove: "Remove the label {label}",
  fields: "Fields",
  consents: "Consent and subscriptions",
  past_conversations: "Past conversations",
  none: "None",
  not_found: "This conversation does not exist.",
  close: "Close",
  folder_unassigned: "Unassigned",
  folder_mine: "Mine",
  folder_all: "All",
  status_open: "Open",
  status_pending: "Pending",
  status_snoozed: "Snoozed",
  status_resolved: "Resolved",
  state_open: "Open",
  state_pending: "Pending",
  state_snoozed: "Snoozed",
  state_resolved: "Resolved",
  window_open: "{time} left",
  window_human: "agent only, {time} left",
  window_closed: "window closed",
  window_none: "",
  unread: "{count} unread",
  author_customer: "{name}",
  author_bot: "Bot",
  author_agent: "{name}",
  author_page_inbox: "Page inbox",
  author_other_app: "Another app",
  author_system: "System",
  status_msg_received: "",
  status_msg_queued: "Sending…",
  status_msg_sent: "Sent",
  status_msg_delivered: "Delivered",
  status_msg_read: "Read",
  status_msg_failed: "Not sent: {reason}",
  failed_unknown: "Meta refused it.",
  tapped: "Tapped “{title}”",
  offered: "Offered:",
  attachment: "Attachment",
  typing: "{name} is typing…",
  live_on: "live",
  live_off: "reconnecting…",
  profile_name: "Name",
  profile_locale: "Language",
  profile_source: "First contact",
  profile_since: "Since",
  profile_blocked: "Blocked the Page",
  yes: "yes",
  consent_line: "{topic}: {action} ({time})",
  error_generic: "Something went wrong: {message}",
  error_invalid_credentials: "Wrong e-mail or password.",
  error_throttled: "Too many tries. Wait {seconds} s and try again.",
  error_invalid_token: "This link is no longer valid. Ask for a new one.",
  error_network: "The server cannot be reached.",
  signed_out: "You are signed out.",
  role_owner: "owner",
  role_admin: "admin",
  role_agent: "agent",
  key_next: "Next conversation",
  key_prev: "Previous conversation",
  key_open: "Open the selected conversation",
  key_search: "Search",
  key_reply: "Reply",
  key_send: "Send the reply",
  key_back: "Back to the list / close",
  key_help: "This help",
  minutes: "{n} min",
  hours: "{n} h",
  days: "{n} d",
};

const FR = {
  title: "Boîte de réception Comptoir",
  title_unread: "({count}) Boîte de réception Comptoir",
  new_message: "Nouveau message de {name} : {text}",
  settings: "Équipe et réponses enregistrées",
  saved_name: "Nom",
  saved_text: "Texte",
  saved_hint:
    "Champs à remplir : {first_name}, {last_name}, {full_name}, {agent_name}, {page_name}.",
  saved_add: "Ajouter la réponse enregistrée",
  saved_delete: "Supprimer {name}",
  delete: "Supprimer",
  team: "Équipe",
  invite_email: "Inviter par e-mail",
  invite_role: "Rôle",
  invite: "Envoyer l’invitation",
  invited: "Invitation envoyée à {email}.",
  invitation_line: "{email} ({role}), jusqu’au {time}",
  invitation_accepted: "{email} ({role}), acceptée",
  member_line: "{name} <{email}> · {role}",
  brand: "Comptoir",
  language: "Langue",
  shortcuts_title: "Raccourcis clavier",
  sign_out: "Se déconnecter",
  sign_in_title: "Connexion à la boîte de réception",
  email: "E-mail",
  password: "Mot de passe",
  sign_in: "Se connecter",
  forgot_password: "Mot de passe oublié ?",
  forgot_title: "Réinitialiser le mot de passe",
  forgot_explain:
    "Indiquez votre e-mail ; s’il correspond à un compte, un lien de réinitialisation est envoyé.",
  send_link: "Envoyer le lien",
  link_sent: "Si cet e-mail correspond à un compte, un lien est en route.",
  back_to_sign_in: "Retour à la connexion",
  your_name: "Votre nom",
  new_password: "Nouveau mot de passe",
  save_password: "Enregistrer le mot de passe",
  reset_title: "Choisissez un nouveau mot de passe",
  invite_title: "Rejoindre {workspace} en tant que {role}",
  invite_existing: "Saisissez votre mot de passe actuel pour rejoindre.",
  join: "Rejoindre",
  folders: "Dossiers",
  status: "État",
  filters: "Filtres",
  filter_page: "Page",
  filter_label: "Étiquette",
  filter_assignee: "Attribution",
  any: "Toutes",
  conversations: "Conversations",
  search: "Rechercher",
  search_placeholder: "Rechercher messages et contacts  (/)",
  list_empty: "Aucune conversation ici.",
  more: "Afficher plus",
  older: "Voir les messages précédents",
  pick_conversation: "Choisissez une conversation.",
  back: "Retour",
  assignee: "Attribuée à",
  nobody: "Personne",
  snooze: "Mettre en attente",
  not_snoozed: "Pas en attente",
  snoozed_until: "En attente jusqu’à {time}",
  snooze_1h: "1 heure",
  snooze_4h: "4 heures",
  snooze_1d: "1 jour",
  snooze_3d: "3 jours",
  snooze_1w: "1 semaine",
  resolve: "Résoudre",
  mark_pending: "Mettre en suspens",
  reopen: "Rouvrir",
  contact: "Contact",
  messages: "Messages",
  composer: "Réponse",
  take_over: "Reprendre la main au robot",
  hand_back: "Rendre la main au robot",
  bot_answers: "Le robot répond à cette conversation.",
  taken_by: "Reprise par {name} : le robot se tait.",
  taken: "Reprise par une personne : le robot se tait.",
  reply: "Réponse",
  reply_placeholder: "Écrire une réponse…  (Ctrl+Entrée envoie)",
  more_options: "Réponses enregistrées, réponses rapides, pièce jointe",
  saved_replies: "Réponses enregistrées",
  saved_insert: "Insérer une réponse enregistrée",
  saved_pick: "Choisir une réponse enregistrée",
  quick_reply_add: "Ajouter un bouton de réponse rapide",
  quick_reply_remove: "Retirer la réponse rapide {title}",
  add: "Ajouter",
  attachment_url: "Pièce jointe (URL)",
  attachment_type: "Type",
  kind_image: "Image",
  kind_file: "Fichier",
  kind_video: "Vidéo",
  kind_audio: "Audio",
  send: "Envoyer",
  send_as_response: "Envoyé comme réponse normale, dans la fenêtre de 24 heures.",
  send_as_human_agent: "Envoyé en tant qu’agent humain (étiquette HUMAN_AGENT).",
  nothing_allowed: "Rien ne peut être envoyé dans cette conversation pour l’instant.",
  notes: "Notes privées",
  note_add: "Ajouter une note",
  note_placeholder: "Seule votre équipe voit les notes.",
  note_save: "Enregistrer la note",
  labels: "Étiquettes",
  contact_labels: "Étiquettes du contact",
  label_add: "Ajouter une étiquette",
  label_remove: "Retirer l’étiquette {label}",
  fields: "Champs",
  consents: "Consentements et abonnements",
  past_conversations: "Conversations passées",
  none: "Aucun",
  not_found: "Cette conversation n’existe pas.",
  close: "Fermer",
  folder_unassigned: "Non attribuées",
  folder_mine: "Les miennes",
  folder_all: "Toutes",
  status_open: "Ouvertes",
  status_pending: "En suspens",
  status_snoozed: "En attente",
  status_resolved: "Résolues",
  state_open: "Ouverte",
  state_pending: "En suspens",
  state_snoozed: "En attente",
  state_resolved: "Résolue",
  window_open: "encore {time}",
  window_human: "agent seulement, encore {time}",
  window_closed: "fenêtre fermée",
  window_none: "",
  unread: "{count} non lus",
  author_customer: "{name}",
  author_bot: "Robot",
  author_agent: "{name}",
  author_page_inbox: "Boîte de la Page",
  author_other_app: "Une autre application",
  author_system: "Système",
  status_msg_received: "",
  status_msg_queued: "Envoi…",
  status_msg_sent: "Envoyé",
  status_msg_delivered: "Distribué",
  status_msg_read: "Lu",
  status_msg_failed: "Non envoyé : {reason}",
  failed_unknown: "Meta l’a refusé.",
  tapped: "A touché « {title} »",
  offered: "Proposé :",
  attachment: "Pièce jointe",
  typing: "{name} écrit…",
  live_on: "en direct",
  live_off: "reconnexion…",
  profile_name: "Nom",
  profile_locale: "Langue",
  profile_source: "Premier contact",
  profile_since: "Depuis",
  profile_blocked: "A bloqué la Page",
  yes: "oui",
  consent_line: "{topic} : {action} ({time})",
  error_generic: "Un problème est survenu : {message}",
  error_invalid_credentials: "E-mail ou mot de passe incorrect.",
  error_throttled: "Trop d’essais. Attendez {seconds} s puis réessayez.",
  error_invalid_token: "Ce lien n’est plus valable. Demandez-en un nouveau.",
  error_network: "Le serveur ne répond pas.",
  signed_out: "Vous êtes déconnecté.",
  role_owner: "propriétaire",
  role_admin: "administrateur",
  role_agent: "agent",
  key_next: "Conversation suivante",
  key_prev: "Conversation précédente",
  key_open: "Ouvrir la conversation choisie",
  key_search: "Rechercher",
  key_reply: "Répondre",
  key_send: "Envoyer la réponse",
  key_back: "Retour à la liste / fermer",
  key_help: "Cette aide",
  minutes: "{n} min",
  hours: "{n} h",
  days: "{n} j",
};

export const LANGUAGES = { en: EN, fr: FR };
const STORAGE_KEY = "comptoir.inbox.lang";

let current = "en";

export function browserLanguage() {
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).slice(0, 2).toLowerCase();
    if (base in LANGUAGES) return base;
  }
  return "en";
}

/** The language to start with: the one chosen in this browser, else the browser's. */
export function initialLanguage() {
  const saved = localStorage.getItem(STORAGE_KEY);
  return saved in LANGUAGES ? saved : browserLanguage();
}

export function lang() {
  return current;
}

export function setLanguage(code, remember = false) {
  current = code in LANGUAGES ? code : "en";
  if (remember) localStorage.setItem(STORAGE_KEY, current);
  document.documentElement.lang = current;
  translatePage(document);
}

/** The text for ``key`` with {name} placeholders filled (values are plain text). */
export function t(key, values = {}) {
  const table = LANGUAGES[current];
  const template = key in table ? table[key] : key in EN ? EN[key] : key;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    name in values ? String(values[name]) : whole,
  );
}

export function translatePage(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
  for (const node of root.querySelectorAll("[data-i18n-title]")) {
    node.title = t(node.dataset.i18nTitle);
  }
  for (const node of root.querySelectorAll("[data-i18n-aria-label]")) {
    node.setAttribute("aria-label", t(node.dataset.i18nAriaLabel));
  }
}

/** "3 h", "25 min", "6 d" (positive durations in milliseconds). */
export function duration(ms) {
  const minutes = Math.max(0, Math.floor(ms / 60000));
  if (minutes < 60) return t("minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t("hours", { n: hours });
  return t("days", { n: Math.floor(hours / 24) });
}

/** A date and time in the user's language: "Tue 14:02" this week, "3 Jun 14:02" before. */
export function when(iso, now = Date.now()) {
  if (!iso) return "";
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "";
  const age = Math.abs(now - moment.getTime());
  const options =
    age < 86400000
      ? { hour: "2-digit", minute: "2-digit" }
      : age < 6 * 86400000
        ? { weekday: "short", hour: "2-digit", minute: "2-digit" }
        : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" };
  return new Intl.DateTimeFormat(current, options).format(moment);
}
