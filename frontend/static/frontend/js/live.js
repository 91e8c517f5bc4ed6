// The signed-in user's live channel (/ws/me/): keeps the notification badge current without reload.
// Reconnects with backoff (slow or intermittent mobile data); the hello frame carries the exact
// unread count, so nothing is missed while the socket was down.

const badge = document.querySelector("[data-unread-count]");
const value = badge && badge.querySelector("[data-unread-value]");
const live = document.querySelector("[data-live-status]");
let delay = 1000;

function show(count) {
  if (!badge || !value) return;
  value.textContent = String(count);
  badge.hidden = count <= 0;
  document.dispatchEvent(new CustomEvent("communes:unread", { detail: { count } }));
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}/ws/me/`);
  socket.addEventListener("open", () => { delay = 1000; });
  socket.addEventListener("message", (message) => {
    let frame;
    try { frame = JSON.parse(message.data); } catch { return; }
    if (frame.type === "hello" && Number.isInteger(frame.data.unread_count)) {
      show(frame.data.unread_count);
    } else if (frame.type === "event" && frame.event === "notification.new") {
      show((parseInt(value ? value.textContent : "0", 10) || 0) + 1);
      if (live) live.textContent = `${frame.data.commune_name || ""} ${frame.data.title || ""}`.trim();
      document.dispatchEvent(new CustomEvent("communes:notification", { detail: frame.data }));
    }
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4401) return; // signed out: the page will say so on next navigation
    window.setTimeout(connect, delay);
    delay = Math.min(delay * 2, 30000);
  });
}

if (badge && "WebSocket" in window) connect();
