// Communes+ service worker, served at /sw.js so that its scope is the whole site.
// - Web Push: shows notifications and opens the page they point to.
// - Offline reading (docs/offline.md): the app shell is precached under a versioned name; pages
//   are fetched network first and fall back to the copy saved when the citizen last opened them,
//   then to the offline page; static files are served cache first. Opened pages and files go to a
//   "pages" cache within a budget (oldest evicted); "keep for offline reading" puts them in a
//   "kept" cache that eviction never touches.
// Only GET requests of this origin are handled: form posts, API writes and the websocket go to the
// network untouched, so the page's own offline queue sees a failure.
importScripts({{ store_url }});

const STORE = self.CommunesStore;
const VERSION = {{ version }};
const SHELL = "communes-shell-" + VERSION;
const STATIC = "communes-static-" + VERSION;
const OFFLINE_URL = {{ offline_url }};
const STATIC_PREFIX = {{ static_prefix }};
const SHELL_URLS = {{ shell_urls }};
const OUR_CACHES = new Set([SHELL, STATIC, STORE.PAGES, STORE.KEPT, STORE.META]);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL)
      // From the HTTP cache when the page just loaded the file (no second download on a first
      // visit). A file cached there before a deploy could fill the new shell: docs/offline.md.
      .then((cache) => cache.addAll(SHELL_URLS.map((url) => new Request(url, { credentials: "same-origin" }))))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("communes-") && !OUR_CACHES.has(name)).map((name) => caches.delete(name)),
      ))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return; // posts reach the network (and fail offline) as before
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" || STORE.isReadable(request.url)) {
    event.respondWith(networkFirst(event));
  }
  // Only navigations are saved: a script's fetches (a thread's new posts, a page fragment) would
  // fill the budget with fragments. Offline, a script's fetch of a saved page still gets it.
  // Anything else (the API, the websocket, /sw.js itself) is the browser's business.
});

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreVary: true, ignoreSearch: false });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.status === 200 && response.type === "basic") {
    const copy = response.clone();
    caches.open(STATIC).then((cache) => cache.put(request, copy)).catch(() => {});
  }
  return response;
}

async function networkFirst(event) {
  const request = event.request;
  try {
    const response = await fetch(request);
    if (request.mode === "navigate" && STORE.isReadable(request.url) && STORE.isStorable(response)) {
      event.waitUntil(save(request.url, response.clone()).catch(() => {}));
    }
    return response;
  } catch (error) {
    const saved = await savedPage(request.url);
    if (saved) return saved;
    if (request.mode === "navigate") {
      const offline = await caches.match(OFFLINE_URL, { ignoreVary: true });
      if (offline) return offline;
    }
    throw error;
  }
}

// A kept page stays in the kept cache (refreshed); anything else goes to the pages cache, trimmed.
async function save(url, response) {
  const kept = await caches.open(STORE.KEPT);
  const copy = await STORE.savedCopy(response);
  if (await kept.match(url, { ignoreVary: true })) {
    await kept.put(url, copy);
    return;
  }
  if (copy.headers.get(STORE.PRIVATE)) return; // a staff member's page (drafts, controls): never kept
  if (Number(copy.headers.get(STORE.SIZE)) > STORE.BUDGET.maxItemBytes) return;
  const pages = await caches.open(STORE.PAGES);
  await pages.delete(url, { ignoreVary: true }); // re-inserted: the newest entry
  await pages.put(url, copy);
  await STORE.trim(pages);
}

async function savedPage(url) {
  for (const name of [STORE.KEPT, STORE.PAGES]) {
    const cache = await caches.open(name);
    const response = await cache.match(url, { ignoreVary: true });
    if (response) return markedAsSaved(response);
  }
  return null;
}

// The page learns it came from the cache, and when it was saved, from a <meta> in its <head>: it
// is there before any script runs, whichever way the page was opened.
async function markedAsSaved(response) {
  const savedAt = response.headers.get(STORE.SAVED_AT) || "";
  if (!(response.headers.get("Content-Type") || "").startsWith("text/html") || !savedAt) return response;
  const html = await response.text();
  const meta = '<meta name="communes-saved-at" content="' + savedAt.replace(/[^0-9TZ:.\-]/g, "") + '">';
  const headers = new Headers(response.headers);
  headers.delete("Content-Length");
  return new Response(html.replace(/<head>/i, "<head>" + meta), { status: 200, headers });
}

// Whose pages the caches hold. A page tells the worker who is signed in (pwa.js, from its
// <meta name="communes-user">); when that changes from someone to someone else or to nobody (signed
// out, session over), that person's saved and kept pages are dropped: the next person on a shared
// phone does not read them. (A sign-out through the header's button clears them at once.)
const OWNER_KEY = "/__communes-owner";
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "user" || typeof data.user !== "string") return;
  event.waitUntil(ownerSet(data.user));
});

async function ownerSet(user) {
  const meta = await caches.open(STORE.META);
  const stored = await meta.match(OWNER_KEY);
  const previous = stored ? await stored.text() : "";
  if (previous && previous !== user) {
    await Promise.all([caches.delete(STORE.PAGES), caches.delete(STORE.KEPT)]);
  }
  if (previous !== user) await meta.put(OWNER_KEY, new Response(user));
}

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  const title = data.title || "Communes+";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    data: { url: data.url || "/" },
    lang: "{{ LANGUAGE_CODE }}",
  }));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data && event.notification.data.url || "/", self.location.origin);
  if (url.origin !== self.location.origin) return; // only our own pages
  event.waitUntil(self.clients.openWindow(url.href));
});
