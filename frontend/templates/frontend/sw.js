// Communes+ service worker: shows Web Push notifications and opens the page they point to.
// Served at /sw.js so that its scope is the whole site. No caching: pages stay server-rendered.
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
