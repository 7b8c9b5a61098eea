// Small DOM helpers shared by every screen: elements, messages, labels, forms, dialogs.

import { lang, t } from "./i18n.js";

/** h("div.card#id", {attrs, onclick}, ...children) */
export function h(spec, attrs, ...children) {
  const [, tag = "div", rest = ""] = spec.match(/^([a-z0-9]*)(.*)$/i) || [];
  const el = document.createElement(tag || "div");
  for (const part of rest.match(/[.#][^.#]+/g) || []) {
    if (part[0] === ".") el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs === null || attrs === undefined || Object.getPrototypeOf(attrs) !== Object.prototype) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "style" && typeof v === "object") Object.assign(el.style, v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k in el && typeof v !== "string") el[k] = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replace an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// ---- messages -------------------------------------------------------------------------------

export function toast(message, kind = "ok") {
  // over an open dialog the toast goes into it: the page underneath sits behind its backdrop
  const dlg = document.querySelector("dialog[open]");
  let box = document.getElementById("toasts");
  if (dlg) {
    box = dlg.querySelector(".dialog-toasts") || dlg.appendChild(h("div.dialog-toasts"));
  }
  const note = h(`div.toast.${kind}`, { role: kind === "error" ? "alert" : "status" }, message);
  box.append(note);
  setTimeout(() => note.remove(), kind === "error" ? 8000 : 3500);
}

export function showError(exc) {
  console.error(exc);
  toast(exc?.message || String(exc), "error");
}

/** Run an async action from a button: disable it meanwhile, show the error if it fails. */
export async function busy(button, action) {
  if (button) button.disabled = true;
  try {
    return await action();
  } catch (exc) {
    showError(exc);
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

export function loading() {
  return h("p.muted.loading", t("ui.loading"));
}

export function errorBox(exc) {
  return h("div.alert.error", h("b", t("ui.error")), exc?.message || String(exc));
}

// ---- labels ---------------------------------------------------------------------------------

export const CONTRACT_STATUS = {
  draft: t("ui.draft"),
  submitted: t("ui.submitted"),
  approved: t("ui.approved"),
  rejected: t("ladmin.rejected"),
  withdrawn: t("contract.withdrawn"),
  signing: t("ui.signing"),
  counterparty_signed: t("ui.awaiting_firm_seal"),
  completed: t("ui.completed"),
  declined: t("ui.declined"),
  voided: t("ui.voided"),
  expired: t("ui.expired"),
};

export const LETTER_STATUS = {
  draft: t("ui.draft"),
  submitted: t("ui.submitted_2"),
  rejected: t("ladmin.rejected"),
  withdrawn: t("contract.withdrawn"),
  approved: t("ui.approved_2"),
  sealed: t("ui.sealed"),
  printed: t("ladmin.printed"),
  mailed: t("ladmin.mailed_3"),
  ready_for_pickup: t("ui.ready_for_pick_up"),
  received: t("ladmin.received"),
  picked_up: t("ladmin.picked_up"),
};

export const REVIEW_STATE = {
  pending: t("ui.pending"),
  claimed: t("ui.claimed"),
  approved: t("ui.approved_3"),
  rejected: t("ladmin.rejected"),
  superseded: t("ui.superseded"),
  withdrawn: t("ui.withdrawn"),
};

export const SIGNER_STATUS = {
  pending: t("ui.pending_2"),
  id_checked: t("ui.id_checked"),
  verified: t("ui.verified"),
  signed: t("ui.signed"),
  declined: t("ui.declined_2"),
};

export const ENVELOPE_STATUS = {
  prepared: t("ui.open"),
  completed: t("ui.completed"),
  voided: t("ui.voided"),
  declined: t("ui.declined_2"),
  expired: t("ui.expired"),
};

export const SIGNER_KIND = {
  individual: t("contract.individual"),
  enterprise: t("contract.enterprise"),
  firm: t("ui.firm"),
};

const TONE = {
  draft: "grey",
  withdrawn: "grey",
  voided: "grey",
  expired: "grey",
  submitted: "blue",
  pending: "blue",
  in_review: "blue",
  claimed: "orange",
  superseded: "grey",
  approved: "green",
  sealed: "green",
  completed: "green",
  signed: "green",
  received: "green",
  picked_up: "green",
  rejected: "red",
  declined: "red",
  counterparty_signed: "orange",
  signing: "orange",
  prepared: "orange",
};

/** A coloured status badge in the chosen language. */
export function badge(map, status) {
  return h(`span.badge.${TONE[status] || "blue"}`, { dataset: { status } }, label(map, status));
}

export function label(map, status) {
  return map[status] || status;
}

const SHANGHAI = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** A moment in Asia/Shanghai (the firm's time), to the minute: 2026-12-07 10:22. */
export function fmtTime(value) {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const p = Object.fromEntries(SHANGHAI.formatToParts(d).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

export function fmtAmount(value) {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  return Number.isFinite(n)
    ? `¥${n.toLocaleString(lang === "en" ? "en" : "zh-CN", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`
    : String(value);
}

export function fmtSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function fmtWait(seconds) {
  if (seconds < 3600) return t("ui.minutes", { n: Math.max(1, Math.round(seconds / 60)) });
  if (seconds < 86400) return t("ui.hours", { n: (seconds / 3600).toFixed(1) });
  return t("ui.days", { n: (seconds / 86400).toFixed(1) });
}

// ---- forms ----------------------------------------------------------------------------------

/** A labelled input; `opts.type` may be "textarea" or "select" (with opts.options [[v, text]]). */
export function field(name, label, opts = {}) {
  const { type = "text", options = [], required = false, hint, value, ...rest } = opts;
  let input;
  if (type === "textarea") {
    input = h("textarea", { name, required, rows: rest.rows || 4, ...rest });
    if (value !== undefined && value !== null) input.value = value;
  } else if (type === "select") {
    input = h(
      "select",
      { name, required, ...rest },
      options.map(([v, text]) => h("option", { value: v }, text)),
    );
    if (value !== undefined && value !== null) input.value = value;
  } else {
    input = h("input", { name, type, required, ...rest });
    if (value !== undefined && value !== null) input.value = value;
  }
  return h(
    "label.field",
    h("span.lbl", label, required ? h("i.req", "*") : null),
    input,
    hint ? h("small.hint", hint) : null,
  );
}

/** Read a form's named controls into an object; empty strings become null. */
export function readForm(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name || el.disabled) continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else if (el.type === "radio") {
      if (el.checked) out[el.name] = el.value;
    } else {
      const v = el.value.trim();
      out[el.name] = v === "" ? null : v;
    }
  }
  return out;
}

/** The text of a form control's label (without the required mark), or null. */
function fieldLabel(el) {
  const lbl = el.closest?.("label.field")?.querySelector(".lbl");
  return lbl?.firstChild?.textContent?.trim() || null;
}

/**
 * Mark the fields a 422 error names (pydantic `loc`, or a service's `field`) and focus the first.
 * An error that lists fields is reworded with the form's own labels, in the chosen language,
 * instead of the API's field names (id_number, operator_mobile).
 */
export function markInvalid(form, exc) {
  for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
  const listed = exc?.details?.errors || (Array.isArray(exc?.details) ? exc.details : null);
  const errs = listed || (exc?.details?.field ? [exc.details] : null);
  if (!errs) return;
  let first = null;
  const labels = [];
  for (const e of errs) {
    const name = e.field || (e.loc || []).filter((x) => typeof x === "string" && x !== "body").pop();
    const el = name && form.elements[name];
    if (el?.classList) {
      el.classList.add("invalid");
      el.setAttribute("aria-invalid", "true");
      el.addEventListener(
        "input",
        () => {
          el.classList.remove("invalid");
          el.removeAttribute("aria-invalid");
        },
        { once: true },
      );
      first ??= el;
      const text = fieldLabel(el);
      if (text && !labels.includes(text)) labels.push(text);
    }
  }
  if (listed && labels.length) exc.message = t("ui.check_fields", { fields: labels.join(t("ui.sep")) });
  first?.focus();
}

// ---- dialog ---------------------------------------------------------------------------------

/** Open a modal dialog; returns {close, body}. */
export function modal(title, ...content) {
  const dlg = h(
    "dialog.modal",
    h(
      "header",
      h("h3", title),
      h("button.ghost.x", { type: "button", "aria-label": t("ui.close"), onclick: () => close() }, "×"),
    ),
  );
  const body = h("div.modal-body", content);
  dlg.append(body);
  document.body.append(dlg);
  const close = () => {
    dlg.close();
    dlg.remove();
  };
  dlg.addEventListener("cancel", (e) => {
    e.preventDefault();
    close();
  });
  dlg.showModal();
  return { close, body, dlg };
}

export function confirmDialog(message, okText = t("ui.ok")) {
  return new Promise((resolve) => {
    const ok = h("button.primary", { type: "button" }, okText);
    const cancel = h("button", { type: "button" }, t("contract.cancel"));
    const m = modal(t("ui.confirm"), h("p", message), h("div.actions", cancel, ok));
    ok.onclick = () => {
      m.close();
      resolve(true);
    };
    cancel.onclick = () => {
      m.close();
      resolve(false);
    };
  });
}

/** Ask for a line of text; resolves null on cancel. */
export function promptDialog(title, fields) {
  return new Promise((resolve) => {
    const form = h(
      "form.stack",
      fields,
      h(
        "div.actions",
        h(
          "button",
          {
            type: "button",
            onclick: () => {
              m.close();
              resolve(null);
            },
          },
          t("contract.cancel"),
        ),
        h("button.primary", { type: "submit" }, t("ui.ok")),
      ),
    );
    form.onsubmit = (e) => {
      e.preventDefault();
      const values = readForm(form);
      m.close();
      resolve(values);
    };
    const m = modal(title, form);
  });
}

/** A paged list: calls load(cursor) → {data, next_cursor}; renders rows with `row`. */
export function pagedTable(head, load, row, empty = t("ui.nothing_here")) {
  const tbody = h("tbody");
  const more = h("button.more", { type: "button" }, t("ui.more"));
  const status = h("p.muted");
  const table = h(
    "table.list",
    h(
      "thead",
      h(
        "tr",
        head.map((c) => h("th", c)),
      ),
    ),
    tbody,
  );
  let cursor = null;
  async function next() {
    more.disabled = true;
    status.textContent = t("ui.loading");
    try {
      const page = await load(cursor);
      for (const item of page.data) tbody.append(row(item));
      cursor = page.next_cursor || null;
      status.textContent = tbody.children.length ? "" : empty;
      more.hidden = !cursor;
    } catch (exc) {
      status.textContent = "";
      status.append(errorBox(exc));
    } finally {
      more.disabled = false;
    }
  }
  next();
  return h("div.paged", h("div.table-wrap", table), status, more);
}

// ---- navigation -----------------------------------------------------------------------------

export function go(path) {
  location.hash = `#/${path}`;
}

/** Render the current screen again (after an action changed what it shows). */
export function reload() {
  window.dispatchEvent(new Event("lexseal:refresh"));
  window.dispatchEvent(new Event("lexseal:bell"));
}

let watching = null;

/**
 * Short polling for a screen that waits on another service (sealing, signing, approval):
 * every few seconds ask `key()`; once it differs from `current`, show the screen afresh.
 * Stops when the user leaves the screen; pauses while the tab is hidden or a dialog is open.
 */
export function watch(key, current, everyMs = 3000) {
  clearInterval(watching);
  const screen = location.hash;
  let ticks = 0;
  watching = setInterval(async () => {
    if (location.hash !== screen || ++ticks > 400) {
      clearInterval(watching);
      return;
    }
    if (document.hidden || document.querySelector("dialog[open]")) return;
    try {
      if ((await key()) !== current) {
        clearInterval(watching);
        reload();
      }
    } catch {
      /* the next tick asks again */
    }
  }, everyMs);
}

const BELL =
  "M12 2a6 6 0 0 0-6 6v3.6L4.3 15a1 1 0 0 0 .9 1.5h13.6a1 1 0 0 0 .9-1.5L18 11.6V8a6 6 0 0 0-6-6z" +
  "m0 20a3 3 0 0 0 2.8-2H9.2A3 3 0 0 0 12 22z";

/** The bell icon as inline SVG (no emoji font needed). */
export function bellIcon() {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "20");
  svg.setAttribute("height", "20");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", BELL);
  path.setAttribute("fill", "currentColor");
  svg.append(path);
  return svg;
}
