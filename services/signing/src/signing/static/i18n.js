// Language for the public pages: Chinese by default, English when chosen; the choice is kept
// (localStorage, and a cookie so that server-rendered pages follow it too).
const KEY = "lexseal.lang";

// the cookie first: the staff client and the letters' share page set it too (the share page
// from the server, without touching this storage)
export function currentLang() {
  const m = document.cookie.match(/(?:^|;\s*)lexseal_lang=(zh|en)/);
  let lang = m ? m[1] : null;
  if (!lang) {
    try {
      lang = localStorage.getItem(KEY);
    } catch (_e) {
      /* storage may be blocked */
    }
  }
  return lang === "en" ? "en" : "zh";
}

export function setLang(lang) {
  try {
    localStorage.setItem(KEY, lang);
  } catch (_e) {
    /* the cookie still keeps it */
  }
  // biome-ignore lint/suspicious/noDocumentCookie: the server reads it; CookieStore is not in every browser
  document.cookie = `lexseal_lang=${lang};path=/;max-age=31536000;samesite=lax`;
}

let catalogue = {};

export async function loadMessages(lang) {
  const r = await fetch(`/sign/assets/i18n/${lang}.json`);
  catalogue = await r.json();
  document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
  return catalogue;
}

// t('key', {name: 'x'}) with {name} placeholders
export function t(key, vars) {
  let text = Object.hasOwn(catalogue, key) ? catalogue[key] : key;
  if (vars) {
    for (const [k, v] of Object.entries(vars)) text = text.split(`{${k}}`).join(String(v));
  }
  return text;
}

export function applyTexts(root) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll("[data-i18n-aria]")) el.setAttribute("aria-label", t(el.dataset.i18nAria));
}

// Beijing time to the minute (or the second), whatever the phone's own zone
export function beijing(iso, seconds) {
  if (!iso) return "";
  const opts = {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  };
  if (seconds) opts.second = "2-digit";
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", opts).formatToParts(new Date(iso)).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}${seconds ? `:${parts.second}` : ""}`;
}

// the switch button: shows the other language, remembers the choice, reloads the page
export function wireSwitch(button) {
  const other = currentLang() === "en" ? "zh" : "en";
  button.textContent = other === "en" ? "English" : "中文";
  button.setAttribute("lang", other === "en" ? "en" : "zh-CN");
  button.addEventListener("click", () => {
    setLang(other);
    location.reload();
  });
}
