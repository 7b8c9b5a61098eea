// The signer's page (/sign/{token}): identity, reading every page, placing the seal, consent,
// the SMS intent code, signing; phone first. No inline scripts or handlers (strict CSP).
import { applyTexts, beijing, currentLang, loadMessages, t, wireSwitch } from "./i18n.js";
import { toPlacement } from "./pagegeom.js";
import { clamp, qrZone, wireSealDrag } from "./sealdrag.js";

const token = location.pathname.split("/").pop();
const base = `/api/signing/invite/${token}`;
const el = (id) => document.getElementById(id);
const show = (id, on = true) => el(id).classList.toggle("hidden", !on);
const lang = currentLang();

let state = null;
let seal = null; // {page, x, y}: the seal's top-left corner as fractions of its page; null until placed
let sealAspect = 1; // height / width of the seal image
const SEAL_WIDTH = 0.22; // of the page's width
let poll = null;
let resendTimer = null;

// ---- requests: every one shows a busy button and reports its refusal in words ----

class Refusal extends Error {
  constructor(status, body) {
    super(body?.error ? body.error.message : String(status));
    this.status = status;
    this.code = body?.error ? body.error.code : null;
    this.details = body?.error ? body.error.details : null;
  }
}

function newIdempotencyKey() {
  // getRandomValues works on plain-http deployments too (randomUUID needs a secure context).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Answers after which the same keyed POST, sent again, is applied at most once.
const retrySafe = (status, code) =>
  status === 0 || (status === 503 && ["service_unavailable", "upstream_outcome_unknown"].includes(code));

// A POST is one action of the signer: it carries an Idempotency-Key, so a dropped connection
// is retried (twice at most) without signing, sending an amount or declining twice.
async function call(path, body) {
  const init = { method: body === undefined ? "GET" : "POST", headers: { "accept-language": lang } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.headers["Idempotency-Key"] = newIdempotencyKey();
    init.body = JSON.stringify(body);
  }
  for (let attempt = 1; ; attempt++) {
    let r;
    let j = null;
    try {
      r = await fetch(base + path, init);
    } catch (_e) {
      r = null;
    }
    if (r) {
      try {
        j = await r.json();
      } catch (_e) {
        j = null;
      }
      if (r.ok) return j;
    }
    const status = r ? r.status : 0;
    if (body !== undefined && attempt < 3 && retrySafe(status, j?.error?.code)) {
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      continue;
    }
    if (!r) throw new Refusal(0, { error: { message: t("common.network"), code: "network" } });
    throw new Refusal(r.status, j);
  }
}

function message(text, kind = "err") {
  el("err").textContent = kind === "err" ? text : "";
  el("ok").textContent = kind === "ok" ? text : "";
}

// Run `work` with `button` disabled and spinning; show a refusal in `where`.
async function busy(button, work, where = "err") {
  if (button.disabled) return undefined;
  button.disabled = true;
  button.classList.add("busy");
  button.setAttribute("aria-busy", "true");
  if (where === "err") message("");
  else el(where).textContent = "";
  try {
    return await work();
  } catch (e) {
    const text = e instanceof Refusal ? e.message : t("common.network");
    if (where === "err") message(text);
    else el(where).textContent = text;
    markField(e);
    return undefined;
  } finally {
    button.disabled = false;
    button.classList.remove("busy");
    button.removeAttribute("aria-busy");
  }
}

function markField(e) {
  const field = e?.details?.field;
  if (!field) return;
  const input = document.querySelector(`[name="${field}"]`);
  if (input) {
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }
}

// Required fields of a form: mark the empty ones and name them.
function missing(form) {
  const empty = [...form.querySelectorAll("input")].filter((i) => !i.value.trim());
  for (const i of form.querySelectorAll("input")) i.removeAttribute("aria-invalid");
  for (const i of empty) i.setAttribute("aria-invalid", "true");
  if (!empty.length) return false;
  const names = empty.map((i) => t(`field.${i.name}`));
  message(t("field.required", { field: names.join(lang === "en" ? ", " : "、") }));
  empty[0].focus();
  return true;
}

// ---- rendering the state ----

function setStep(step) {
  const order = ["identity", "sign", "done"];
  for (const li of el("steps").children) {
    const i = order.indexOf(li.dataset.step),
      at = order.indexOf(step);
    li.classList.toggle("current", i === at);
    li.classList.toggle("done", i < at);
  }
}

async function load() {
  state = await call("");
  render();
}

function render() {
  const s = state.signer,
    st = s.status,
    env = state.envelope;
  show("loading", false);
  el("firm").textContent = state.firm_name;
  el("sender").textContent = state.sender_name || "—";
  el("signerName").textContent = s.name;
  el("expires").textContent = beijing(state.expires_at) + (lang === "en" ? " (Beijing time)" : "（北京时间）");
  show("sandbox", state.sandbox || state.sms_sandbox);
  el("sandboxText").textContent = t(s.kind === "enterprise" ? "sandbox.enterprise" : "sandbox.individual");
  const open = env.status === "prepared";
  const closed = !open && st !== "signed";
  show("closed", closed);
  if (closed) {
    const why = st === "declined" ? "declined" : env.status === "declined" ? "declined_other" : env.status;
    el("closedTitle").textContent = t(`closed.${why}`);
    el("closedText").textContent = t("closed.text");
  }
  const identity = open && !["verified", "signed", "declined"].includes(st);
  show("ind", identity && s.kind === "individual" && st !== "id_checked");
  show("face", identity && s.kind === "individual" && st === "id_checked");
  show("faceFailed", state.face_status === "failed");
  show("ent", identity && s.kind === "enterprise" && st !== "id_checked");
  show("amt", identity && s.kind === "enterprise" && st === "id_checked");
  if (s.kind === "enterprise" && st === "id_checked") renderDeposit();
  const sealing = open && st === "verified";
  show("sealStep", sealing);
  show("actionbar", sealing);
  if (sealing) setupPages();
  show("done", st === "signed");
  if (st === "signed") renderDone();
  show("declineCard", state.can_decline);
  setStep(st === "signed" ? "done" : st === "verified" ? "sign" : "identity");
}

function renderDeposit() {
  const d = state.deposit;
  if (!d) return;
  el("amtIntro").textContent = t("amt.intro", { account: maskAccount(el("acct").value) });
  show("bankNotice", !!d.sandbox_amount);
  el("bankAmount").textContent = d.sandbox_amount || "";
  el("bankSentAt").textContent = d.sent_at ? t("amt.sent_at", { time: beijing(d.sent_at, true) }) : "";
  el("budget").textContent =
    t("amt.budget", { left: d.remaining_today, limit: d.daily_limit }) +
    (d.status === "open" ? ` ${t("amt.attempts", { n: d.attempts_left })}` : "");
  el("again").disabled = d.remaining_today <= 0;
}

function maskAccount(v) {
  const digits = (v || "").replace(/\s/g, "");
  return digits.length > 4 ? `****${digits.slice(-4)}` : lang === "en" ? "on file" : "";
}

function renderDone() {
  const ready = state.signed_document_ready;
  el("doneText").textContent =
    (state.signer.signed_at ? `${t("done.signed_at", { time: beijing(state.signer.signed_at) })} ` : "") +
    t(ready ? "done.ready" : "done.waiting");
  show("dl", ready);
  el("dl").href = `${base}/document.pdf`;
  if (!ready && !poll) {
    // the firm signs later: look again now and then (short polling), and stop once it has
    poll = setInterval(async () => {
      try {
        state = await call("");
        if (state.signed_document_ready) {
          clearInterval(poll);
          poll = null;
          render();
        }
      } catch (_e) {
        /* try again on the next tick */
      }
    }, 10000);
  }
}

// ---- the document: every page in one scrolling column; tap to place, drag to adjust ----

let pagesBuilt = false;

function setupPages() {
  if (pagesBuilt) return;
  pagesBuilt = true;
  const total = state.pages.length;
  el("sealIntro").textContent = t("seal.intro", { pages: total });
  const box = el("pages");
  state.pages.forEach((p, i) => {
    const page = document.createElement("div");
    page.className = "page";
    page.dataset.index = String(i);
    page.id = `page-${i + 1}`;
    page.style.aspectRatio = `${p.width} / ${p.height}`;
    const img = document.createElement("img");
    img.className = "doc";
    img.alt = t("seal.page_alt", { n: i + 1, total });
    img.loading = i < 2 ? "eager" : "lazy";
    img.draggable = false;
    img.src = `${base}/pages/${i + 1}.png`;
    const z = qrZone(p),
      zone = document.createElement("div");
    zone.className = "qr-zone";
    Object.assign(zone.style, {
      left: `${z.left * 100}%`,
      top: `${z.top * 100}%`,
      width: `${z.width * 100}%`,
      height: `${z.height * 100}%`,
    });
    const label = document.createElement("span");
    label.textContent = t("seal.qr");
    zone.append(label);
    const no = document.createElement("div");
    no.className = "pno";
    no.textContent = `${i + 1} / ${total}`;
    page.append(img, zone, no);
    // a tap (a click: never a swipe, which scrolls) puts the seal where the finger was
    page.addEventListener("click", (e) => {
      if (e.target.classList.contains("seal")) return;
      const r = page.getBoundingClientRect();
      const w = SEAL_WIDTH,
        h = (SEAL_WIDTH * sealAspect * r.width) / r.height;
      placeSeal(
        i,
        clamp((e.clientX - r.left) / r.width - w / 2, 0, 1 - w),
        clamp((e.clientY - r.top) / r.height - h / 2, 0, 1 - h),
      );
    });
    box.append(page);
  });
  const img = new Image();
  img.onload = () => {
    sealAspect = img.naturalHeight / img.naturalWidth || 1;
  };
  img.src = `${base}/seal.png`;
  updateWhy();
}

function sealEl() {
  let s = el("seal");
  if (!s) {
    s = document.createElement("img");
    s.id = "seal";
    s.className = "seal";
    s.alt = t("seal.seal_alt");
    s.draggable = false;
    s.src = `${base}/seal.png`;
    wireDrag(s);
  }
  return s;
}

function placeSeal(page, x, y) {
  message("");
  seal = { page, x, y };
  const s = sealEl(),
    host = el(`page-${page + 1}`);
  if (s.parentElement !== host) host.append(s);
  Object.assign(s.style, { left: `${x * 100}%`, top: `${y * 100}%`, width: `${SEAL_WIDTH * 100}%` });
  updateWhy();
}

// Dragging the placed seal: only the seal itself takes the touch (touch-action: none on it).
function wireDrag(s) {
  wireSealDrag([s], {
    target: () => (seal ? { image: s.parentElement, page: state.pages[seal.page] } : null),
    size: () => ({ width: s.offsetWidth, height: s.offsetHeight }),
    onMove: (l) => placeSeal(seal.page, l.place.left, l.place.top),
  });
}

function updateWhy() {
  el("why").textContent = seal ? t("seal.placed", { page: seal.page + 1 }) : t("seal.why_place");
  el("signBtn").disabled = !seal;
  el("signBtn").title = seal ? "" : t("seal.why_place");
}

function placement() {
  const s = el("seal"),
    host = s.parentElement.getBoundingClientRect();
  const rect = { left: seal.x, top: seal.y, width: s.offsetWidth / host.width, height: s.offsetHeight / host.height };
  return toPlacement(state.pages[seal.page], rect);
}

function jump() {
  // to the placed seal, else to the last page (where contracts are signed)
  const target = seal ? el("seal") : el(`page-${state.pages.length}`);
  target.scrollIntoView({ behavior: "smooth", block: "center" });
}

// ---- consent and the SMS intent code, then the signature ----

function openConfirm() {
  if (!seal) {
    message(t("seal.why_place"));
    return;
  }
  el("consentText").textContent = t("consent.text", { name: state.signer.name, title: state.envelope.title });
  el("intentText").textContent = t("intent.text", { mobile: state.signer.mobile_masked || "—" });
  el("dlgErr").textContent = "";
  el("consent").checked = false;
  if (!(state.intent && state.intent.status === "confirmed")) el("code").value = "";
  renderIntent();
  el("confirmDlg").showModal();
}

function renderIntent() {
  const it = state.intent;
  const code = it?.sandbox_code;
  show("smsSandbox", !!code);
  el("smsCode").textContent = code || "";
  clearInterval(resendTimer);
  const btn = el("codeBtn");
  const tick = () => {
    const wait = it?.resend_at ? Math.ceil((new Date(it.resend_at) - Date.now()) / 1000) : 0;
    if (wait > 0 && it.status === "open") {
      btn.disabled = true;
      btn.textContent = t("intent.resend", { s: wait });
    } else {
      btn.disabled = false;
      btn.textContent = t(it && it.status !== "none" ? "intent.resend_now" : "intent.send");
      clearInterval(resendTimer);
    }
  };
  tick();
  resendTimer = setInterval(tick, 1000);
}

async function sendCode() {
  await busy(
    el("codeBtn"),
    async () => {
      const r = await call("/intent/request", {});
      state = await call("");
      el("dlgErr").textContent = "";
      el("intentText").textContent = t("intent.sent", { mobile: r.mobile_masked });
      el("code").focus();
    },
    "dlgErr",
  );
  renderIntent();
}

async function confirmAndSign() {
  if (!el("consent").checked) {
    el("dlgErr").textContent = t("consent.required");
    return;
  }
  const code = el("code").value.trim();
  if (!/^\d{6}$/.test(code)) {
    el("dlgErr").textContent = t("intent.required");
    el("code").setAttribute("aria-invalid", "true");
    return;
  }
  el("code").removeAttribute("aria-invalid");
  const btn = el("confirmBtn");
  el("cancelBtn").disabled = true;
  await busy(
    btn,
    async () => {
      await call("/intent/confirm", { code });
      try {
        await call("/sign", placement());
      } finally {
        state = await call("");
      }
      el("confirmDlg").close();
      render();
      window.scrollTo(0, 0);
    },
    "dlgErr",
  );
  el("cancelBtn").disabled = false;
  if (el("confirmDlg").open && state.intent && state.intent.status === "confirmed" && el("dlgErr").textContent) {
    // the code was right but the seal was refused (e.g. on the QR code): move the seal, sign again
    el("confirmDlg").close();
    message(el("dlgErr").textContent);
  }
}

// ---- wiring ----

async function main() {
  await loadMessages(lang);
  applyTexts(document);
  wireSwitch(el("lang"));
  el("indForm").addEventListener("submit", (e) => {
    e.preventDefault();
    if (missing(el("indForm"))) return;
    busy(el("indBtn"), async () => {
      await call("/verify/individual", {
        name: el("name").value,
        id_number: el("idno").value,
        mobile: el("mobile").value,
      });
      await load();
    });
  });
  el("faceBtn").addEventListener("click", () =>
    busy(el("faceBtn"), async () => {
      const r = await call("/face/session", {});
      location.assign(r.redirect_url);
    }),
  );
  el("entForm").addEventListener("submit", (e) => {
    e.preventDefault();
    if (missing(el("entForm"))) return;
    busy(el("entBtn"), async () => {
      await call("/verify/enterprise", {
        company_name: el("cname").value,
        credit_code: el("ccode").value,
        legal_representative: el("legal").value,
        bank_account_number: el("acct").value,
      });
      await call("/deposit/request", {});
      await load();
    });
  });
  el("amtForm").addEventListener("submit", (e) => {
    e.preventDefault();
    if (missing(el("amtForm"))) return;
    busy(el("amtBtn"), async () => {
      try {
        await call("/deposit/confirm", { amount: el("amount").value });
      } finally {
        state = await call("");
        render();
      }
    });
  });
  el("again").addEventListener("click", () => {
    el("againText").textContent = t("amt.again_text", { left: state.deposit ? state.deposit.remaining_today : 0 });
    el("againDlg").showModal();
  });
  el("againCancel").addEventListener("click", () => el("againDlg").close());
  el("againBtn").addEventListener("click", () =>
    busy(el("againBtn"), async () => {
      el("againDlg").close();
      await call("/deposit/request", {});
      el("amount").value = "";
      await load();
      message(t("amt.again_done"), "ok");
    }),
  );
  el("jumpBtn").addEventListener("click", jump);
  el("signBtn").addEventListener("click", openConfirm);
  el("codeBtn").addEventListener("click", sendCode);
  el("confirmBtn").addEventListener("click", confirmAndSign);
  el("cancelBtn").addEventListener("click", () => el("confirmDlg").close());
  el("confirmDlg").addEventListener("close", () => clearInterval(resendTimer));
  el("declineOpen").addEventListener("click", () => {
    el("declineErr").textContent = "";
    el("declineDlg").showModal();
  });
  el("declineCancel").addEventListener("click", () => el("declineDlg").close());
  el("declineBtn").addEventListener("click", () => {
    if (!el("reason").value.trim()) {
      el("reason").setAttribute("aria-invalid", "true");
      el("declineErr").textContent = t("field.required", { field: t("field.reason") });
      return;
    }
    busy(
      el("declineBtn"),
      async () => {
        await call("/decline", { reason: el("reason").value });
        el("declineDlg").close();
        await load();
        message(t("decline.done"), "ok");
      },
      "declineErr",
    );
  });
  for (const input of document.querySelectorAll("input, textarea")) {
    input.addEventListener("input", () => input.removeAttribute("aria-invalid"));
  }
  try {
    await load();
  } catch (e) {
    show("loading", false);
    message(e.message);
  }
}

main();
