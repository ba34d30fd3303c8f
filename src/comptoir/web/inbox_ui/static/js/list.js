// The conversation list: folders, statuses, filters, search, rows and "more".

import { get } from "./api.js";
import { $, fill, h } from "./dom.js";
import { duration, t, when } from "./i18n.js";
import { noteServerNow, serverNow, state } from "./state.js";

const FOLDERS = ["unassigned", "mine", "all"];
const STATUSES = ["open", "pending", "snoozed", "resolved"];
const PAGE_SIZE = 25;

let counts = null;
let loading = 0;

export function setUpList({ onOpen }) {
  $("list-more").addEventListener("click", () => loadList({ more: true }));
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    state.list.q = $("search-input").value.trim();
    loadList();
  });
  $("search-input").addEventListener("search", () => {
    state.list.q = $("search-input").value.trim();
    loadList();
  });
  for (const [id, key] of [
    ["filter-page", "pageId"],
    ["filter-label", "label"],
    ["filter-assignee", "assigneeId"],
  ]) {
    $(id).addEventListener("change", () => {
      state.list[key] = $(id).value;
      loadList();
    });
  }
  $("conversation-list").addEventListener("click", (event) => {
    const row = event.target.closest("[data-id]");
    if (!row) return;
    // A click with a modifier opens the conversation in another tab, as links do.
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    onOpen(Number(row.dataset.id));
  });
}

/** The folders and statuses, with their counts. */
export function renderFolders() {
  renderTitle();
  const unread = counts ? counts.unread : {};
  fill(
    $("folder-list"),
    FOLDERS.map((folder) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            "aria-current": String(state.list.folder === folder),
            dataset: { folder },
            onclick: () => chooseFolder(folder),
          },
          h("span", { text: t(`folder_${folder}`) }),
          h("span", {
            class: "count",
            "aria-label": unread[folder] ? t("unread", { count: unread[folder] }) : null,
            text: unread[folder] ? String(unread[folder]) : "",
          }),
        ),
      ),
    ),
  );
  const perStatus = counts ? counts.folders[state.list.folder] || {} : {};
  fill(
    $("status-list"),
    STATUSES.map((status) =>
      h(
        "button",
        {
          type: "button",
          "aria-pressed": String(state.list.status === status),
          dataset: { status },
          onclick: () => chooseStatus(status),
        },
        t(`status_${status}`),
        perStatus[status] !== undefined ? ` ${perStatus[status]}` : "",
      ),
    ),
  );
}

export function chooseFolder(folder) {
  state.list.folder = folder;
  renderFolders();
  loadList();
}

export function chooseStatus(status) {
  state.list.status = status;
  renderFolders();
  loadList();
}

/** Fill the filter menus from the workspace's Pages, labels and members. */
export async function loadFilters() {
  const [pages, labels, members] = await Promise.all([
    get("/pages"),
    get("/labels"),
    get("/members"),
  ]);
  state.members = members.data;
  state.labels = labels.data;
  const any = () => h("option", { value: "" }, t("any"));
  fill($("filter-page"), any(), pages.data.map((p) => h("option", { value: p.id }, p.name)));
  fill($("filter-label"), any(), labels.data.map((l) => h("option", { value: l }, l)));
  fill(
    $("filter-assignee"),
    any(),
    members.data.map((m) => h("option", { value: m.id }, m.name || m.email)),
  );
  $("filter-page").value = state.list.pageId;
  $("filter-label").value = state.list.label;
  $("filter-assignee").value = state.list.assigneeId;
  fill($("label-options"), labels.data.map((l) => h("option", { value: l })));
}

export async function loadCounts() {
  counts = await get("/counts");
  renderFolders();
}

/** The tab's title counts the conversations with unread messages. */
export function renderTitle() {
  const unread = counts?.unread?.all || 0;
  document.title = state.me && unread ? t("title_unread", { count: unread }) : t("title");
}

function query(cursor, limit) {
  const list = state.list;
  return {
    folder: list.folder,
    status: list.status,
    page_id: list.pageId,
    label: list.label,
    assignee_id: list.assigneeId,
    q: list.q,
    limit,
    cursor,
  };
}

/** Load the first page again (or the next one with ``more``). A refresh keeps as many rows
 * as were shown, so live updates do not shorten the list under the agent's eyes. */
export async function loadList({ more = false, keep = false } = {}) {
  const ticket = ++loading;
  const list = state.list;
  const limit = keep ? Math.min(100, Math.max(PAGE_SIZE, list.rows.length)) : PAGE_SIZE;
  const answer = await get("/conversations", query(more ? list.cursor : null, limit));
  if (ticket !== loading) return; // a newer request replaced this one
  noteServerNow(answer.now);
  const selectedId = list.rows[list.selected]?.id;
  list.rows = more ? list.rows.concat(answer.data) : answer.data;
  list.cursor = answer.next_cursor || null;
  list.selected = list.rows.findIndex((row) => row.id === (selectedId ?? state.openId));
  renderList();
}

export function renderList() {
  const list = state.list;
  fill(
    $("conversation-list"),
    list.rows.map((row, index) => rowElement(row, index)),
  );
  $("list-empty").hidden = list.rows.length > 0;
  $("list-more").hidden = !list.cursor;
}

export function windowText(win, now = serverNow()) {
  if (!win || win.state === "none") return { text: "", kind: "none" };
  if (win.state === "open" && win.closes_at) {
    return { text: t("window_open", { time: duration(Date.parse(win.closes_at) - now) }), kind: "open" };
  }
  if (win.state === "human_agent" && win.human_agent_until) {
    const left = duration(Date.parse(win.human_agent_until) - now);
    return { text: t("window_human", { time: left }), kind: "human" };
  }
  return { text: t("window_closed"), kind: "closed" };
}

function rowElement(row, index) {
  const last = row.last_message;
  const snippet = last ? (last.text ?? `[${t("attachment")}]`) : "";
  const win = windowText(row.window);
  const classes = ["row"];
  if (index === state.list.selected) classes.push("selected");
  if (row.id === state.openId) classes.push("open-now");
  if (row.unread > 0) classes.push("unread");
  const link = h(
    "a",
    {
      class: classes.join(" "),
      href: `#/c/${row.id}`,
      dataset: { id: row.id },
      "aria-current": row.id === state.openId ? "page" : null,
    },
    h("span", { class: "name", text: row.contact?.name || "?" }),
    h("span", { class: "when", text: when(row.last_activity_at, serverNow()) }),
    h("span", { class: "snippet", text: snippet }),
    h("span", { class: `window ${win.kind}`, text: win.text }),
    h(
      "span",
      { class: "tags" },
      row.unread > 0 ? h("span", { class: "count", text: String(row.unread) }) : null,
      row.page ? h("span", { text: row.page.name }) : null,
      row.assignee ? h("span", { text: `→ ${row.assignee.name}` }) : null,
      (row.labels || []).map((label) => h("span", { class: "chip", text: label })),
    ),
  );
  return h("li", { dataset: { index } }, link);
}

/** Move the keyboard selection by ``step`` rows. */
export function moveSelection(step) {
  const list = state.list;
  if (list.rows.length === 0) return;
  list.selected = Math.max(0, Math.min(list.rows.length - 1, list.selected + step));
  renderList();
  const link = $("conversation-list").querySelector(`[data-index="${list.selected}"] a`);
  if (link) {
    link.scrollIntoView({ block: "nearest" });
    link.focus({ preventScroll: true });
  }
}

/** The row the keyboard is on: the focused one, else the selected one. */
export function selectedId() {
  const focused = document.activeElement?.closest?.("#conversation-list [data-id]");
  if (focused) return Number(focused.dataset.id);
  const row = state.list.rows[state.list.selected];
  return row ? row.id : null;
}
