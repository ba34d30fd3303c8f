// Live updates over server-sent events. EventSource reconnects by itself and sends
// Last-Event-ID, so nothing is missed; if the stream is closed for good (the server
// restarted, the session ended) we open a new one from the last id we saw.

import { $ } from "./dom.js";
import { t } from "./i18n.js";

const EVENTS = [
  "message.created",
  "message.status",
  "message.updated",
  "conversation.created",
  "conversation.updated",
  "note.created",
  "typing",
  "contact.updated",
  "ready",
  "reset",
];

let source = null;
let lastId = null;
let dropped = false;
let retry = null;
let handler = () => {};
let stillSignedIn = async () => true;

export function startLive(onEvent, checkSession) {
  handler = onEvent;
  stillSignedIn = checkSession;
  connect();
}

export function stopLive() {
  clearTimeout(retry);
  if (source) source.close();
  source = null;
  lastId = null;
  dropped = false;
  setState("");
}

function connect() {
  const url = lastId === null ? "/inbox/api/events" : `/inbox/api/events?since=${encodeURIComponent(lastId)}`;
  source = new EventSource(url);
  source.addEventListener("open", () => {
    setState("on");
    // Back after a cut without any event id to resume from (nothing had happened yet, or
    // the server gave none): what happened meanwhile is fetched again instead.
    if (dropped && lastId === null) handler("reset", {});
    dropped = false;
  });
  source.addEventListener("error", () => {
    dropped = true;
    setState("off");
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      clearTimeout(retry);
      retry = setTimeout(async () => {
        if (await stillSignedIn()) connect();
      }, 3000);
    }
  });
  for (const type of EVENTS) {
    source.addEventListener(type, (event) => {
      if (event.lastEventId) lastId = event.lastEventId;
      if (type === "ready") return;
      let data = {};
      try {
        data = JSON.parse(event.data || "{}");
      } catch {
        data = {};
      }
      handler(type, data);
    });
  }
}

function setState(value) {
  const node = $("live-state");
  node.className = `live ${value}`;
  node.textContent = value ? t(value === "on" ? "live_on" : "live_off") : "";
  node.dataset.state = value;
}
