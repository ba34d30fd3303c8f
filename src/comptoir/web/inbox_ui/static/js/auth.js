// Signing in, asking for a reset link, choosing a new password, accepting an invitation.
// Links carry their token in the fragment (#reset=..., #invite=...); it is read once, sent
// in a JSON body and removed from the address bar.

import { ApiError, post } from "./api.js";
import { $, show } from "./dom.js";
import { t } from "./i18n.js";

let pending = null; // {kind: "reset"|"invite", token, existing}
let onSignedIn = () => {};

export function setUpAuth(signedIn) {
  onSignedIn = signedIn;
  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    await attempt(() =>
      post("/sign-in", { email: $("sign-in-email").value.trim(), password: $("sign-in-password").value }),
    );
  });
  $("forgot-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await post("/password-reset", { email: $("forgot-email").value.trim() });
      say(t("link_sent"));
    } catch (error) {
      say(errorText(error), true);
    }
  });
  $("new-password-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!pending) return;
    const password = $("new-password").value;
    if (pending.kind === "reset") {
      await attempt(() => post("/password-reset/confirm", { token: pending.token, password }));
    } else {
      await attempt(() =>
        post("/invitations/accept", { token: pending.token, name: $("new-name").value.trim(), password }),
      );
    }
  });
}

async function attempt(call) {
  try {
    const me = await call();
    $("sign-in-password").value = "";
    $("new-password").value = "";
    pending = null;
    say("");
    onSignedIn(me);
  } catch (error) {
    say(errorText(error), true);
  }
}

export function errorText(error) {
  if (!(error instanceof ApiError)) return t("error_generic", { message: String(error) });
  if (error.code === "network") return t("error_network");
  if (error.code === "invalid_credentials") return t("error_invalid_credentials");
  if (error.code === "invalid_token") return t("error_invalid_token");
  if (error.code === "throttled") {
    return t("error_throttled", { seconds: Math.ceil(error.extra.retry_after || 1) });
  }
  return t("error_generic", { message: error.message });
}

function say(text, isError = false) {
  const node = $("auth-message");
  node.textContent = text;
  node.classList.toggle("error", isError);
}

/** A token in the address (#reset=… or #invite=…), taken out of it. */
export function takeLinkToken() {
  const match = /^#(reset|invite)=([\w.~-]+)$/.exec(location.hash);
  if (!match) return null;
  history.replaceState(null, "", location.pathname + location.search);
  return { kind: match[1], token: match[2] };
}

/** Show the card: "sign-in", "forgot", or a link's form. */
export async function showAuth(mode = "sign-in", link = null) {
  pending = link;
  show($("sign-in-form"), mode === "sign-in");
  show($("forgot-form"), mode === "forgot");
  show($("new-password-form"), mode === "link");
  $("new-name-field").hidden = true;
  const title = $("auth-title");
  if (mode === "forgot") title.textContent = t("forgot_title");
  else if (mode === "sign-in") title.textContent = t("sign_in_title");
  else if (link.kind === "reset") title.textContent = t("reset_title");
  else {
    try {
      const invite = await post("/invitations/lookup", { token: link.token });
      title.textContent = t("invite_title", {
        workspace: invite.workspace_name,
        role: t(`role_${invite.role}`),
      });
      $("new-name-field").hidden = invite.existing_user;
      if (invite.existing_user) say(t("invite_existing"));
    } catch (error) {
      say(errorText(error), true);
    }
  }
  const first = $("auth-screen").querySelector("form:not([hidden]) input:not([type=hidden])");
  if (first) first.focus();
}
