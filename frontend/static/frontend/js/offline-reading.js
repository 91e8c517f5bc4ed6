// Offline reading in the page (docs/offline.md): the "keep for offline reading" button of a
// document page, which puts the page and its files in the kept cache that eviction never touches,
// and the list of saved pages on the offline page. The service worker fills the pages cache itself.
import "./pwa-store.js";

const STORE = self.CommunesStore;

function savedOn(iso) {
  const date = new Date(iso);
  const zone = document.documentElement.dataset.timeZone;
  const options = { dateStyle: "long", timeStyle: "short" };
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang, { ...options, timeZone: zone }).format(date);
  } catch (error) {
    return new Intl.DateTimeFormat(document.documentElement.lang, options).format(date);
  }
}

// --- Keep for offline reading (a document page) ---

const keep = document.querySelector("[data-keep-offline]");

async function keptAt(pageUrl) {
  const kept = await caches.open(STORE.KEPT);
  const response = await kept.match(pageUrl, { ignoreVary: true });
  return response ? response.headers.get(STORE.SAVED_AT) : null;
}

async function keepAll(urls) {
  const copies = [];
  for (const url of urls) {
    const response = await fetch(url, { credentials: "same-origin" });
    if (!STORE.isStorable(response)) throw new Error(`${url}: ${response.status}`);
    copies.push([url, await STORE.savedCopy(response)]);
  }
  const kept = await caches.open(STORE.KEPT);
  const pages = await caches.open(STORE.PAGES);
  for (const [url, copy] of copies) {
    await kept.put(url, copy);
    await pages.delete(url, { ignoreVary: true }); // counted once, and never evicted
  }
}

async function forget(urls) {
  const kept = await caches.open(STORE.KEPT);
  await Promise.all(urls.map((url) => kept.delete(url, { ignoreVary: true })));
}

async function showKeepState() {
  const button = keep.querySelector("[data-keep-button]");
  const status = keep.querySelector("[data-keep-status]");
  const when = await keptAt(keep.dataset.keepPage);
  button.textContent = when ? keep.dataset.labelRemove : keep.dataset.labelKeep;
  button.dataset.kept = when ? "true" : "false";
  status.textContent = when ? keep.dataset.statusKept.replace("{date}", savedOn(when)) : "";
}

if (keep && "caches" in window) {
  const button = keep.querySelector("[data-keep-button]");
  const status = keep.querySelector("[data-keep-status]");
  const urls = [keep.dataset.keepPage, ...(keep.dataset.keepFiles || "").split(" ").filter(Boolean)];
  keep.hidden = false;
  showKeepState();
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (button.dataset.kept === "true") {
        await forget(urls);
        await showKeepState();
        status.textContent = keep.dataset.statusRemoved;
      } else {
        status.textContent = keep.dataset.statusSaving;
        await keepAll(urls);
        await showKeepState();
      }
    } catch (error) {
      status.textContent = keep.dataset.statusFailed;
    } finally {
      button.disabled = false;
    }
  });
}

// --- The saved pages (the offline page) ---

const list = document.querySelector("[data-saved-list]");

async function savedPages() {
  const found = new Map();
  for (const name of [STORE.PAGES, STORE.KEPT]) {
    if (!(await caches.has(name))) continue;
    for (const entry of await STORE.entriesOf(await caches.open(name))) {
      if (entry.type === "text/html") found.set(entry.url, { ...entry, kept: name === STORE.KEPT });
    }
  }
  return [...found.values()].sort((a, b) => b.savedAt - a.savedAt);
}

async function showSavedPages() {
  const empty = document.querySelector("[data-saved-empty]");
  const pages = await savedPages();
  list.replaceChildren(...pages.map((page) => {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = page.url;
    link.textContent = page.title.replace(/ · Communes\+$/, "") || new URL(page.url).pathname;
    const meta = document.createElement("span");
    meta.className = "meta";
    const when = list.dataset.savedOn.replace("{date}", savedOn(new Date(page.savedAt).toISOString()));
    meta.textContent = page.kept ? `${when} · ${list.dataset.kept}` : when;
    item.append(link, " ", meta);
    return item;
  }));
  list.hidden = pages.length === 0;
  if (empty) empty.hidden = pages.length > 0;
}

if (list && "caches" in window) showSavedPages();
