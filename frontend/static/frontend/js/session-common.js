// Helpers shared by the session pages: REST calls with the CSRF token, announcements for screen
// readers, the connection status line, <template> cloning, dates and plurals from the page's
// translated labels (every visible string comes from the server-rendered page, in its language).

const TIMEOUT_MS = 30000; // slow 3G: give the request time, but not forever

export const root = document.querySelector("[data-session]");
export const labels = root ? root.dataset : {};

export function csrfToken() {
  const input = document.querySelector('input[name="csrfmiddlewaretoken"]');
  return input ? input.value : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || labels.networkError || "Error");
    this.status = status;
    this.code = error.code || "network_error";
    this.error = error;
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), TIMEOUT_MS);
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
  } catch {
    throw new ApiError(0, null);
  } finally {
    window.clearTimeout(timer);
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// Everything in a paginated list (the API pages with a cursor): follows `next` a few times.
export async function apiAll(path, maxPages = 10) {
  let url = path;
  let items = [];
  for (let i = 0; url && i < maxPages; i += 1) {
    const page = await api(url);
    if (Array.isArray(page)) return page;
    items = items.concat(page.results || page.items || []);
    url = page.next || null;
  }
  return items;
}

export function announce(region, text, isError) {
  if (!region) return;
  region.classList.toggle("is-error", Boolean(isError));
  // Empty first so that the same message twice in a row is announced again.
  window.clearTimeout(region.pending);
  region.textContent = "";
  region.pending = window.setTimeout(() => { region.textContent = text; }, 50);
}

export function format(template, values) {
  // Placeholders are written {name} in the translated labels (the page's data-* attributes).
  return String(template || "").replace(/\{(\w+)\}/g, (_, name) => (name in values ? String(values[name]) : ""));
}

// A translated count: data-*-one / data-*-other labels with {count}.
const pluralRules = new Intl.PluralRules(document.documentElement.lang || "fr");

// French says "0 vote", "1 vote", "2 votes": the language's own rule picks the form.
export function pluralOne(count) {
  return pluralRules.select(Number(count)) === "one";
}

export function plural(one, other, count) {
  return format(pluralOne(count) ? one : other, { count });
}

// Times in the commune's time zone (the server's, on <html data-time-zone>), not the phone's clock:
// a message added live reads like those rendered with the page.
const timeFormat = new Intl.DateTimeFormat(document.documentElement.lang || "fr", {
  hour: "2-digit",
  minute: "2-digit",
  timeZone: document.documentElement.dataset.timeZone || "Africa/Porto-Novo",
});

export function timeOf(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : timeFormat.format(date);
}

export function clone(id) {
  const template = document.getElementById(id);
  return template ? template.content.firstElementChild.cloneNode(true) : null;
}

export function part(node, name) {
  return node.querySelector(`[data-part="${name}"]`);
}

export function setText(node, name, text) {
  const target = part(node, name);
  if (target) target.textContent = text == null ? "" : String(text);
  return target;
}

// The forms that only work with JavaScript come hidden from the server (without it, submitting one
// would send its text in a GET address): show them, except those the page's state hides for now.
export function revealScriptForms() {
  document.querySelectorAll("form[data-needs-js]").forEach((form) => {
    form.hidden = "initiallyHidden" in form.dataset;
    form.removeAttribute("data-needs-js");
  });
}

export function errorText(error) {
  if (!error) return labels.networkError || "";
  let message = error.message || labels.networkError || "";
  if (error.fields && typeof error.fields === "object") {
    // validation_error: say what is wrong with each field, not only that something is.
    // A field's text that only repeats the message (or another field's) is said once.
    const seen = new Set([message.trim()]);
    const details = Object.values(error.fields).flat()
      .filter((text) => typeof text === "string" && !seen.has(text.trim()) && seen.add(text.trim()));
    if (details.length) message = `${message} ${details.join(" ")}`;
  }
  const retry = Number(error.retry_after);
  if (retry > 0 && labels.retryAfter) return `${message} ${format(labels.retryAfter, { seconds: Math.ceil(retry) })}`;
  if (error.until && labels.mutedUntil) return `${message} ${format(labels.mutedUntil, { time: timeOf(error.until) })}`;
  return message;
}

// The "connection lost / reconnected" line (role=status), from live-socket.js's states. The
// "reconnected" note fades after a while.
export function connectionStatus(state, code) {
  const line = document.querySelector("[data-connection]");
  if (!line || state === "connecting") return;
  window.clearTimeout(line.fade);
  line.dataset.state = state;
  const text = {
    lost: labels.connectionLost,
    reconnected: labels.connectionBack,
    closed: code === 4401 ? labels.signedOut : labels.connectionClosed,
  }[state];
  line.textContent = text || "";
  line.hidden = !text;
  if (state === "reconnected") {
    line.fade = window.setTimeout(() => { line.textContent = ""; line.hidden = true; }, 8000);
  }
}

export function socketPath() {
  return labels.socket;
}

export function initialSeq() {
  const value = parseInt(labels.lastSeq, 10);
  return Number.isInteger(value) ? value : null;
}

export function setViewerCount(count) {
  if (!Number.isInteger(count)) return;
  document.querySelectorAll("[data-viewer-count]").forEach((node) => {
    node.textContent = plural(labels.viewersOne, labels.viewersOther, count);
  });
  // The staff consoles' peak (sessions/_audience.html) rises with the live count.
  document.querySelectorAll("[data-viewer-peak]").forEach((node) => {
    if (count <= Number(node.dataset.viewerPeak)) return;
    node.dataset.viewerPeak = String(count);
    node.textContent = plural(node.dataset.peakOne, node.dataset.peakOther, count);
  });
}
