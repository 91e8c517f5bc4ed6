// On every page: registers the service worker (offline reading, docs/offline.md) once the page has
// loaded, and shows a banner while the network is gone or when this page is a saved copy (the
// service worker then puts <meta name="communes-saved-at"> in its head).
const banner = document.querySelector("[data-offline-banner]");
const savedAt = document.querySelector('meta[name="communes-saved-at"]');

function savedOn(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const options = { dateStyle: "long", timeStyle: "short" };
  const zone = document.documentElement.dataset.timeZone;
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang, { ...options, timeZone: zone }).format(date);
  } catch (error) {
    return new Intl.DateTimeFormat(document.documentElement.lang, options).format(date);
  }
}

function show(text, state) {
  if (!banner) return;
  banner.textContent = text;
  banner.dataset.state = state;
  banner.hidden = !text;
}

function update() {
  if (!banner) return;
  if (savedAt) {
    show(banner.dataset.saved.replace("{date}", savedOn(savedAt.content)), "saved");
  } else if (!navigator.onLine) {
    show(banner.dataset.offline, "offline");
  } else if (banner.dataset.state === "offline") {
    show(banner.dataset.backOnline, "online");
    setTimeout(() => { if (banner.dataset.state === "online") show("", "online"); }, 4000);
  }
}

update();
window.addEventListener("online", update);
window.addEventListener("offline", update);

// The offline write queue (offline-queue.js, docs/offline.md) is loaded only when it can be needed,
// which keeps it off a first visit's weight: the page is offline or goes offline, or writes made
// offline on an earlier page still wait to be sent. It is in the precached shell, so it loads offline.
const queueScript = document.querySelector('meta[name="communes-offline-queue"]');

function queueLoad(then) {
  if (!queueScript) return;
  if (window.offlineQueue) {
    if (then) then();
    return;
  }
  let script = document.querySelector("script[data-offline-queue-js]");
  if (!script) {
    script = document.createElement("script");
    script.src = queueScript.content;
    script.dataset.offlineQueueJs = "";
    document.head.append(script);
  }
  if (then) script.addEventListener("load", then, { once: true });
}

// A queued form submitted offline before the queue has loaded: hold the submit (the text stays in
// the form, never lost to the browser's error page) and queue it once the script is there.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (window.offlineQueue || !(form instanceof HTMLFormElement) || !form.querySelector("[data-offline-queue]")) return;
  if (navigator.onLine && !savedAt) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  const submitter = event.submitter;
  queueLoad(() => { if (window.offlineQueue) window.offlineQueue.queueForm(form, submitter); });
}, true);

function queueWaiting() {
  try {
    return (JSON.parse(localStorage.getItem("cp-offline-queue")) || []).length > 0;
  } catch (error) {
    return false;
  }
}

// A saved copy means the server could not be reached, even when the browser says it is online.
if (!navigator.onLine || savedAt || queueWaiting()) queueLoad();
window.addEventListener("offline", queueLoad);
window.addEventListener("pageshow", (event) => { if (event.persisted && !navigator.onLine) queueLoad(); });

// Signing out forgets the pages saved while signed in (a shared phone), kept ones too.
const signOut = document.querySelector('form[action$="/deconnexion/"]');
if (signOut && "caches" in window) {
  signOut.addEventListener("submit", () => {
    caches.delete("communes-pages");
    caches.delete("communes-kept");
  });
}

// The worker learns who is signed in from each page served by the server (not from a saved copy,
// which shows whoever was signed in then): another person, or nobody, drops the saved pages.
const owner = document.querySelector('meta[name="communes-user"]');
if (owner && !savedAt && "serviceWorker" in navigator) {
  navigator.serviceWorker.ready
    .then((registration) => { if (registration.active) registration.active.postMessage({ type: "user", user: owner.content }); })
    .catch(() => {});
}

// After the load, so that registering never competes with the page for a slow connection.
if ("serviceWorker" in navigator) {
  const register = () => navigator.serviceWorker.register("/sw.js").catch(() => {});
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
