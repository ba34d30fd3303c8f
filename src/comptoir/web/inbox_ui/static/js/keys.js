// Keyboard shortcuts: j/k or arrows in the list, Enter opens, / searches, r replies,
// Ctrl/Cmd+Enter sends (in the composer), Esc goes back, ? shows this list.

import { $, fill, h } from "./dom.js";
import { t } from "./i18n.js";

export const SHORTCUTS = [
  [["j", "↓"], "key_next"],
  [["k", "↑"], "key_prev"],
  [["Enter"], "key_open"],
  [["/"], "key_search"],
  [["r"], "key_reply"],
  [["Ctrl+Enter", "⌘+Enter"], "key_send"],
  [["Esc"], "key_back"],
  [["?"], "key_help"],
];

export function renderHelp() {
  fill(
    $("help-keys"),
    SHORTCUTS.map(([keys, what]) => [
      h("dt", {}, keys.map((key, i) => [i ? " / " : "", h("kbd", { text: key })])),
      h("dd", { text: t(what) }),
    ]),
  );
}

export function showHelp() {
  renderHelp();
  const dialog = $("help-dialog");
  if (!dialog.open) dialog.showModal();
}

function typingInField(target) {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))
  );
}

/** ``actions``: next, prev, open, search, reply, back; called when the inbox is shown. */
export function setUpKeys(actions, active) {
  $("help-button").addEventListener("click", showHelp);
  document.addEventListener("keydown", (event) => {
    if (!active() || event.altKey || event.defaultPrevented) return;
    if (document.querySelector("dialog[open]")) return; // a dialog closes itself on Esc
    if (typingInField(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.ctrlKey || event.metaKey) return;
    const action = {
      j: "next",
      ArrowDown: "next",
      k: "prev",
      ArrowUp: "prev",
      Enter: "open",
      "/": "search",
      r: "reply",
      Escape: "back",
      "?": "help",
    }[event.key];
    if (!action) return;
    const onList = event.target === document.body || event.target.closest("#conversation-list");
    if (action === "open" && !onList) return; // Enter on a button presses that button
    event.preventDefault();
    if (action === "help") showHelp();
    else actions[action]();
  });
}
