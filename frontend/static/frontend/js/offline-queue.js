// Writes made offline, kept and sent when the network returns, once (issue 19).
//
// A form holding a `[data-offline-queue]` status line (a forum reply, a session question, a
// consultation answer) that is submitted while the browser is offline is not lost: its fields, its
// CSRF token and a key made here (`idempotency_key`) go to localStorage, and the status line
// (role=status; it names the queue and holds the translated labels, `data-offline-url` and
// `data-offline-json` for a form the page's script sends as JSON) says "waiting to send". Online, nothing changes: the
// form posts as before (or the page's own script, e.g. the session's websocket, handles it).
// The queue is sent on `online` and on every page load while online, under a lock (Web Locks,
// else a localStorage lease) and re-read inside it, so two tabs or two `online` events never send
// one entry twice; an entry leaves the queue only after the server accepted it. The server makes a
// resend after a lost answer count once where it honours the key (questions, comments) or upserts
// (consultation answers). A refusal (4xx) keeps the entry with the server's message and puts the
// text back into the form, to copy or retry. Entries carry their own labels, so any page can show
// the small global indicator.

(() => {
  if (window.offlineQueue) return; // loaded once per page (pwa.js), whatever asks for it
  // Who is signed in on this page (base.html): a write is sent only as the person who wrote it.
  const userMeta = document.querySelector('meta[name="communes-user"]');
  const signedIn = userMeta ? userMeta.content : "";
  // A page the service worker served from its cache: the server is out of reach, whatever
  // navigator.onLine says.
  const savedCopy = Boolean(document.querySelector('meta[name="communes-saved-at"]'));
  const offline = () => !navigator.onLine || savedCopy;
  const STORE = "cp-offline-queue";
  const LEASE = "cp-offline-lease";
  const LEASE_MS = 30000;
  const me = Math.random().toString(36).slice(2);

  const load = () => {
    try { return JSON.parse(localStorage.getItem(STORE)) || []; } catch { return []; }
  };
  const save = (entries) => localStorage.setItem(STORE, JSON.stringify(entries));
  const update = (id, change) => save(load().flatMap((e) => (e.id !== id ? [e] : change ? [Object.assign(e, change)] : [])));

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function cookie(name) {
    const found = document.cookie.split("; ").find((part) => part.startsWith(name + "="));
    return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
  }

  const fill = (text, values) => String(text || "").replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));

  // --- Sending -------------------------------------------------------------------------------------

  async function withLock(work) {
    if (navigator.locks) return navigator.locks.request(STORE, work);
    const now = Date.now();
    let lease = null;
    try { lease = JSON.parse(localStorage.getItem(LEASE)); } catch { /* none */ }
    if (lease && lease.owner !== me && lease.until > now) return undefined; // another tab sends
    localStorage.setItem(LEASE, JSON.stringify({ owner: me, until: now + LEASE_MS }));
    if (JSON.parse(localStorage.getItem(LEASE)).owner !== me) return undefined;
    try { return await work(); } finally { localStorage.removeItem(LEASE); }
  }

  function request(entry) {
    const token = cookie("csrftoken") || entry.csrf;
    const headers = { "X-CSRFToken": token, "X-Idempotency-Key": entry.id };
    let body;
    if (entry.json) {
      headers["Content-Type"] = "application/json";
      headers.Accept = "application/json";
      body = JSON.stringify(Object.assign({}, entry.fields, { idempotency_key: entry.id }));
    } else {
      body = new URLSearchParams(entry.fields.map(([k, v]) => [k, k === "csrfmiddlewaretoken" ? token : v]));
    }
    // A request that hangs on a poor connection must not hold the lock (and every tab) for ever.
    const signal = typeof AbortSignal.timeout === "function" ? AbortSignal.timeout(30000) : undefined;
    return fetch(entry.url, { method: "POST", body, headers, credentials: "same-origin", signal });
  }

  // The server's reason: a JSON error, or the page it rendered again with its errors.
  async function reason(response) {
    const text = await response.text().catch(() => "");
    try {
      const data = JSON.parse(text);
      const fields = data.error && data.error.fields ? Object.values(data.error.fields).flat() : [];
      return [data.error && data.error.message, ...fields].filter(Boolean).join(" ");
    } catch { /* HTML */ }
    const page = new DOMParser().parseFromString(text, "text/html");
    const parts = [...page.querySelectorAll(".field-error, .error-summary li, .message--error, [data-not-open]")];
    return parts.map((node) => node.textContent.trim()).filter(Boolean).join(" ") || String(response.status);
  }

  let flushing = false;
  let again = false;
  let retryMs = 2000;
  let retryTimer = 0;
  // A network error right after `online` is common (the radio is not quite back): retry with
  // backoff while the browser says it is online; an `online` during a flush runs it once more.
  function retry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(flush, retryMs);
    retryMs = Math.min(retryMs * 2, 60000);
  }

  async function flush() {
    if (!navigator.onLine) return; // (a saved copy may be online: trying costs one failed request)
    if (flushing) { again = true; return; }
    flushing = true;
    again = false;
    try {
      await withLock(async () => {
        for (const entry of load()) { // read inside the lock: what another tab sent is gone
          if (entry.refused) continue;
          // Written by someone else on this phone: it waits for them (never sent under this account).
          if ((entry.user || "") !== signedIn) continue;
          let response;
          try {
            response = await request(entry);
          } catch {
            retry(); // the network again: keep it
            return;
          }
          retryMs = 2000;
          if (response.redirected && new URL(response.url).searchParams.has("next")) {
            return; // signed out meanwhile: sent once the person signs in again
          }
          if (response.ok) {
            update(entry.id, null);
            show(entry, "sent");
            if (entry.json && entry.page === location.pathname) {
              // The page's own script may show what was made (the session's own pending question).
              const data = await response.json().catch(() => null);
              document.dispatchEvent(new CustomEvent("offline-queue:sent", { detail: { form: entry.form, data } }));
            }
          } else if (response.status >= 400 && response.status < 500 && ![408, 429].includes(response.status)) {
            update(entry.id, { refused: await reason(response) });
          } else {
            retry(); // the server is unwell: try later
            return;
          }
        }
      });
    } finally {
      flushing = false;
      render();
      if (again) flush();
    }
  }

  // --- Showing -------------------------------------------------------------------------------------

  // The form's status line names its queue and holds its labels (the form tag stays as it was).
  const statusOf = (form) => form && form.querySelector("[data-offline-queue]");
  const formOf = (entry) => {
    const status = entry.page === location.pathname && document.querySelector(`[data-offline-queue="${entry.form}"]`);
    return status ? status.closest("form") : null;
  };

  function say(node, text, kind) {
    node.hidden = false;
    node.className = `message message--${kind}`;
    node.textContent = text;
  }

  function restore(form, entry) {
    const fields = entry.json ? Object.entries(entry.fields) : entry.fields;
    for (const [name, value] of fields) {
      const field = form.elements.namedItem(name);
      if (!field || field.type === "hidden" || field.type === "file" || !field.type) continue;
      if (field.type === "checkbox") field.checked = value === true || value === field.value;
      else if (field.tagName === "TEXTAREA" || field.type === "text") field.value = value;
    }
  }

  function show(entry, state) {
    const status = statusOf(formOf(entry));
    if (!status) return;
    if (state === "sent") say(status, status.dataset.sent, "success");
  }

  function button(label, onClick) {
    const node = document.createElement("button");
    node.type = "button";
    node.className = "button button--small button--secondary";
    node.textContent = label;
    node.addEventListener("click", onClick);
    return node;
  }

  // Each form shows its own entries; the indicator at the top of the page counts them all.
  function render() {
    const entries = load().filter((e) => (e.user || "") === signedIn); // another person's writes stay theirs
    for (const entry of entries) {
      const form = formOf(entry);
      const status = statusOf(form);
      if (!status) continue;
      if (!entry.refused) {
        say(status, status.dataset.waiting, "warning");
        if (entry.text) { // what waits, since the form was emptied (quotes follow the page's language)
          const quote = document.createElement("q");
          quote.textContent = entry.text.length > 140 ? `${entry.text.slice(0, 140)}…` : entry.text;
          status.append(document.createElement("br"), quote);
        }
        continue;
      }
      if (!form.dataset.offlineRestored) restore(form, entry);
      form.dataset.offlineRestored = "1";
      say(status, fill(status.dataset.refused, { message: entry.refused }), "error");
      status.append(" ", button(status.dataset.retry, () => { update(entry.id, { refused: "" }); render(); flush(); }),
        " ", button(status.dataset.discard, () => { update(entry.id, null); status.hidden = true; render(); }));
    }
    let indicator = document.querySelector("[data-offline-indicator]");
    if (!entries.length) {
      if (indicator) indicator.remove();
      return;
    }
    if (!indicator) {
      indicator = document.createElement("p");
      indicator.dataset.offlineIndicator = "";
      indicator.setAttribute("role", "status");
      const main = document.querySelector("main") || document.body;
      main.prepend(indicator);
    }
    const waiting = entries.filter((e) => !e.refused).length;
    const labels = entries[entries.length - 1].labels;
    say(indicator, fill(waiting ? labels.count : labels.refusedCount, { count: waiting || entries.length }), waiting ? "warning" : "error");
    // A refusal whose form is no longer on its page (a thread locked meanwhile): the text, to copy.
    for (const entry of entries) {
      if (!entry.refused || entry.page !== location.pathname || formOf(entry)) continue;
      const kept = document.createElement("textarea");
      kept.readOnly = true;
      kept.setAttribute("aria-label", entry.refused);
      kept.value = entry.text;
      indicator.append(" ", entry.refused, kept, button(labels.discard, () => { update(entry.id, null); render(); }));
    }
  }

  // --- Queueing ------------------------------------------------------------------------------------

  function queue(form, submitter) {
    const status = statusOf(form);
    const id = newKey();
    const data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    const json = "offlineJson" in status.dataset;
    let fields = [...data.entries()].filter(([, v]) => typeof v === "string");
    if ([...data.values()].some((v) => typeof v !== "string" && v.size)) {
      say(status, status.dataset.files, "error"); // photos are not kept offline: the person decides
      return;
    }
    fields = fields.map(([k, v]) => [k, k === "idempotency_key" ? id : v]);
    if (!fields.some(([k]) => k === "idempotency_key")) fields.push(["idempotency_key", id]);
    if (json) {
      const object = {};
      for (const element of form.elements) {
        if (!element.name) continue;
        object[element.name] = element.type === "checkbox" ? element.checked : element.value;
      }
      fields = object;
    }
    const d = status.dataset;
    const entries = load();
    entries.push({
      id, json, fields, page: location.pathname, user: signedIn,
      text: [...form.querySelectorAll("textarea")].map((area) => area.value.trim()).filter(Boolean).join("\n"), form: status.dataset.offlineQueue,
      // not form.action: a button named "action" (the consultation's) would stand in its place
      url: new URL(status.dataset.offlineUrl || form.getAttribute("action") || "", location.href).href, csrf: data.get("csrfmiddlewaretoken") || cookie("csrftoken"),
      labels: { count: d.count, refusedCount: d.refusedCount, discard: d.discard }, at: Date.now(),
    });
    save(entries);
    form.reset();
    form.querySelectorAll("textarea").forEach((area) => area.dispatchEvent(new Event("input")));
    render();
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!statusOf(form) || !offline()) return; // online: the form works as it always did
    event.preventDefault();
    event.stopImmediatePropagation(); // before the page's own script tries its connection
    if (form.noValidate || form.reportValidity()) queue(form, event.submitter);
  }, true);
  document.addEventListener("submit", (event) => {
    const status = statusOf(event.target);
    if (!status) return;
    // Submitted again by hand after a refusal: the kept copy is no longer needed.
    const page = location.pathname;
    save(load().filter((e) => !(e.refused && e.page === page && e.form === status.dataset.offlineQueue)));
  });

  window.addEventListener("online", flush);
  window.addEventListener("storage", (event) => {
    if (event.key !== STORE) return;
    // Another tab sent this page's writes: they show as sent here too.
    const parse = (value) => { try { return JSON.parse(value) || []; } catch { return []; } };
    const left = new Set(parse(event.newValue).map((e) => e.id));
    parse(event.oldValue).filter((e) => !e.refused && !left.has(e.id)).forEach((e) => show(e, "sent"));
    render();
  });
  const queueForm = (form, submitter) => { if (form.noValidate || form.reportValidity()) queue(form, submitter); };
  window.offlineQueue = { flush, load, queueForm };
  render();
  flush();
})();
