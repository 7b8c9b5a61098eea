// The web client's language: Chinese by default, English when chosen with the switch in the header.
// One message catalogue per language (i18n/zh.json, i18n/en.json); t("key", {name}) looks a text up.
// The choice is remembered in a cookie (which the signer, verify and share pages read too) and in
// localStorage, and sent as Accept-Language so that the API's error messages follow it.

const KEY = "lexseal.lang";
const COOKIE = /(?:^|;\s*)lexseal_lang=(zh|en)/;

/** The chosen language, "zh" or "en": the cookie first (server-rendered pages set it too), then storage. */
export function currentLang() {
  const m = document.cookie.match(COOKIE);
  let chosen = m ? m[1] : null;
  if (!chosen) {
    try {
      chosen = localStorage.getItem(KEY);
    } catch {
      /* storage may be blocked */
    }
  }
  return chosen === "en" ? "en" : "zh";
}

/** Remember a language for this client and every public page of the same site. */
export function setLang(value) {
  const chosen = value === "en" ? "en" : "zh";
  try {
    localStorage.setItem(KEY, chosen);
  } catch {
    /* the cookie still keeps it */
  }
  // biome-ignore lint/suspicious/noDocumentCookie: the servers read it; CookieStore is not in every browser
  document.cookie = `lexseal_lang=${chosen};path=/;max-age=31536000;samesite=lax`;
}

export const lang = currentLang();

// loaded before any module that imports this one runs: labels built at module level are translated
const catalogue = await fetch(new URL(`./i18n/${lang}.json`, import.meta.url)).then((r) => r.json());
document.documentElement.lang = lang === "en" ? "en" : "zh-CN";

/** The text of `key` in the chosen language; `{name}` placeholders are filled from `vars`. */
export function t(key, vars) {
  let text = Object.hasOwn(catalogue, key) ? catalogue[key] : key;
  if (vars) {
    for (const [k, v] of Object.entries(vars)) text = text.split(`{${k}}`).join(String(v));
  }
  return text;
}

/** The Accept-Language header every API call sends: the server answers its errors in it. */
export function acceptLanguage() {
  return lang === "en" ? "en" : "zh-CN,zh;q=0.9";
}

/** The header's switch: names the other language; choosing it remembers it and reloads. */
export function langSwitch() {
  const other = lang === "en" ? "zh" : "en";
  const button = document.createElement("button");
  button.type = "button";
  button.id = "lang";
  button.className = "ghost lang";
  button.lang = other === "en" ? "en" : "zh-CN";
  button.textContent = other === "en" ? "English" : "中文";
  button.title = t("app.language");
  button.addEventListener("click", () => {
    setLang(other);
    location.reload();
  });
  return button;
}

/** A server record's text in the chosen language: `pick(item, "label")` reads label_en or label_zh. */
export function pick(item, base) {
  return (lang === "en" && item[`${base}_en`]) || item[`${base}_zh`] || item[`${base}_en`] || "";
}
