// The JSON API under /inbox/api/ (docs/inbox-api.md): the session cookie rides along, every
// change carries the CSRF token, errors become ApiError with the server's code.

const BASE = "/inbox/api";
let csrfToken = "";
const unauthenticatedListeners = [];

export class ApiError extends Error {
  constructor(status, code, message, extra = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.extra = extra;
  }
}

export function setCsrfToken(token) {
  csrfToken = token || "";
}

/** Called when the server says the session is gone (401 on an endpoint that needs one). */
export function onUnauthenticated(listener) {
  unauthenticatedListeners.push(listener);
}

export async function request(method, path, body = undefined, { query = null } = {}) {
  let url = BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [name, value] of Object.entries(query)) {
      if (value !== null && value !== undefined && value !== "") params.set(name, String(value));
    }
    const text = params.toString();
    if (text) url += "?" + text;
  }
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, "network", "network");
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    const { code = "error", message = response.statusText, ...extra } = error;
    if (response.status === 401 && code === "unauthenticated") {
      for (const listener of unauthenticatedListeners) listener();
    }
    throw new ApiError(response.status, code, message, extra);
  }
  return data;
}

export const get = (path, query) => request("GET", path, undefined, { query });
export const post = (path, body = {}) => request("POST", path, body);
export const patch = (path, body) => request("PATCH", path, body);
export const del = (path) => request("DELETE", path);
