// Team and saved replies: every member sees the team and manages the saved replies; owners
// and admins also invite people (the link goes by e-mail or to the server's log, never here).

import { del, get, post } from "./api.js";
import { $, fill, h } from "./dom.js";
import { t, when } from "./i18n.js";
import { serverNow, state } from "./state.js";

let hooks = { onError: () => {} };

function manages() {
  return ["owner", "admin"].includes(state.me?.workspace?.role);
}

export function setUpSettings(options) {
  hooks = options;
  $("settings-button").addEventListener("click", openSettings);
  $("saved-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("saved-name").value.trim();
    const text = $("saved-text").value.trim();
    if (!name || !text) return;
    try {
      await post("/saved-replies", { name, text });
      $("saved-name").value = "";
      $("saved-text").value = "";
      await renderSaved();
      hooks.onSavedChanged();
    } catch (error) {
      hooks.onError(error);
    }
  });
  $("invite-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const email = $("invite-email").value.trim();
    if (!email) return;
    try {
      await post("/invitations", { email, role: $("invite-role").value });
      $("invite-email").value = "";
      $("settings-message").textContent = t("invited", { email });
      await renderInvitations();
    } catch (error) {
      hooks.onError(error);
    }
  });
}

async function openSettings() {
  $("settings-message").textContent = "";
  $("invite-form").hidden = !manages();
  const dialog = $("settings-dialog");
  if (!dialog.open) dialog.showModal();
  try {
    await Promise.all([renderSaved(), renderMembers(), renderInvitations()]);
  } catch (error) {
    hooks.onError(error);
  }
}

async function renderSaved() {
  const answer = await get("/saved-replies");
  fill(
    $("saved-list"),
    answer.data.map((reply) =>
      h(
        "li",
        {},
        h("span", {}, h("strong", { text: reply.name }), " — ", reply.text),
        h(
          "button",
          {
            type: "button",
            "aria-label": t("saved_delete", { name: reply.name }),
            onclick: async () => {
              try {
                await del(`/saved-replies/${reply.id}`);
                await renderSaved();
                hooks.onSavedChanged();
              } catch (error) {
                hooks.onError(error);
              }
            },
          },
          t("delete"),
        ),
      ),
    ),
  );
}

async function renderMembers() {
  const answer = await get("/members");
  fill(
    $("member-list"),
    answer.data.map((m) =>
      h("li", {
        text: t("member_line", { name: m.name || "—", email: m.email, role: t(`role_${m.role}`) }),
      }),
    ),
  );
}

async function renderInvitations() {
  if (!manages()) {
    fill($("invitation-list"));
    return;
  }
  const answer = await get("/invitations");
  const now = serverNow();
  fill(
    $("invitation-list"),
    answer.data.map((invitation) => {
      const values = {
        email: invitation.email,
        role: t(`role_${invitation.role}`),
        time: when(invitation.expires_at, now),
      };
      return h("li", {
        text: invitation.accepted_at
          ? t("invitation_accepted", values)
          : t("invitation_line", values),
      });
    }),
  );
}
