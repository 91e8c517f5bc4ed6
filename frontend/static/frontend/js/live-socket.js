// The one websocket client of the site, used by every live page: the council session pages
// (through session-socket.js, which adds sequencing and acks), a forum thread (forum.js) and the
// personal channel /ws/me/ behind the notification badge (live.js). It owns the connection; what
// a page does with the frames, and how it resumes, stays with the page (docs/realtime.md).
//
// - The address is built again for every attempt (`url()`), so a page can add ?last_seq=<n>.
// - Reconnects with "equal jitter" exponential backoff: 0.5–1 s, 1–2 s, 2–4 s … 15–30 s at most,
//   so that a crowd cut off at the same moment does not come back at the same moment.
// - `onHello(data, resumed)`: every endpoint answers a connection with a hello snapshot; `resumed`
//   says it follows a reconnect, where the page catches up (a session by sequence, a forum thread
//   over HTTP, the badge from the hello itself).
// - Close codes: 4401 (signed out), 4403 and 4404 stop it: retrying cannot help. 4008 (read too
//   slowly) and 4503 (the server lost Redis) come back at once; anything else after the backoff.
// - Back online, or the page back in the foreground: reconnect now instead of waiting out the
//   backoff; an "open" socket is pinged there, since a phone that slept keeps dead sockets.
// - `onState(state, code)` for the page's status line: "connecting" (first time only), "open",
//   "lost" (until a reconnect says hello), "reconnected", "closed" (stopped; `code` says why).

const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
const AT_ONCE_MS = 250; // "at once", spread a little so a whole server's sockets do not arrive together
const PING_TIMEOUT_MS = 10000;
const STOP_CODES = [4401, 4403, 4404];
const AT_ONCE_CODES = [4008, 4503];

export class LiveSocket {
  // options: { url() -> "/ws/...?...", onHello(data, resumed), onFrame(frame), onState(state, code),
  //            onClose(code) }
  constructor(options) {
    this.options = options;
    this.socket = null;
    this.attempt = 0;
    this.greeted = false; // a hello came on some connection: the next one is a resume
    this.lost = false;
    this.stopped = false;
    this.timer = null;
    this.watchdog = null;
    window.addEventListener("online", () => this.wake());
    // The browser knows the network is gone before the socket does (a dead TCP connection can look
    // open for minutes): say "lost" now, so the page queues what is typed meanwhile.
    window.addEventListener("offline", () => this.drop());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.wake();
    });
  }

  emit(state, code) {
    if (this.options.onState) this.options.onState(state, code);
  }

  connect() {
    if (this.stopped || this.socket || !("WebSocket" in window)) return;
    window.clearTimeout(this.timer);
    if (!this.greeted && !this.lost) this.emit("connecting");
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    let socket;
    try {
      socket = new WebSocket(`${scheme}://${window.location.host}${this.options.url()}`);
    } catch {
      this.retry(this.backoff());
      return;
    }
    this.socket = socket;
    socket.addEventListener("message", (message) => this.receive(socket, message.data));
    socket.addEventListener("close", (event) => this.closed(socket, event.code));
  }

  receive(socket, raw) {
    if (socket !== this.socket) return;
    window.clearTimeout(this.watchdog); // anything at all proves the socket alive
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    if (!frame || typeof frame.type !== "string" || frame.type === "pong") return;
    if (frame.type !== "hello") {
      if (this.options.onFrame) this.options.onFrame(frame);
      return;
    }
    const resumed = this.greeted;
    this.greeted = true;
    this.attempt = 0;
    if (this.options.onHello) this.options.onHello(frame.data || {}, resumed);
    this.emit(this.lost ? "reconnected" : "open");
    this.lost = false;
  }

  closed(socket, code) {
    if (socket !== this.socket) return; // one we let go of on purpose
    this.socket = null;
    window.clearTimeout(this.watchdog);
    if (this.options.onClose) this.options.onClose(code);
    if (STOP_CODES.includes(code)) {
      this.stopped = true;
      this.emit("closed", code);
      return;
    }
    this.lost = true;
    this.emit("lost", code);
    if (AT_ONCE_CODES.includes(code)) {
      this.attempt = 0;
      this.retry(Math.random() * AT_ONCE_MS);
    } else {
      this.retry(this.backoff());
    }
  }

  backoff() {
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    return ceiling / 2 + Math.random() * (ceiling / 2); // at least half, plus a random share of the rest
  }

  retry(delay) {
    window.clearTimeout(this.timer);
    if (!this.stopped) this.timer = window.setTimeout(() => this.connect(), delay);
  }

  // Back online or in the foreground: no socket means we are waiting out a backoff, so go now; an
  // open one must answer a ping within PING_TIMEOUT_MS or it is dropped and replaced at once.
  wake() {
    if (this.stopped) return;
    if (!this.socket) {
      this.attempt = 0;
      this.connect();
    } else if (this.socket.readyState === WebSocket.OPEN) {
      window.clearTimeout(this.watchdog);
      this.send({ type: "ping", ref: "live-ping" });
      this.watchdog = window.setTimeout(() => this.restart(true), PING_TIMEOUT_MS);
    }
  }

  // Let the socket go as if the network had failed: "lost", then reconnect after the backoff.
  // Without waiting for the closing handshake, which never ends when the network is gone.
  drop() {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.close();
    this.lost = true;
    this.emit("lost");
    this.retry(this.backoff());
  }

  // Reconnect now (a page that must resynchronise; a socket that stopped answering). The next hello
  // is a resume; the status line says "lost" only when `visible` is true.
  restart(visible = false) {
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
    if (visible) {
      this.lost = true;
      this.emit("lost");
    }
    this.attempt = 0;
    this.connect();
  }

  send(frame) {
    if (!this.isOpen()) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }

  isOpen() {
    return Boolean(this.socket && this.socket.readyState === WebSocket.OPEN);
  }
}
