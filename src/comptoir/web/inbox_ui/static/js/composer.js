// The composer: what Meta allows right now (said before the agent types), the reply with
// saved replies, quick-reply buttons or an attachment, the typing indicator, and taking the
// conversation over from the bot or handing it back.

import { ApiError, get, post } from "./api.js";
import { $, fill, h } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

const TYPING_IDLE_MS = 4000;

let quickReplies = [];
let typingOn = false;
let typingTimer = null;
let savedFor = null;
let hooks = { onSent: () => {}, onError: () => {} };

export function setUpComposer(options) {
  hooks = options;
  $("reply-form").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  $("reply-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      send();
    }
  });
  $("reply-text").addEventListener("input", typing);
  $("quick-reply-add").addEventListener("click", addQuickReply);
  $("quick-reply-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      addQuickReply();
    }
  });
  $("saved-select").addEventListener("change", () => {
    const chosen = (state.saved || []).find((s) => String(s.id) === $("saved-select").value);
    if (chosen) {
      const text = $("reply-text");
      text.value = chosen.rendered ?? chosen.text;
      text.focus();
    }
    $("saved-select").value = "";
  });
  $("take-over").addEventListener("click", () => handover("take"));
  $("hand-back").addEventListener("click", () => handover("hand-back"));
}

/** The saved replies changed: load them again when the composer is next drawn. */
export function forgetSavedReplies() {
  savedFor = null;
  if (state.view) renderComposer(state.view);
}

/** Forget the draft of the previous conversation. */
export function resetComposer() {
  stopTyping();
  quickReplies = [];
  savedFor = null;
  $("reply-text").value = "";
  $("attachment-url").value = "";
  $("quick-reply-input").value = "";
  renderQuickReplies();
}

export function renderComposer(view) {
  const composer = view.composer || { can_send: false, sentence: "" };
  const allowance = $("allowance");
  allowance.textContent = composer.sentence || (composer.can_send ? "" : t("nothing_allowed"));
  allowance.className = `allowance ${
    !composer.can_send ? "blocked" : composer.mode === "human_agent" ? "human" : "open"
  }`;
  allowance.dataset.mode = composer.mode || "none";
  $("reply-form").hidden = !composer.can_send;
  $("send-as").textContent = composer.can_send
    ? t(composer.mode === "human_agent" ? "send_as_human_agent" : "send_as_response")
    : "";
  const paused = (composer.automation || view.conversation.automation) === "paused";
  $("take-over").hidden = paused;
  $("hand-back").hidden = !paused;
  $("handover-state").textContent = paused
    ? composer.taken_by
      ? t("taken_by", { name: composer.taken_by })
      : t("taken")
    : t("bot_answers");
  if (savedFor !== state.openId) loadSavedReplies(state.openId);
}

async function loadSavedReplies(id) {
  savedFor = id;
  try {
    const answer = await get("/saved-replies", { conversation_id: id });
    state.saved = answer.data;
  } catch {
    state.saved = [];
  }
  fill(
    $("saved-select"),
    h("option", { value: "" }, t("saved_pick")),
    state.saved.map((s) => h("option", { value: s.id }, s.name)),
  );
}

function addQuickReply() {
  const title = $("quick-reply-input").value.trim();
  if (!title || quickReplies.length >= 13) return;
  quickReplies.push({ title, payload: title.toUpperCase().replace(/\W+/g, "_").slice(0, 100) });
  $("quick-reply-input").value = "";
  renderQuickReplies();
}

function renderQuickReplies() {
  fill(
    $("quick-reply-editor"),
    quickReplies.map((reply, index) =>
      h(
        "span",
        { class: "chip" },
        h("span", { text: reply.title }),
        h(
          "button",
          {
            type: "button",
            "aria-label": t("quick_reply_remove", { title: reply.title }),
            onclick: () => {
              quickReplies.splice(index, 1);
              renderQuickReplies();
            },
          },
          "×",
        ),
      ),
    ),
  );
}

async function send() {
  const id = state.openId;
  if (id === null || $("reply-form").hidden) return;
  const text = $("reply-text").value.trim();
  const url = $("attachment-url").value.trim();
  const body = {};
  if (url) body.attachment = { type: $("attachment-type").value, url };
  else if (text) {
    body.text = text;
    if (quickReplies.length) body.quick_replies = quickReplies;
  } else return;
  const button = $("send-button");
  button.disabled = true;
  try {
    const answer = await post(`/conversations/${id}/messages`, body);
    if (url) $("attachment-url").value = "";
    else {
      $("reply-text").value = "";
      quickReplies = [];
      renderQuickReplies();
    }
    stopTyping();
    if (state.view && state.openId === id) {
      if (answer.composer) state.view.composer = answer.composer;
      if (answer.message && !state.view.messages.some((m) => m.id === answer.message.id)) {
        state.view.messages.push(answer.message);
      }
    }
    hooks.onSent();
  } catch (error) {
    if (error instanceof ApiError && error.code === "send_refused") {
      const allowance = $("allowance");
      allowance.textContent = error.message;
      allowance.className = "allowance blocked";
    } else hooks.onError(error);
  } finally {
    button.disabled = false;
  }
}

function typing() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  if (!typingOn && state.openId !== null) {
    typingOn = true;
    post(`/conversations/${state.openId}/typing`, { on: true }).catch(() => {});
  }
}

function stopTyping() {
  clearTimeout(typingTimer);
  if (typingOn && state.openId !== null) {
    post(`/conversations/${state.openId}/typing`, { on: false }).catch(() => {});
  }
  typingOn = false;
}

async function handover(action) {
  const id = state.openId;
  if (id === null) return;
  try {
    const answer = await post(`/conversations/${id}/${action}`);
    if (state.view && state.openId === id) {
      state.view.composer = { ...state.view.composer, ...answer };
      state.view.conversation.automation = answer.automation;
      renderComposer(state.view);
    }
    hooks.onSent();
  } catch (error) {
    hooks.onError(error);
  }
}
