// The live connection of a council session page (/ws/sessions/<id>/), shared by the public page,
// the staff console and the moderator console.
//
// What it guarantees (docs/sessions.md): sequenced events are handed to the page exactly once and
// in order. It resumes with ?last_seq=<n> after a reconnect, buffers events that arrive after a gap
// and asks the server to `resume`, drops duplicates, and reports `reset` (too much missed: reload
// the state from REST). Actions (chat, question, vote...) carry a ref; unacknowledged ones are sent
// again, unchanged (same idempotency key), after a reconnect, so a resent action counts once.
// Reconnects use exponential backoff with jitter, so a crowd does not come back all at once.

const MAX_DELAY_MS = 30000;
const BASE_DELAY_MS = 1000;
const RESUME_RETRY_MS = 5000;

export function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  // Older browsers (still common on entry-level phones): 122 random bits are enough here.
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class SessionSocket {
  // options: { path, lastSeq, onHello, onEvent, onReset, onState, onFrame }
  //   onState(state): "connecting" | "open" | "lost" | "reconnected" | "closed"
  constructor(options) {
    this.path = options.path;
    this.lastSeq = Number.isInteger(options.lastSeq) ? options.lastSeq : null;
    this.handlers = options;
    this.socket = null;
    this.pending = new Map(); // ref -> { frame, resolve, reject }
    this.buffer = new Map(); // seq -> event frame received after a gap
    this.refCount = 0;
    this.attempt = 0;
    this.everOpened = false;
    this.lost = false;
    this.stopped = false;
    this.resumeAskedAt = 0;
    this.timer = null;
    // Back online (phone out of a tunnel, data switched on): try at once instead of waiting out the
    // backoff.
    window.addEventListener("online", () => {
      if (!this.socket && !this.stopped) {
        this.attempt = 0;
        this.connect();
      }
    });
  }

  url() {
    const scheme = window.location.protocol === "https:" ? "wss" : "ws";
    // batch=1: the server may send several events of one short tick as one {"type": "batch"} frame.
    const query = this.lastSeq === null ? "?batch=1" : `?batch=1&last_seq=${this.lastSeq}`;
    return `${scheme}://${window.location.host}${this.path}${query}`;
  }

  state(name, detail) {
    if (this.handlers.onState) this.handlers.onState(name, detail);
  }

  connect() {
    if (this.stopped || !("WebSocket" in window)) return;
    window.clearTimeout(this.timer);
    this.state("connecting");
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.addEventListener("message", (message) => this.receive(message.data));
    socket.addEventListener("close", (event) => this.closed(socket, event));
  }

  closed(socket, event) {
    if (socket !== this.socket) return;
    this.socket = null;
    if (event.code === 4404 || event.code === 4403) {
      this.stopped = true;
      this.state("closed", event.code);
      return;
    }
    this.lost = true;
    this.state("lost");
    this.scheduleReconnect();
  }

  scheduleReconnect() {
    if (this.stopped) return;
    const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    // "Equal jitter": at least half the backoff, plus a random share of the other half.
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.timer = window.setTimeout(() => this.connect(), delay);
  }

  // Drop the socket as if the network failed, and reconnect (after a reset; also used by tests).
  // Without waiting for the close handshake, which never ends when the network is gone.
  drop() {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.close();
    this.lost = true;
    this.state("lost");
    this.scheduleReconnect();
  }

  receive(raw) {
    let frame;
    try {
      frame = JSON.parse(raw);
    } catch {
      return;
    }
    this.handle(frame);
  }

  handle(frame) {
    if (!frame || typeof frame.type !== "string") return;
    switch (frame.type) {
      case "batch":
        if (Array.isArray(frame.frames)) frame.frames.forEach((inner) => this.handle(inner));
        break;
      case "hello":
        this.hello(frame);
        break;
      case "event":
        this.event(frame);
        break;
      case "reset":
        this.reset();
        break;
      case "ack":
        this.settle(frame.ref, true, frame.data);
        break;
      case "error":
        if (!this.settle(frame.ref, false, frame.error || {}) && this.handlers.onFrame) this.handlers.onFrame(frame);
        break;
      default:
        if (this.handlers.onFrame) this.handlers.onFrame(frame);
    }
  }

  hello(frame) {
    this.attempt = 0;
    const data = frame.data || {};
    if (this.lastSeq === null && Number.isInteger(data.last_seq)) this.lastSeq = data.last_seq;
    if (this.handlers.onHello) this.handlers.onHello(data);
    if (this.lost) {
      this.lost = false;
      this.state("reconnected");
    } else {
      this.state("open");
    }
    this.everOpened = true;
    // Actions not acknowledged before the cut: the same frame again (same idempotency key).
    this.pending.forEach((entry) => this.write(entry.frame));
    // The replay follows hello; if the server already knows less than us there is nothing to do.
    if (Number.isInteger(data.last_seq) && this.lastSeq !== null && data.last_seq > this.lastSeq) {
      this.resumeAskedAt = 0; // the server sends the missing events right after hello
    }
  }

  event(frame) {
    const seq = frame.seq;
    if (!Number.isInteger(seq)) {
      if (this.handlers.onEvent) this.handlers.onEvent(frame); // unsequenced: apply as is
      return;
    }
    if (this.lastSeq === null) this.lastSeq = seq - 1;
    if (seq <= this.lastSeq) return; // duplicate (replay overlapping live events)
    if (seq > this.lastSeq + 1) {
      this.buffer.set(seq, frame);
      this.askResume();
      return;
    }
    this.apply(frame);
    // Events that arrived early are now in order.
    while (this.buffer.has(this.lastSeq + 1)) {
      const next = this.buffer.get(this.lastSeq + 1);
      this.buffer.delete(this.lastSeq + 1);
      this.apply(next);
    }
    for (const key of this.buffer.keys()) if (key <= this.lastSeq) this.buffer.delete(key);
    if (this.buffer.size) this.askResume();
  }

  apply(frame) {
    this.lastSeq = frame.seq;
    if (this.handlers.onEvent) {
      try {
        this.handlers.onEvent(frame);
      } catch (error) {
        window.console.error(error); // one bad render must not stop the stream
      }
    }
  }

  askResume() {
    const now = Date.now();
    if (now - this.resumeAskedAt < RESUME_RETRY_MS) return;
    this.resumeAskedAt = now;
    this.write({ type: "resume", last_seq: this.lastSeq });
  }

  reset() {
    this.buffer.clear();
    if (this.handlers.onReset) this.handlers.onReset();
  }

  // After the page reloaded its state from REST: continue from that state's sequence number.
  restartFrom(lastSeq) {
    this.lastSeq = Number.isInteger(lastSeq) ? lastSeq : null;
    this.buffer.clear();
    this.drop();
  }

  write(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  // Unsequenced request with no retry (ping, moderation.subscribe).
  sendOnce(frame) {
    return this.write(frame);
  }

  // An action answered by ack or error. Kept and resent until answered.
  request(frame) {
    this.refCount += 1;
    const ref = `c-${this.refCount}-${Date.now().toString(36)}`;
    const full = { ...frame, ref };
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { frame: full, resolve, reject });
      this.write(full);
    });
  }

  settle(ref, ok, payload) {
    const entry = ref && this.pending.get(ref);
    if (!entry) return false;
    this.pending.delete(ref);
    if (ok) entry.resolve(payload || {});
    else entry.reject(payload || {});
    return true;
  }

  isOpen() {
    return Boolean(this.socket && this.socket.readyState === WebSocket.OPEN);
  }
}
