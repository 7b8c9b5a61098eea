// Same-origin calls to the gateway: bearer token from sessionStorage, lexseal error shape.

import { acceptLanguage, t } from "./i18n.js";

const TOKEN_KEY = "lexseal.token";

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

// Hook the app sets to go back to the login screen when the token is refused.
export const hooks = { onUnauthorized: () => {} };

function headers(extra = {}) {
  const h = { "Accept-Language": acceptLanguage(), ...extra };
  const bearer = token();
  if (bearer) h.Authorization = `Bearer ${bearer}`;
  return h;
}

async function failure(resp) {
  let code = `http_${resp.status}`;
  let message = t("api.failed", { status: resp.status });
  let details = null;
  try {
    const body = await resp.json();
    if (body?.error) {
      code = body.error.code || code;
      message = body.error.message || message;
      details = body.error.details ?? null;
      if (code === "validation_error" && Array.isArray(details) && details.length) {
        const where = details
          .slice(0, 4)
          .map((d) => `${(d.loc || []).filter((x) => x !== "body").join(".")}: ${d.msg}`);
        message = `${message} — ${where.join("; ")}`;
      }
    } else if (body?.detail) {
      // FastAPI's own validation shape, in case a route answers it unwrapped
      message = Array.isArray(body.detail)
        ? body.detail.map((d) => `${(d.loc || []).slice(1).join(".")}: ${d.msg}`).join("; ")
        : String(body.detail);
    }
  } catch {
    /* not JSON */
  }
  if (resp.status === 401 && code !== "invalid_credentials") hooks.onUnauthorized();
  return new ApiError(resp.status, code, message, details);
}

/** A fresh Idempotency-Key: one per user action, reused by that action's retries. */
export function newIdempotencyKey() {
  // getRandomValues works on plain-http deployments too (randomUUID needs a secure context).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

const ATTEMPTS = 3;
const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Answers after which the same request, sent again with the same key, is applied at most
// once: the service was not reached, or the gateway lost its answer to a keyed request.
function retrySafe(err) {
  return (
    err.status === 0 || (err.status === 503 && ["service_unavailable", "upstream_outcome_unknown"].includes(err.code))
  );
}

/** Call the API; JSON in, JSON out. `body` may be an object, FormData or undefined.
 *  A POST carries an Idempotency-Key, so a dropped connection is retried without doing twice
 *  what the user asked once. */
export async function api(method, path, body, { idempotencyKey } = {}) {
  const init = { method, headers: headers() };
  const key = idempotencyKey ?? (method === "POST" ? newIdempotencyKey() : null);
  if (key) init.headers["Idempotency-Key"] = key;
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  for (let attempt = 1; ; attempt++) {
    let resp;
    let err;
    try {
      resp = await fetch(path, init);
      if (!resp.ok) err = await failure(resp);
    } catch (exc) {
      err = new ApiError(0, "network", t("api.network_error_detail", { error: exc.message }), null);
    }
    if (err) {
      if (key && attempt < ATTEMPTS && retrySafe(err)) {
        await wait(500 * attempt);
        continue;
      }
      throw err;
    }
    if (resp.status === 204) return null;
    const type = resp.headers.get("content-type") || "";
    return type.includes("json") ? resp.json() : resp.text();
  }
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body === undefined ? {} : body);
export const put = (path, body) => api("PUT", path, body);
export const patch = (path, body) => api("PATCH", path, body);
export const del = (path) => api("DELETE", path);

/** Fetch a binary resource with the token; returns a Blob. */
export async function blob(path) {
  let resp;
  try {
    resp = await fetch(path, { headers: headers() });
  } catch (exc) {
    throw new ApiError(0, "network", t("api.network_error_detail", { error: exc.message }), null);
  }
  if (!resp.ok) throw await failure(resp);
  return resp.blob();
}

const urls = new Set();

/** Fetch an image (or any file) with the token and return an object URL for it. */
export async function blobUrl(path) {
  const url = URL.createObjectURL(await blob(path));
  urls.add(url);
  return url;
}

/** Forget every object URL made for the previous screen. */
export function revokeBlobUrls() {
  for (const u of urls) URL.revokeObjectURL(u);
  urls.clear();
}

/** Download a protected file under `filename`. */
export async function download(path, filename) {
  const data = await blob(path);
  const url = URL.createObjectURL(data);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}

/** Upload with progress (fetch cannot report upload progress), retried like `api`. */
export async function upload(method, path, form, onProgress) {
  const key = newIdempotencyKey();
  for (let attempt = 1; ; attempt++) {
    try {
      return await uploadOnce(method, path, form, onProgress, key);
    } catch (err) {
      if (attempt < ATTEMPTS && retrySafe(err)) {
        await wait(500 * attempt);
        continue;
      }
      throw err;
    }
  }
}

function uploadOnce(method, path, form, onProgress, key) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    for (const [k, v] of Object.entries(headers({ "Idempotency-Key": key }))) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress?.(e.loaded / e.total);
    xhr.onerror = () => reject(new ApiError(0, "network", t("api.network_error"), null));
    xhr.onload = async () => {
      const resp = new Response(xhr.response, {
        status: xhr.status,
        headers: { "content-type": xhr.getResponseHeader("content-type") || "" },
      });
      if (!resp.ok) reject(await failure(resp));
      else resolve(await resp.json());
    };
    xhr.send(form);
  });
}
