// "Notify me on this device": registers the service worker, subscribes with the server's VAPID key
// and saves the subscription through the API. Hidden where the browser cannot do Web Push.
const button = document.querySelector("[data-push-subscribe]");
const status = document.querySelector("[data-push-status]");

function say(text) { if (status) status.textContent = text; }

function keyBytes(base64url) {
  const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function subscribe() {
  const csrf = button.dataset.csrf;
  const api = button.dataset.api;
  const keyResponse = await fetch(api, { credentials: "same-origin", headers: { Accept: "application/json" } });
  const { public_key: publicKey } = await keyResponse.json();
  if (!publicKey) { say(button.dataset.unavailable); return; }
  const registration = await navigator.serviceWorker.register("/sw.js");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") { say(button.dataset.denied); return; }
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true, applicationServerKey: keyBytes(publicKey),
  });
  const response = await fetch(api, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf, Accept: "application/json" },
    body: JSON.stringify(subscription.toJSON()),
  });
  say(response.ok ? button.dataset.done : button.dataset.error);
}

if (button) {
  if ("serviceWorker" in navigator && "PushManager" in window && "Notification" in window) {
    button.hidden = false;
    button.addEventListener("click", () => { subscribe().catch(() => say(button.dataset.error)); });
  }
}
