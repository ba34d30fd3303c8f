// One conversation: the thread, the header actions, notes and the contact panel.

import { ApiError, get, patch, post } from "./api.js";
import { renderComposer, resetComposer } from "./composer.js";
import { $, externalLink, fill, h } from "./dom.js";
import { lang, t, when } from "./i18n.js";
import { noteServerNow, serverNow, state } from "./state.js";

const SNOOZES = [
  ["1h", 3600],
  ["4h", 4 * 3600],
  ["1d", 86400],
  ["3d", 3 * 86400],
  ["1w", 7 * 86400],
];

let hooks = { onChanged: () => {} };
let loading = 0;
// Earlier messages fetched with "Show earlier messages", kept across refreshes of the view.
let older = { id: null, messages: [], cursor: null };

export function setUpConversation(options) {
  hooks = options;
  $("resolve-button").addEventListener("click", () => change({ status: "resolved" }));
  $("pending-button").addEventListener("click", () => change({ status: "pending" }));
  $("reopen-button").addEventListener("click", () => change({ status: "open" }));
  $("assign-select").addEventListener("change", () => {
    const value = $("assign-select").value;
    change({ assignee_id: value === "" ? null : Number(value) });
  });
  $("snooze-select").addEventListener("change", () => {
    const seconds = Number($("snooze-select").value);
    if (seconds === 0) return;
    const until = seconds > 0 ? new Date(serverNow() + seconds * 1000).toISOString() : null;
    change({ snoozed_until: until });
  });
  $("label-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const label = $("label-input").value.trim().toLowerCase();
    if (!label || !state.view) return;
    const labels = state.view.conversation.labels || [];
    if (!labels.includes(label)) change({ labels: [...labels, label] });
    $("label-input").value = "";
  });
  $("note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("note-text").value.trim();
    if (!text || state.openId === null) return;
    await post(`/conversations/${state.openId}/notes`, { text });
    $("note-text").value = "";
    await refreshConversation();
  });
  $("older-button").addEventListener("click", loadOlder);
  $("contact-toggle").addEventListener("click", () => {
    const panel = $("contact-panel");
    const shown = panel.classList.toggle("shown");
    $("contact-toggle").setAttribute("aria-expanded", String(shown));
  });
}

async function change(body) {
  if (state.openId === null) return;
  try {
    const row = await patch(`/conversations/${state.openId}`, body);
    if (state.view) state.view.conversation = row;
    renderHeader();
    hooks.onChanged();
    if (body.labels) hooks.onLabels();
  } catch (error) {
    hooks.onError(error);
  }
  await refreshConversation();
}

/** Open conversation ``id``: fetch it, show it, mark it read. */
export async function openConversation(id) {
  if (state.openId !== id) {
    resetComposer();
    state.view = null;
    older = { id, messages: [], cursor: null };
  }
  state.openId = id;
  $("conversation-placeholder").hidden = true;
  await refreshConversation({ markRead: true, scroll: true });
}

export function closeConversation() {
  resetComposer();
  state.openId = null;
  state.view = null;
  $("conversation").hidden = true;
  $("not-found").hidden = true;
  $("conversation-placeholder").hidden = false;
}

/** Fetch the open conversation again (after a live event or an action). */
export async function refreshConversation({ markRead = false, scroll = false } = {}) {
  const id = state.openId;
  if (id === null) return;
  const ticket = ++loading;
  let view;
  try {
    view = await get(`/conversations/${id}`);
  } catch (error) {
    if (ticket !== loading || state.openId !== id) return;
    if (error instanceof ApiError && error.status === 404) {
      state.view = null;
      $("conversation").hidden = true;
      $("not-found").hidden = false;
      return;
    }
    throw error;
  }
  if (ticket !== loading || state.openId !== id) return;
  noteServerNow(view.now);
  const scroller = $("thread-scroll");
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  const firstShow = state.view === null;
  state.view = view;
  if (state.me && state.me.locale !== lang()) {
    try {
      view.composer = await get(`/conversations/${id}/composer`, { lang: lang() });
    } catch {
      // keep the composer of the view, in the user's saved language
    }
  }
  $("not-found").hidden = true;
  $("conversation").hidden = false;
  renderConversation();
  // Notes open by themselves when there are some, the first time a conversation is shown.
  if (firstShow) $("notes").open = (view.notes || []).length > 0;
  if (scroll || atBottom) scrollToEnd();
  // Read when opened, and when a message arrives while the agent is looking at it.
  const looking = markRead || document.visibilityState === "visible";
  if (looking && view.conversation.unread > 0) {
    await post(`/conversations/${id}/read`);
    hooks.onChanged();
  }
}

function scrollToEnd() {
  const scroller = $("thread-scroll");
  scroller.scrollTop = scroller.scrollHeight;
}

export function renderConversation() {
  if (!state.view) return;
  renderHeader();
  renderThread();
  renderNotes();
  renderContact();
  renderComposer(state.view);
}

function renderHeader() {
  const view = state.view;
  const conversation = view.conversation;
  $("conversation-title").textContent = conversation.contact?.name || "?";
  const parts = [conversation.page?.name, t(`state_${conversation.status}`)];
  if (conversation.snoozed_until) {
    parts.push(t("snoozed_until", { time: when(conversation.snoozed_until, serverNow()) }));
  }
  $("conversation-meta").textContent = parts.filter(Boolean).join(" · ");
  const members = state.members || [];
  fill(
    $("assign-select"),
    h("option", { value: "" }, t("nobody")),
    members.map((m) => h("option", { value: m.id }, m.name || m.email)),
  );
  $("assign-select").value = conversation.assignee ? String(conversation.assignee.id) : "";
  fill(
    $("snooze-select"),
    h(
      "option",
      { value: "0" },
      conversation.snoozed_until
        ? t("snoozed_until", { time: when(conversation.snoozed_until, serverNow()) })
        : t("not_snoozed"),
    ),
    conversation.snoozed_until ? h("option", { value: "-1" }, t("not_snoozed")) : null,
    SNOOZES.map(([key, seconds]) => h("option", { value: seconds }, t(`snooze_${key}`))),
  );
  $("snooze-select").value = "0";
  const status = conversation.status;
  $("pending-button").hidden = status !== "open";
  $("resolve-button").hidden = status === "resolved";
  $("reopen-button").hidden = status === "open";
  fill(
    $("label-list"),
    (conversation.labels || []).map((label) =>
      h(
        "li",
        { class: "chip" },
        h("span", { text: label }),
        h(
          "button",
          {
            type: "button",
            "aria-label": t("label_remove", { label }),
            title: t("label_remove", { label }),
            onclick: () => change({ labels: conversation.labels.filter((l) => l !== label) }),
          },
          "×",
        ),
      ),
    ),
  );
}

export function authorText(message, view = state.view) {
  const kind = message.author_kind || (message.direction === "in" ? "customer" : "page_inbox");
  const name =
    message.author_name || (kind === "customer" ? view?.conversation.contact?.name || "" : "");
  return t(`author_${kind}`, { name: name || "?" });
}

function statusText(message) {
  if (message.direction === "in" || !message.status) return "";
  if (message.status === "failed") {
    return t("status_msg_failed", { reason: message.failure?.reason || t("failed_unknown") });
  }
  return t(`status_msg_${message.status}`);
}

function messageElement(message) {
  const kind = message.author_kind || "";
  const classes = ["msg", message.direction === "in" ? "in" : "out"];
  if (kind === "bot") classes.push("bot");
  const offered = [...(message.quick_replies || []), ...(message.buttons || [])];
  const status = statusText(message);
  return h(
    "li",
    { class: classes.join(" "), dataset: { id: message.id, status: message.status || "" } },
    h(
      "span",
      { class: "by" },
      `${authorText(message)} · ${when(message.created_at, serverNow())}`,
    ),
    message.text !== null && message.text !== undefined && message.text !== ""
      ? h("div", { class: "bubble", text: message.text })
      : null,
    message.attachments?.length
      ? h(
          "div",
          { class: "attachments" },
          message.attachments.map((a) =>
            externalLink(a.url, a.name || `${t("attachment")} (${a.type})`),
          ),
        )
      : null,
    offered.length
      ? h(
          "div",
          { class: "offered", "aria-label": t("offered") },
          h("span", { class: "by", text: t("offered") }),
          offered.map((item) =>
            item.url
              ? externalLink(item.url, item.title)
              : h("span", { class: "offer", text: item.title }),
          ),
        )
      : null,
    message.tapped
      ? h("span", { class: "offer tapped", text: t("tapped", { title: message.tapped.title }) })
      : null,
    status
      ? h("span", { class: `status ${message.status === "failed" ? "failed" : ""}`, text: status })
      : null,
  );
}

function allMessages() {
  const shown = new Set(state.view.messages.map((m) => m.id));
  const earlier = older.id === state.openId ? older.messages.filter((m) => !shown.has(m.id)) : [];
  return [...earlier, ...state.view.messages];
}

function olderCursor() {
  if (older.id === state.openId && older.messages.length) return older.cursor;
  return state.view.older_cursor || null;
}

async function loadOlder() {
  const id = state.openId;
  const cursor = olderCursor();
  if (id === null || !cursor) return;
  const answer = await get(`/conversations/${id}/messages`, { before: cursor, limit: 50 });
  if (state.openId !== id) return;
  const previous = older.id === id ? older.messages : [];
  older = { id, messages: [...answer.data, ...previous], cursor: answer.older_cursor || null };
  const scroller = $("thread-scroll");
  const fromBottom = scroller.scrollHeight - scroller.scrollTop;
  renderThread();
  scroller.scrollTop = scroller.scrollHeight - fromBottom; // keep what was in view in place
}

// The last message seen in the open conversation: a newer one from the customer is read
// out by screen readers (the thread itself is redrawn whole and is not a live region).
let lastSeen = { id: null, message: null };

function announce(messages) {
  const last = messages[messages.length - 1];
  if (!last) return;
  if (lastSeen.id === state.openId && lastSeen.message !== null && last.id > lastSeen.message) {
    if (last.direction === "in") {
      $("announce").textContent = t("new_message", {
        name: authorText(last),
        text: last.text ?? t("attachment"),
      });
    }
  }
  lastSeen = { id: state.openId, message: last.id };
}

function renderThread() {
  const messages = allMessages();
  announce(messages);
  fill($("thread"), messages.map(messageElement));
  $("older-button").hidden = !olderCursor();
}

function renderNotes() {
  const count = (state.view.notes || []).length;
  $("note-count").textContent = count ? `(${count})` : "";
  fill(
    $("note-list"),
    (state.view.notes || []).map((note) =>
      h(
        "li",
        {},
        h("span", {
          class: "by",
          text: `${note.author?.name || "?"} · ${when(note.created_at, serverNow())}`,
        }),
        note.text,
      ),
    ),
  );
}

function facts(node, pairs) {
  const rows = pairs.filter(([, value]) => value !== null && value !== undefined && value !== "");
  if (rows.length === 0) {
    fill(node, h("dd", { text: t("none") }));
    return;
  }
  fill(node, rows.map(([label, value]) => [h("dt", { text: label }), h("dd", { text: value })]));
}

function renderContact() {
  const contact = state.view.contact || {};
  const now = serverNow();
  facts($("contact-profile"), [
    [t("profile_name"), contact.name],
    [t("profile_locale"), contact.locale],
    [t("profile_source"), contact.source],
    [t("profile_since"), when(contact.created_at, now)],
    [t("profile_blocked"), contact.blocked ? t("yes") : ""],
    [t("contact_labels"), (contact.labels || []).join(", ")],
  ]);
  facts(
    $("contact-fields"),
    Object.entries(contact.fields || {}).map(([name, value]) => [
      name,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
  const consents = contact.consents || [];
  fill(
    $("contact-consents"),
    consents.length
      ? consents.map((c) =>
          h("li", {
            text: t("consent_line", {
              topic: c.topic,
              action: c.action,
              time: when(c.at, now),
            }),
          }),
        )
      : h("li", { text: t("none") }),
  );
  const past = (contact.past_conversations || []).filter((p) => p.id !== state.openId);
  fill(
    $("contact-history"),
    past.length
      ? past.map((p) =>
          h(
            "li",
            {},
            h(
              "a",
              { href: `#/c/${p.id}` },
              `${t(`state_${p.status}`)} · ${when(p.last_activity_at, now)}`,
            ),
          ),
        )
      : h("li", { text: t("none") }),
  );
}
