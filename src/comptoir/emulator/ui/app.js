// The emulator's phone page: chat with a Page as a customer, through the control API.
// Every piece of text is set with textContent on elements made by createElement: nothing a
// Page sends can become markup.
"use strict";

(() => {
  const API = "/_emulator";
  const POLL_MS = 1000;

  const state = {
    pages: [],
    page: null,
    people: [],
    person: null,
    items: [],
    rendered: "",
    lastRead: 0,
    busy: false,
  };

  const $ = (id) => document.getElementById(id);

  // ---- helpers ---------------------------------------------------------------------------

  async function api(method, path, body) {
    const init = { method, headers: { Accept: "application/json" } };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(API + path, init);
    let data = null;
    try {
      data = await response.json();
    } catch (_error) {
      data = null;
    }
    if (!response.ok) {
      const message = data && data.error && data.error.message;
      throw new Error(message || `HTTP ${response.status}`);
    }
    return data;
  }

  function el(tag, options = {}, children = []) {
    const node = document.createElement(tag);
    if (options.className) node.className = options.className;
    if (options.text !== undefined && options.text !== null) node.textContent = String(options.text);
    for (const [name, value] of Object.entries(options.attrs || {})) {
      node.setAttribute(name, value);
    }
    if (options.onClick) node.addEventListener("click", options.onClick);
    for (const child of children) {
      if (child) node.append(child);
    }
    return node;
  }

  function isHttpUrl(value) {
    return typeof value === "string" && /^https?:\/\//i.test(value);
  }

  function showError(error) {
    $("status").textContent = error ? String(error.message || error) : "";
  }

  function personPath() {
    return `/pages/${encodeURIComponent(state.page.page_id)}/users/${encodeURIComponent(state.person.psid)}`;
  }

  async function act(action) {
    if (!state.page || !state.person) return null;
    try {
      const answer = await api("POST", `${personPath()}/actions`, action);
      showError(null);
      await refresh();
      return answer;
    } catch (error) {
      showError(error);
      return null;
    }
  }

  function remember() {
    const params = new URLSearchParams();
    if (state.page) params.set("page", state.page.page_id);
    if (state.person) params.set("psid", state.person.psid);
    history.replaceState(null, "", `${location.pathname}?${params}`);
  }

  function fillSelect(select, entries, selected) {
    select.replaceChildren(
      ...entries.map(([value, label]) => {
        const option = el("option", { text: label, attrs: { value } });
        if (value === selected) option.selected = true;
        return option;
      }),
    );
  }

  // ---- loading ---------------------------------------------------------------------------

  async function loadPages(wantedPage) {
    state.pages = (await api("GET", "/pages")).data;
    const wanted = wantedPage || (state.page && state.page.page_id);
    state.page = state.pages.find((p) => p.page_id === wanted) || state.pages[0] || null;
    fillSelect(
      $("page-select"),
      state.pages.map((p) => [p.page_id, p.name]),
      state.page && state.page.page_id,
    );
    $("new-page-form").hidden = state.pages.length > 0;
    $("new-person-button").hidden = !state.page;
  }

  async function loadPeople(wantedPsid) {
    if (!state.page) {
      state.people = [];
      state.person = null;
    } else {
      const path = `/pages/${encodeURIComponent(state.page.page_id)}/users`;
      state.people = (await api("GET", path)).data;
      const wanted = wantedPsid || (state.person && state.person.psid);
      state.person = state.people.find((p) => p.psid === wanted) || state.people[0] || null;
    }
    fillSelect(
      $("person-select"),
      state.people.map((p) => [p.psid, `${p.first_name} ${p.last_name}`]),
      state.person && state.person.psid,
    );
    $("new-person-form").hidden = !(state.page && state.people.length === 0);
    $("conversation").hidden = !state.person;
    remember();
  }

  async function refresh() {
    if (state.busy || !state.page || !state.person) return;
    state.busy = true;
    try {
      const [person, thread] = await Promise.all([
        api("GET", personPath()),
        api("GET", `${personPath()}/thread`),
      ]);
      state.person = person;
      state.items = thread.data;
      render();
      await markRead();
    } catch (error) {
      showError(error);
    } finally {
      state.busy = false;
    }
  }

  // The phone is open: the person reads what the Page sent (a read receipt, like Messenger).
  async function markRead() {
    if (document.visibilityState !== "visible" || state.person.blocked) return;
    const unread = state.items.filter((i) => i.from === "page" && !i.read);
    const newest = Math.max(0, ...unread.map((i) => i.timestamp));
    if (unread.length === 0 || newest <= state.lastRead) return;
    state.lastRead = newest;
    try {
      await api("POST", `${personPath()}/actions`, { type: "read" });
    } catch (error) {
      showError(error);
    }
  }

  // ---- rendering -------------------------------------------------------------------------

  function render() {
    renderHead();
    const signature = JSON.stringify([state.items, state.person.blocked]);
    if (signature === state.rendered) return;
    state.rendered = signature;
    const list = $("thread");
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.replaceChildren(...state.items.map(renderItem));
    if (atBottom || state.items.length < 4) list.scrollTop = list.scrollHeight;
    renderQuickReplies();
    renderGetStarted();
    renderMenu();
  }

  function renderHead() {
    const { page, person } = state;
    $("page-name").textContent = page.name;
    $("page-initial").textContent = (page.name || "?").charAt(0).toUpperCase();
    const window = person.window || {};
    $("window-state").textContent = window.open
      ? `Window open until ${new Date(window.closes).toLocaleString()}`
      : "Window closed";
    $("block-button").textContent = person.blocked ? "Unblock" : "Block";
    $("blocked-note").hidden = !person.blocked;
    $("composer-text").disabled = person.blocked;
    $("send-button").disabled = person.blocked;
  }

  function renderItem(item) {
    const parts = [];
    if (item.text) parts.push(el("div", { className: "bubble" }, [el("p", { text: item.text })]));
    if (item.attachment) parts.push(renderAttachment(item.attachment, item));
    const reaction = item.reactions && item.reactions.user;
    if (reaction) parts.push(el("span", { className: "reaction", text: reactionEmoji(reaction) }));
    if (item.from === "page") {
      parts.push(
        el("button", {
          className: "react-button",
          text: reaction ? "Remove ❤" : "❤ React",
          attrs: { type: "button", "aria-label": "React with love" },
          onClick: () =>
            act(
              reaction
                ? { type: "react", mid: item.mid, action: "unreact" }
                : { type: "react", mid: item.mid, reaction: "love" },
            ),
        }),
      );
    }
    const time = new Date(item.timestamp).toLocaleTimeString();
    parts.push(el("span", { className: "meta", text: time }));
    return el("li", { className: `item ${item.from}`, attrs: { "data-mid": item.mid } }, parts);
  }

  function reactionEmoji(name) {
    const emoji = { love: "❤️", like: "👍", smile: "😆", wow: "😮", sad: "😢", angry: "😠", dislike: "👎" };
    return emoji[name] || name;
  }

  function renderAttachment(attachment, item) {
    const payload = attachment.payload || {};
    switch (attachment.type) {
      case "image":
        if (isHttpUrl(payload.url)) {
          return el("img", { className: "media-image", attrs: { src: payload.url, alt: "Image" } });
        }
        return el("div", { className: "bubble", text: "📷 Image" });
      case "audio":
      case "video":
      case "file": {
        const label = `📎 ${attachment.type}`;
        if (!isHttpUrl(payload.url)) return el("div", { className: "bubble", text: label });
        return el("div", { className: "bubble" }, [
          el("a", { text: label, attrs: { href: payload.url, target: "_blank", rel: "noopener noreferrer" } }),
        ]);
      }
      case "template":
        return renderTemplate(payload, item);
      case "multiple":
        return el("div", { className: "carousel" }, (attachment.attachments || []).map((a) => renderAttachment(a, item)));
      default:
        return el("div", { className: "bubble", text: `[${attachment.type || "attachment"}]` });
    }
  }

  function renderTemplate(payload, item) {
    switch (payload.template_type) {
      case "button":
        return card({ subtitle: payload.text, buttons: payload.buttons });
      case "generic":
        return el("div", { className: "carousel" }, (payload.elements || []).map((e) => card(e)));
      case "media": {
        const element = (payload.elements || [])[0] || {};
        return card({
          title: element.media_type === "video" ? "🎬 Video" : "🖼 Image",
          image_url: isHttpUrl(element.url) && element.media_type !== "video" ? element.url : null,
          buttons: element.buttons,
        });
      }
      case "receipt":
        return renderReceipt(payload);
      case "notification_messages":
      case "one_time_notif_req":
        return renderOptIn(payload, item);
      default:
        return el("div", { className: "bubble", text: `[${payload.template_type || "template"} message]` });
    }
  }

  function card(element) {
    const body = el("div", { className: "body" }, [
      element.title ? el("h3", { text: element.title }) : null,
      element.subtitle ? el("p", { text: element.subtitle }) : null,
    ]);
    const image = isHttpUrl(element.image_url)
      ? el("img", { attrs: { src: element.image_url, alt: element.title || "Image" } })
      : null;
    const buttons = (element.buttons || []).map(renderButton);
    return el("div", { className: "card" }, [
      image,
      body,
      buttons.length ? el("div", { className: "buttons" }, buttons) : null,
    ]);
  }

  function renderButton(button) {
    const title = button.title || button.type;
    if (button.type === "web_url" && isHttpUrl(button.url)) {
      return el("a", { text: title, attrs: { href: button.url, target: "_blank", rel: "noopener noreferrer" } });
    }
    if (button.type === "phone_number" && typeof button.payload === "string") {
      return el("a", { text: `📞 ${title}`, attrs: { href: `tel:${button.payload}` } });
    }
    if (button.type === "postback") {
      return el("button", {
        text: title,
        attrs: { type: "button" },
        onClick: () => act({ type: "postback", payload: button.payload, title: button.title }),
      });
    }
    return el("button", { text: title, attrs: { type: "button", disabled: "" } });
  }

  function renderReceipt(payload) {
    const lines = (payload.elements || []).map((e) => ({
      title: e.title,
      subtitle: `${e.quantity || 1} × ${e.price} ${payload.currency || ""}`,
    }));
    const total = payload.summary ? `${payload.summary.total_cost} ${payload.currency || ""}` : "";
    return el("div", { className: "card" }, [
      el("div", { className: "body" }, [
        el("h3", { text: `Order ${payload.order_number || ""}` }),
        el("p", { text: payload.recipient_name || "" }),
        ...lines.map((l) => el("p", { text: `${l.title}: ${l.subtitle}` })),
        el("p", { text: total ? `Total: ${total}` : "" }),
      ]),
    ]);
  }

  function renderOptIn(payload, item) {
    const optin = item.optin || {};
    const oneTime = payload.template_type === "one_time_notif_req";
    const title = payload.title || (oneTime ? "Notify me" : "Updates and promotions");
    const done = Boolean(optin.opted_in);
    const cta = oneTime ? "Notify Me" : payload.notification_messages_cta_text === "ALLOW" ? "Allow messages" : "Get messages";
    const button = el("button", {
      text: done ? "✓ You'll get these messages" : cta,
      attrs: { type: "button" },
      onClick: () => act({ type: "optin", message_id: item.mid }),
    });
    if (done && !oneTime) button.disabled = true;
    return el("div", { className: "card" }, [
      isHttpUrl(payload.image_url) ? el("img", { attrs: { src: payload.image_url, alt: title } }) : null,
      el("div", { className: "body" }, [
        el("h3", { text: title }),
        el("p", { text: oneTime ? "Get one message when this happens." : "You can stop these at any time." }),
      ]),
      el("div", { className: "buttons" }, [button]),
    ]);
  }

  function renderQuickReplies() {
    const box = $("quick-replies");
    const last = state.items[state.items.length - 1];
    // Quick replies show under the Page's latest message and go away after the next one.
    const replies = last && last.from === "page" && !state.person.blocked ? last.quick_replies || [] : [];
    box.replaceChildren(
      ...replies.map((reply) => {
        const chip = el("button", { attrs: { type: "button" } });
        if (isHttpUrl(reply.image_url)) chip.append(el("img", { attrs: { src: reply.image_url, alt: "" } }));
        let text = reply.title;
        let payload = reply.payload;
        if (reply.content_type === "user_email") {
          text = `${state.person.first_name.toLowerCase()}@example.com`;
          payload = text;
        } else if (reply.content_type === "user_phone_number") {
          text = "+33612345678";
          payload = text;
        }
        chip.append(document.createTextNode(text || payload || ""));
        chip.addEventListener("click", () => act({ type: "message", text, quick_reply_payload: payload }));
        return chip;
      }),
    );
  }

  function renderGetStarted() {
    const getStarted = state.page.profile && state.page.profile.get_started;
    $("get-started").hidden = state.items.length > 0 || state.person.blocked;
    $("get-started-button").dataset.payload = (getStarted && getStarted.payload) || "GET_STARTED";
  }

  function menuEntries() {
    const menus = (state.page.profile && state.page.profile.persistent_menu) || [];
    if (!Array.isArray(menus)) return [];
    const locale = state.person.locale;
    const menu = menus.find((m) => m.locale === locale) || menus.find((m) => m.locale === "default") || menus[0];
    return (menu && menu.call_to_actions) || [];
  }

  function renderMenu() {
    const entries = menuEntries();
    $("menu-button").hidden = entries.length === 0;
    $("menu").replaceChildren(...entries.map(renderButton));
    if (entries.length === 0) $("menu").hidden = true;
  }

  // ---- wiring ----------------------------------------------------------------------------

  function wire() {
    $("page-select").addEventListener("change", async (event) => {
      state.page = state.pages.find((p) => p.page_id === event.target.value) || null;
      state.person = null;
      state.rendered = "";
      await loadPeople();
      await refresh();
    });
    $("person-select").addEventListener("change", async (event) => {
      state.person = state.people.find((p) => p.psid === event.target.value) || null;
      state.rendered = "";
      state.lastRead = 0;
      remember();
      await refresh();
    });
    $("new-person-button").addEventListener("click", () => {
      $("new-person-form").hidden = false;
      $("new-first-name").focus();
    });
    $("new-person-cancel").addEventListener("click", () => {
      $("new-person-form").hidden = state.people.length > 0;
    });
    $("new-person-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const created = await api("POST", `/pages/${encodeURIComponent(state.page.page_id)}/users`, {
          first_name: $("new-first-name").value.trim(),
          last_name: $("new-last-name").value.trim(),
          locale: $("new-locale").value.trim() || "en_US",
        });
        $("new-person-form").reset();
        $("new-person-form").hidden = true;
        state.rendered = "";
        await loadPeople(created.psid);
        await refresh();
        showError(null);
      } catch (error) {
        showError(error);
      }
    });
    $("new-page-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const created = await api("POST", "/pages", { name: $("new-page-name").value.trim() });
        await loadPages(created.page_id);
        await loadPeople();
        showError(null);
      } catch (error) {
        showError(error);
      }
    });
    $("composer").addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = $("composer-text");
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      await act({ type: "message", text });
      input.focus();
    });
    $("get-started-button").addEventListener("click", (event) => {
      act({ type: "postback", payload: event.target.dataset.payload || "GET_STARTED" });
    });
    $("menu-button").addEventListener("click", () => {
      $("menu").hidden = !$("menu").hidden;
    });
    $("block-button").addEventListener("click", () => {
      act({ type: state.person.blocked ? "unblock" : "block" });
    });
    $("stop-button").addEventListener("click", () => act({ type: "stop_marketing" }));
    $("resume-button").addEventListener("click", () => act({ type: "resume_marketing" }));
    $("link-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const ref = $("link-ref").value.trim();
      if (ref) await act({ type: "referral", ref, source: "SHORTLINK" });
    });
    document.addEventListener("visibilitychange", () => refresh());
  }

  async function start() {
    wire();
    const params = new URLSearchParams(location.search);
    try {
      await loadPages(params.get("page"));
      await loadPeople(params.get("psid"));
      await refresh();
    } catch (error) {
      showError(error);
    }
    let tick = 0;
    setInterval(async () => {
      tick += 1;
      if (tick % 5 === 0) {
        // Pages change rarely (profile, new Pages): reload them now and then.
        try {
          await loadPages();
          if (!state.person) await loadPeople();
        } catch (error) {
          showError(error);
        }
      }
      await refresh();
    }, POLL_MS);
  }

  start();
})();
