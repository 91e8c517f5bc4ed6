// The signed-in user's personal channel (/ws/me/) on every page: keeps the notification badge
// current without a reload. The connection is the site's one client (live-socket.js); after a
// reconnect the hello frame carries the exact unread count, so nothing missed meanwhile is lost;
// reading (one or all, in any tab) sends notification.read with the count left.
// The badge's data-state tells scripts (and tests) whether it is live ("open", "lost"...).

import { LiveSocket } from "./live-socket.js";

const badge = document.querySelector("[data-unread-count]");
const value = badge && badge.querySelector("[data-unread-value]");
const live = document.querySelector("[data-live-status]");

function show(count) {
  if (!badge || !value) return;
  value.textContent = String(count);
  badge.hidden = count <= 0;
  document.dispatchEvent(new CustomEvent("communes:unread", { detail: { count } }));
}

if (badge && value) {
  const socket = new LiveSocket({
    url: () => "/ws/me/",
    onHello(data) {
      if (Number.isInteger(data.unread_count)) show(data.unread_count);
    },
    onFrame(frame) {
      if (frame.type !== "event") return;
      const data = frame.data || {};
      if (frame.event === "notification.read") {
        // Read in another tab or device (or through the API): the server says what is left.
        if (Number.isInteger(data.unread_count)) show(data.unread_count);
        return;
      }
      if (frame.event !== "notification.new") return;
      show((parseInt(value.textContent, 10) || 0) + 1);
      if (live) live.textContent = `${data.commune_name || ""} ${data.title || ""}`.trim();
      document.dispatchEvent(new CustomEvent("communes:notification", { detail: data }));
    },
    onState(state) {
      badge.dataset.state = state;
    },
  });
  badge.liveSocket = socket; // tests cut the connection like a network failure
  socket.connect();
}
