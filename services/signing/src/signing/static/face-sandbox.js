// The sandbox face-check provider's own page (沙箱): no face is checked. The tester may show the
// phone's camera or the test image, then chooses the result; the sandbox signs its callback.
import { applyTexts, currentLang, loadMessages, t, wireSwitch } from "./i18n.js";

const el = (id) => document.getElementById(id);
const reference = location.pathname.split("/").pop();
const back = new URLSearchParams(location.search).get("return") || "";

async function failed(r) {
  if (!r.ok) {
    const j = await r.json().catch(() => null);
    throw new Error(j?.error ? j.error.message : String(r.status));
  }
}

async function finish(button, passed) {
  button.disabled = true;
  button.classList.add("busy");
  el("err").textContent = "";
  try {
    const lang = { "accept-language": currentLang() };
    const signed = await fetch(`/sign/face-sandbox/${encodeURIComponent(reference)}/result`, {
      method: "POST",
      headers: { "content-type": "application/json", ...lang },
      body: JSON.stringify({ passed }),
    });
    await failed(signed);
    // the sandbox delivers its signed callback to the platform's public route, as a provider would
    const { callback, signature, callback_path: path } = await signed.json();
    await failed(
      await fetch(path, {
        method: "POST",
        headers: { "content-type": "application/json", "x-lexseal-signature": signature, ...lang },
        body: callback,
      }),
    );
    // back to the signer's page only (never to another site)
    const url = new URL(back, location.origin);
    location.assign(url.origin === location.origin && url.pathname.startsWith("/sign/") ? url.href : "/");
  } catch (e) {
    el("err").textContent = e.message;
    button.disabled = false;
    button.classList.remove("busy");
  }
}

async function camera() {
  try {
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } });
    el("video").srcObject = stream;
    el("video").classList.remove("hidden");
    el("testImage").classList.add("hidden");
  } catch (_e) {
    el("err").textContent = t("fs.no_camera");
  }
}

async function main() {
  await loadMessages(currentLang());
  applyTexts(document);
  wireSwitch(el("lang"));
  el("camera").addEventListener("click", camera);
  el("pass").addEventListener("click", () => finish(el("pass"), true));
  el("fail").addEventListener("click", () => finish(el("fail"), false));
}

main();
