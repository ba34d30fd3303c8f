// The inbox page: starts here. Routes (in the fragment): #/ the list, #/c/<id> a
// conversation, #/forgot the reset request, #reset=<token> and #invite=<token> from links.

import { ApiError, get, onUnauthenticated, patch, post, setCsrfToken } from "./api.js";
import { errorText, setUpAuth, showAuth, takeLinkToken } from "./auth.js";
import { forgetSavedReplies, setUpComposer } from "./composer.js";
import {
  closeConversation,
  openConversation,
  refreshConversation,
  renderConversation,
  setUpConversation,
} from "./conversation.js";
import { $, show } from "./dom.js";
import { initialLanguage, lang, setLanguage, t } from "./i18n.js";
import { renderHelp, setUpKeys } from "./keys.js";
import {
  loadCounts,
  loadFilters,
  loadList,
  moveSelection,
  renderFolders,
  renderList,
  selectedId,
  setUpList,
} from "./list.js";
import { startLive, stopLive } from "./live.js";
import { setUpSettings } from "./settings.js";
import { debounce, state } from "./state.js";

const TYPING_SHOWN_MS = 6000;
// The time left in each window and the composer's sentence age: draw them again each minute.
const REDRAW_MS = 60000;
let typingTimer = null;
let noticeTimer = null;

function notice(text) {
  const node = $("notice");
  node.textContent = text || "";
  node.hidden = !text;
  clearTimeout(noticeTimer);
  if (text) noticeTimer = setTimeout(() => notice(""), 8000);
}

function reportError(error) {
  if (error instanceof ApiError && error.code === "unauthenticated") return;
  notice(errorText(error));
}

const refreshList = debounce(() => {
  loadList({ keep: true }).catch(reportError);
  loadCounts().catch(reportError);
});
const refreshOpen = debounce(() => refreshConversation().catch(reportError));

function onLiveEvent(type, data) {
  if (type === "reset") {
    refreshList();
    refreshOpen();
    return;
  }
  if (type === "typing") {
    if (data.conversation_id === state.openId && data.user_id !== state.me?.user.id) {
      const node = $("typing");
      node.textContent = t("typing", { name: data.name || "?" });
      node.hidden = !data.on;
      clearTimeout(typingTimer);
      if (data.on) typingTimer = setTimeout(() => (node.hidden = true), TYPING_SHOWN_MS);
    }
    return;
  }
  if (type.startsWith("message.") || type.startsWith("conversation.")) refreshList();
  const concernsOpen =
    state.openId !== null &&
    (data.conversation_id === state.openId ||
      (type === "contact.updated" && data.contact_id === state.view?.contact?.id) ||
      (type.startsWith("message.") && data.conversation_id === undefined));
  if (concernsOpen) refreshOpen();
}

async function checkSession() {
  try {
    await get("/me");
    return true;
  } catch {
    return false;
  }
}

function inboxShown() {
  return !$("inbox-screen").hidden;
}

async function enterInbox(me) {
  state.me = me;
  setCsrfToken(me.csrf_token);
  if (me.locale && !localStorage.getItem("comptoir.inbox.lang")) setLanguage(me.locale);
  $("lang-select").value = lang();
  $("workspace-name").textContent = me.workspace?.name || "";
  $("me-name").textContent = me.user?.name || me.user?.email || "";
  show($("sign-out"), true);
  show($("settings-button"), true);
  show($("auth-screen"), false);
  show($("inbox-screen"), true);
  if (!location.hash.startsWith("#/")) history.replaceState(null, "", "#/");
  renderFolders();
  await Promise.all([loadFilters(), loadCounts(), loadList()]);
  startLive(onLiveEvent, checkSession);
  await route();
}

function leaveInbox() {
  stopLive();
  state.me = null;
  document.title = t("title");
  closeConversation();
  state.list.rows = [];
  show($("inbox-screen"), false);
  show($("sign-out"), false);
  show($("settings-button"), false);
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  $("workspace-name").textContent = "";
  $("me-name").textContent = "";
}

async function route() {
  if (!state.me) return;
  const match = /^#\/c\/(\d+)$/.exec(location.hash);
  const inbox = $("inbox-screen");
  if (match) {
    inbox.classList.add("reading");
    await openConversation(Number(match[1]));
    renderList();
  } else {
    inbox.classList.remove("reading");
    if (state.openId !== null) {
      closeConversation();
      renderList();
    }
  }
}

function openId(id) {
  if (id === null) return;
  const target = `#/c/${id}`;
  if (location.hash === target) refreshOpen();
  else location.hash = target;
}

async function start() {
  setLanguage(initialLanguage());
  $("lang-select").value = lang();
  renderHelp();
  setUpAuth((me) => enterInbox(me).catch(reportError));
  setUpList({ onOpen: openId });
  setUpConversation({
    onChanged: refreshList,
    onLabels: () => loadFilters().catch(reportError),
    onError: reportError,
  });
  setUpComposer({
    onSent: () => {
      renderConversation();
      refreshList();
      refreshOpen();
    },
    onError: reportError,
  });
  setUpSettings({ onError: reportError, onSavedChanged: forgetSavedReplies });
  setUpKeys(
    {
      next: () => moveSelection(1),
      prev: () => moveSelection(-1),
      open: () => openId(selectedId()),
      search: () => $("search-input").focus(),
      reply: () => {
        if (!$("reply-form").hidden && state.openId !== null) $("reply-text").focus();
      },
      back: () => {
        if (state.openId !== null) location.hash = "#/";
      },
    },
    inboxShown,
  );
  onUnauthenticated(() => {
    if (!state.me) return;
    leaveInbox();
    showAuth("sign-in");
    show($("auth-screen"), true);
  });
  $("lang-select").addEventListener("change", () => {
    setLanguage($("lang-select").value, true);
    renderHelp();
    if (state.me) {
      renderFolders();
      renderList();
      refreshOpen();
      patch("/me", { locale: lang() })
        .then((me) => {
          state.me = { ...state.me, ...me };
        })
        .catch(() => {});
    }
  });
  $("sign-out").addEventListener("click", async () => {
    try {
      await post("/sign-out");
    } catch {
      // signed out either way
    }
    leaveInbox();
    history.replaceState(null, "", "#/");
    show($("auth-screen"), true);
    showAuth("sign-in");
  });
  $("back-button").addEventListener("click", () => {
    location.hash = "#/";
  });
  window.addEventListener("hashchange", () => {
    if (state.me) route().catch(reportError);
    else if (location.hash === "#/forgot") showAuth("forgot");
    else {
      const link = takeLinkToken();
      showAuth(link ? "link" : "sign-in", link);
    }
  });

  const link = takeLinkToken();
  if (link) {
    show($("auth-screen"), true);
    showAuth("link", link);
    return;
  }
  let me = null;
  try {
    me = await get("/me");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) reportError(error);
  }
  if (me) await enterInbox(me);
  else {
    show($("auth-screen"), true);
    showAuth(location.hash === "#/forgot" ? "forgot" : "sign-in");
  }
}

setInterval(() => {
  if (!state.me) return;
  renderList();
  if (state.openId !== null) refreshOpen();
}, REDRAW_MS);

start().catch(reportError);
