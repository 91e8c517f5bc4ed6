// What the service worker and the pages share about offline reading: the cache names, which pages
// a citizen may read offline, the copy that remembers when it was saved, and the storage budget.
// A classic script with no exports, so that the service worker can importScripts() it and a module
// can import it for its side effect; both then use self.CommunesStore.
(() => {
  const PAGES = "communes-pages"; // opened pages and files, evicted oldest first
  const KEPT = "communes-kept"; // "keep for offline reading": never evicted, removed by the reader
  const META = "communes-meta"; // whose pages the caches hold (sw.js)
  const PRIVATE = "X-Communes-Private"; // a staff member's page: never saved
  const SAVED_AT = "X-Communes-Saved-At";
  const SIZE = "X-Communes-Size";
  const TITLE = "X-Communes-Title";
  // About 60 pages or 25 MB, whichever comes first; a single file above 8 MB is not stored.
  const BUDGET = { maxEntries: 60, maxBytes: 25 * 1024 * 1024, maxItemBytes: 8 * 1024 * 1024 };

  // Pages never stored: writes, staff and workspace pages, sign-in and personal pages.
  const NEVER_PREFIXES = [
    "/api/", "/admin/", "/ws/", "/i18n/", "/static/", "/media/", "/connexion/", "/inscription/",
    "/deconnexion/", "/mot-de-passe/", "/profil/", "/notifications/", "/espace/", "/healthz",
    "/sw.js", "/manifest.webmanifest", "/hors-ligne/",
  ];
  const NEVER_SEGMENTS = new Set([
    "publier", "nouveau", "nouvelle", "modifier", "retirer", "moderation", "moderer", "console",
    "demarrer", "terminer", "espace", "equipe", "journal", "profil", "remplacer", "ajouter",
    "annuler", "repondre", "soutenir", "suivre", "signaler", "statut", "mise-a-jour", "ouvrir",
    "gerer", "donnees", "ateliers", "commenter", "projecteur", "sms",
  ]);
  // What a citizen reads: the home page, commune pages (documents and their files, agenda,
  // contracts, sessions, forums, commitments), sessions and their archives, forum threads.
  const READABLE_PREFIXES = ["/communes/", "/seances/", "/forum/", "/engagements/", "/transparence/", "/consultations/"];

  function isReadable(url) {
    const parsed = new URL(url, self.location.href);
    if (parsed.origin !== self.location.origin) return false;
    const path = parsed.pathname;
    if (NEVER_PREFIXES.some((prefix) => path.startsWith(prefix))) return false;
    if (path.split("/").some((segment) => NEVER_SEGMENTS.has(segment))) return false;
    // A session's own page (live or archive), never its desks (console, council desk, projector).
    if (path.startsWith("/seances/") && !/^\/seances\/(\d+\/)?$/.test(path)) return false;
    return path === "/" || READABLE_PREFIXES.some((prefix) => path.startsWith(prefix));
  }

  function pageTitle(html) {
    const found = /<title>([^<]*)<\/title>/i.exec(html);
    if (!found) return "";
    const text = unescapeHtml(found[1].trim());
    return text.slice(0, 200);
  }

  // Titles come HTML-escaped by Django; a worker has no DOM to unescape them.
  function unescapeHtml(text) {
    return text.replace(/&(#39|#x27|quot|amp|lt|gt|nbsp);/g, (entity, name) => (
      { "#39": "'", "#x27": "'", quot: '"', amp: "&", lt: "<", gt: ">", nbsp: "\u00a0" }[name]
    ));
  }

  // A copy of a 200 response that says when it was saved, how big it is, and (HTML) its title.
  async function savedCopy(response, now = new Date()) {
    const body = await response.blob();
    const headers = new Headers(response.headers);
    headers.set(SAVED_AT, now.toISOString());
    headers.set(SIZE, String(body.size));
    // The body is stored decoded: the compressed length and encoding no longer describe it.
    headers.delete("Content-Encoding");
    headers.delete("Content-Length");
    if ((headers.get("Content-Type") || "").startsWith("text/html")) {
      const html = await body.text();
      headers.set(TITLE, encodeURIComponent(pageTitle(html)));
      // Staff pages say so (base.html): drafts and management controls are not for a shared phone.
      if (/<meta name="communes-offline" content="no-store">/i.test(html)) headers.set(PRIVATE, "1");
    }
    return new Response(body, { status: response.status, statusText: response.statusText, headers });
  }

  function isStorable(response) {
    if (!response || response.status !== 200 || response.type !== "basic" || response.redirected) return false;
    const control = response.headers.get("Cache-Control") || "";
    return !/no-store/i.test(control);
  }

  async function entriesOf(cache) {
    const requests = await cache.keys();
    const entries = [];
    for (const request of requests) {
      const response = await cache.match(request, { ignoreVary: true });
      if (!response) continue;
      entries.push({
        url: request.url,
        savedAt: Date.parse(response.headers.get(SAVED_AT) || "") || 0,
        size: Number(response.headers.get(SIZE)) || 0,
        title: decodeURIComponent(response.headers.get(TITLE) || ""),
        type: (response.headers.get("Content-Type") || "").split(";")[0],
      });
    }
    return entries;
  }

  // The entries to evict so that what remains fits the budget: oldest saved first.
  function overBudget(entries, budget = BUDGET) {
    const byAge = [...entries].sort((a, b) => a.savedAt - b.savedAt);
    let count = byAge.length;
    let bytes = byAge.reduce((total, entry) => total + entry.size, 0);
    const evicted = [];
    for (const entry of byAge) {
      if (count <= budget.maxEntries && bytes <= budget.maxBytes) break;
      evicted.push(entry);
      count -= 1;
      bytes -= entry.size;
    }
    return evicted;
  }

  async function trim(cache, budget = BUDGET) {
    const evicted = overBudget(await entriesOf(cache), budget);
    await Promise.all(evicted.map((entry) => cache.delete(entry.url, { ignoreVary: true })));
    return evicted.map((entry) => entry.url);
  }

  self.CommunesStore = {
    PAGES, KEPT, META, PRIVATE, SAVED_AT, SIZE, TITLE, BUDGET,
    isReadable, isStorable, savedCopy, entriesOf, overBudget, trim,
  };
})();
