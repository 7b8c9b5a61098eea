// lexseal web client: login, role-based navigation, hash routing, notifications.

import * as addressBook from "./addresses.js";
import { api, get, hooks, post, revokeBlobUrls, setToken, token } from "./api.js";
import * as contracts from "./contracts.js";
import * as firm from "./firmsign.js";
import { langSwitch, t } from "./i18n.js";
import * as letteradmin from "./letteradmin.js";
import * as letters from "./letters.js";
import * as review from "./review.js";
import { bellIcon, busy, errorBox, fill, fmtTime, go, h, loading, showError } from "./ui.js";

const state = { me: null };
const main = () => document.getElementById("main");

// route pattern → {roles, render(params, me)}; first match wins
const ROUTES = [
  ["contracts", ["lawyer"], contracts.list],
  ["contracts/new", ["lawyer"], contracts.create],
  ["contracts/:id", ["lawyer", "risk_control", "admin"], contracts.detail],
  ["review", ["risk_control", "admin"], review.queue],
  ["review/:id", ["risk_control", "admin"], review.item],
  ["firm-sign", ["risk_control"], firm.list],
  ["firm-sign/:contract", ["risk_control"], firm.screen],
  ["letters", ["lawyer"], letters.list],
  ["letters/new", ["lawyer"], letters.create],
  ["letters/:id", ["lawyer", "letter_admin", "admin"], letters.detail],
  ["letters/:id/edit", ["lawyer"], letters.edit],
  ["addresses", ["lawyer"], addressBook.addresses],
  ["letter-queue", ["letter_admin", "admin"], letteradmin.queue],
  ["notifications", null, notificationsScreen],
];

const NAV = [
  ["contracts", t("app.contracts"), ["lawyer"]],
  ["review", t("app.review"), ["risk_control", "admin"]],
  ["firm-sign", t("app.firm_seal"), ["risk_control"]],
  ["letters", t("app.letters"), ["lawyer"]],
  ["addresses", t("app.addresses"), ["lawyer"]],
  ["letter-queue", t("app.letter_queue"), ["letter_admin", "admin"]],
];

const ROLE_NAMES = {
  lawyer: t("app.lawyer"),
  risk_control: t("app.risk_control"),
  letter_admin: t("app.letter_admin"),
  admin: t("app.administrator"),
  partner: t("app.partner"),
};

function allowed(roles) {
  return !roles || roles.some((r) => state.me.roles.includes(r));
}

function home() {
  const first = NAV.find(([, , roles]) => allowed(roles));
  return first ? first[0] : "notifications";
}

function match(path) {
  const parts = path.split("/").filter(Boolean);
  for (const [pattern, roles, render] of ROUTES) {
    const pp = pattern.split("/");
    if (pp.length !== parts.length) continue;
    const params = {};
    let ok = true;
    pp.forEach((p, i) => {
      if (p.startsWith(":")) params[p.slice(1)] = decodeURIComponent(parts[i]);
      else if (p !== parts[i]) ok = false;
    });
    if (ok) return { pattern, roles, render, params };
  }
  return null;
}

async function route() {
  if (!state.me) return;
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  if (!path) {
    go(home());
    return;
  }
  const m = match(path);
  revokeBlobUrls();
  for (const a of document.querySelectorAll("#nav a")) {
    a.classList.toggle("active", path === a.dataset.path || path.startsWith(`${a.dataset.path}/`));
  }
  state.seq = (state.seq || 0) + 1;
  const seq = state.seq;
  const el = fill(main(), loading());
  if (!m) {
    fill(el, errorBox(new Error(t("app.page_not_found"))));
    return;
  }
  if (!allowed(m.roles)) {
    fill(el, errorBox(new Error(t("app.your_role_cannot_open_this"))));
    return;
  }
  try {
    const params = { ...m.params, query: new URLSearchParams(query) };
    const view = await m.render(params, state.me);
    if (seq !== state.seq) return; // the user moved on meanwhile
    if (view) fill(el, view);
  } catch (exc) {
    console.error(exc);
    if (seq === state.seq) fill(el, errorBox(exc));
  }
}

// ---- login / shell --------------------------------------------------------------------------

function loginScreen(message) {
  document.body.classList.add("logged-out");
  fill(document.getElementById("nav"));
  fill(document.getElementById("user"));
  const err = h("p.alert.error", { hidden: !message }, message || "");
  const form = h(
    "form.login.card",
    h("h2", t("app.sign_in")),
    h(
      "label.field",
      h("span.lbl", t("app.username")),
      h("input", { name: "username", autocomplete: "username", required: true, autofocus: true }),
    ),
    h(
      "label.field",
      h("span.lbl", t("app.password")),
      h("input", { name: "password", type: "password", autocomplete: "current-password", required: true }),
    ),
    err,
    h("button.primary", { type: "submit" }, t("app.sign_in")),
  );
  form.onsubmit = async (e) => {
    e.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    err.hidden = true;
    try {
      const res = await post("/api/auth/login", {
        username: form.username.value.trim(),
        password: form.password.value,
      });
      setToken(res.access_token);
      await start();
    } catch (exc) {
      err.textContent = exc.message;
      err.hidden = false;
    } finally {
      button.disabled = false;
    }
  };
  fill(main(), form);
}

async function logout() {
  // end the session on the server too: the token stops working at once, not at its expiry
  if (token()) await post("/api/auth/logout").catch(() => {});
  setToken(null);
  state.me = null;
  clearInterval(state.poll);
  history.replaceState(null, "", location.pathname);
  loginScreen();
}

async function start() {
  if (!token()) {
    loginScreen();
    return;
  }
  try {
    state.me = await get("/api/auth/me");
  } catch (exc) {
    setToken(null);
    loginScreen(exc.status === 401 ? t("app.session_expired") : exc.message);
    return;
  }
  document.body.classList.remove("logged-out");
  const me = state.me;
  fill(
    document.getElementById("nav"),
    NAV.filter(([, , roles]) => allowed(roles)).map(([path, text]) =>
      h("a", { href: `#/${path}`, dataset: { path } }, text),
    ),
  );
  const bell = h(
    "button.bell.ghost",
    {
      type: "button",
      title: t("app.notifications"),
      "aria-label": t("app.notifications"),
      onclick: () => toggleNotifications(bell),
    },
    bellIcon(),
    h("span.count", { hidden: true }),
  );
  fill(
    document.getElementById("user"),
    bell,
    h("span.who", me.display_name || me.username, h("small", me.roles.map((r) => ROLE_NAMES[r] || r).join("·"))),
    h("button.ghost", { type: "button", onclick: logout }, t("app.logout")),
  );
  refreshBell();
  clearInterval(state.poll);
  state.poll = setInterval(refreshBell, 30000);
  await route();
}

// ---- notifications --------------------------------------------------------------------------

async function refreshBell() {
  const count = document.querySelector("#user .bell .count");
  if (!count) return;
  try {
    const res = await get("/api/notify/notifications?unread=true&limit=200");
    count.textContent = res.count > 99 ? "99+" : String(res.count);
    count.hidden = res.count === 0;
  } catch {
    count.hidden = true; // notifications are a convenience; never block the screen on them
  }
}

function notificationLink(n) {
  if (n.subject_type === "contract") {
    return state.me.roles.includes("risk_control") && n.kind?.includes("counterparty_signed")
      ? `firm-sign/${n.subject_id}`
      : `contracts/${n.subject_id}`;
  }
  if (n.subject_type === "review_round" || n.subject_type === "review") return `review/${n.subject_id}`;
  if (n.subject_type === "letter") return `letters/${n.subject_id}`;
  return null;
}

function notificationRow(n, after) {
  const link = notificationLink(n);
  const row = h(
    `li.note${n.read_at ? ".read" : ""}`,
    h("div.note-title", n.title),
    h("div.note-body", n.body),
    h("div.note-meta", fmtTime(n.created_at)),
  );
  row.onclick = async () => {
    if (!n.read_at) {
      try {
        await api("POST", `/api/notify/notifications/${n.id}/read`);
        n.read_at = new Date().toISOString();
        row.classList.add("read");
        refreshBell();
      } catch (exc) {
        showError(exc);
      }
    }
    if (link) {
      after?.();
      go(link);
    }
  };
  return row;
}

function toggleNotifications(bell) {
  const existing = document.getElementById("note-panel");
  if (existing) {
    existing.remove();
    return;
  }
  const list = h("ul.notes", loading());
  const panel = h(
    "div#note-panel.popover",
    h(
      "header",
      h("b", t("app.notifications")),
      h("a", { href: "#/notifications", onclick: () => panel.remove() }, t("app.all")),
    ),
    list,
  );
  bell.after(panel);
  const close = (e) => {
    if (!panel.contains(e.target) && e.target !== bell && !bell.contains(e.target)) {
      panel.remove();
      document.removeEventListener("click", close, true);
    }
  };
  document.addEventListener("click", close, true);
  get("/api/notify/notifications?limit=20")
    .then((res) => {
      fill(
        list,
        res.data.length
          ? res.data.map((n) => notificationRow(n, () => panel.remove()))
          : h("li.muted", t("app.no_notifications")),
      );
    })
    .catch((exc) => fill(list, h("li", errorBox(exc))));
}

async function notificationsScreen() {
  const res = await get("/api/notify/notifications?limit=200");
  const unread = res.data.filter((n) => !n.read_at);
  const markAll = h("button", { type: "button", disabled: !unread.length }, t("app.mark_all_read"));
  markAll.onclick = () =>
    busy(markAll, async () => {
      for (const n of unread) await api("POST", `/api/notify/notifications/${n.id}/read`);
      refreshBell();
      route();
    });
  return h(
    "section",
    h("div.page-head", h("h2", t("app.notifications")), markAll),
    h(
      "ul.notes.card",
      res.data.length ? res.data.map((n) => notificationRow(n)) : h("li.muted", t("app.no_notifications")),
    ),
  );
}

// ---- boot -----------------------------------------------------------------------------------

// the page's fixed texts, and the language switch (always shown, signed in or not)
document.title = t("app.title");
document.querySelector("#top .brand small").textContent = t("app.tagline");
document.getElementById("nav").setAttribute("aria-label", t("app.main_nav"));
document.getElementById("top").append(langSwitch());

hooks.onUnauthorized = () => {
  if (state.me) {
    state.me = null;
    setToken(null);
    clearInterval(state.poll);
    loginScreen(t("app.session_expired_please_sign_in"));
  }
};
window.addEventListener("hashchange", route);
window.addEventListener("lexseal:refresh", route);
window.addEventListener("lexseal:bell", refreshBell);
start();
