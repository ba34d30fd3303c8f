// What the page knows: the signed-in user, the list being shown, the open conversation.
// The server's clock is the reference for "time left" (it may differ from the browser's).

export const state = {
  me: null,
  list: {
    folder: "all",
    status: "open",
    pageId: "",
    label: "",
    assigneeId: "",
    q: "",
    rows: [],
    cursor: null,
    selected: -1,
  },
  openId: null,
  view: null,
  clockOffset: 0,
};

/** Remember the server's "now" (ISO) from an answer that carries one. */
export function noteServerNow(iso) {
  const server = iso ? Date.parse(iso) : NaN;
  if (!Number.isNaN(server)) state.clockOffset = server - Date.now();
}

export function serverNow() {
  return Date.now() + state.clockOffset;
}

/** Run ``task`` once, ``delay`` ms after the last call (live events come in bursts). */
export function debounce(task, delay = 150) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => task(...args), delay);
  };
}
