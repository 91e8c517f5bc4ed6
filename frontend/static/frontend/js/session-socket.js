// The protocol of a council session's live connection (/ws/sessions/<id>/), shared by the public
// page, the staff console and the moderator console, on top of the site's one websocket client
// (live-socket.js: reconnects, backoff, close codes, foreground and back online).
//
// What it adds (docs/sessions.md): sequenced events are handed to the page exactly once and in
// order. It resumes with ?last_seq=<n> after a reconnect, buffers events that arrive after a gap
// and asks the server to `resume`, drops duplicates, and reports `reset` (too much missed: reload
// the state from REST). Actions (chat, question, vote...) carry a ref; unacknowledged ones are sent
// again, unchanged (same idempotency key), after a reconnect, so a resent action counts once.

import { LiveSocket } from "./live-socket.js";

const RESUME_RETRY_MS = 5000;
const TOO_LARGE_CODES = [1009, 4009]; // the server refused a frame over 64 KiB: never send it again

export function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  // Older browsers (still common on entry-level phones): 122 random bits are enough here.
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class SessionSocket {
  // options: { path, lastSeq, onHello, onEvent, onReset, onState, onFrame }
  //   onState(state, code): "connecting" | "open" | "lost" | "reconnected" | "closed"
  constructor(options) {
    this.path = options.path;
    this.lastSeq = Number.isInteger(options.lastSeq) ? options.lastSeq : null;
    this.handlers = options;
    this.pending = new Map(); // ref -> { frame, resolve, reject }
    this.buffer = new Map(); // seq -> event frame received after a gap
    this.refCount = 0;
    this.resumeAskedAt = 0;
    this.live = new LiveSocket({
      // batch=1: the server may send several events of one short tick as one {"type": "batch"} frame.
      // resumed=1 after the first hello: a reconnect is not a new viewer (docs/sessions.md, the audience).
      url: () => `${this.path}?batch=1${this.lastSeq === null ? "" : `&last_seq=${this.lastSeq}`}${this.live.greeted ? "&resumed=1" : ""}`,
      onHello: (data) => this.hello(data),
      onFrame: (frame) => this.handle(frame),
      onState: (state, code) => { if (options.onState) options.onState(state, code); },
      onClose: (code) => {
        if (TOO_LARGE_CODES.includes(code)) this.pending.forEach((entry, ref) => this.settle(ref, false, { code: "frame_too_large" }));
      },
    });
  }

  connect() {
    this.live.connect();
  }

  // Cut the connection as if the network failed (tests use it too); it comes back by itself.
  drop() {
    this.live.drop();
  }

  // A frame as if it came from the server (tests use it to play the server's part).
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

  hello(data) {
    if (this.lastSeq === null && Number.isInteger(data.last_seq)) this.lastSeq = data.last_seq;
    this.resumeAskedAt = 0; // the server replays what we miss right after hello
    // Actions not acknowledged before the cut: the same frame again (same idempotency key), before
    // the page's own hello work, which may send new ones.
    this.pending.forEach((entry) => this.live.send(entry.frame));
    if (this.handlers.onHello) this.handlers.onHello(data);
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
    this.live.send({ type: "resume", last_seq: this.lastSeq });
  }

  reset() {
    this.buffer.clear();
    if (this.handlers.onReset) this.handlers.onReset();
  }

  // After the page reloaded its state from REST: continue from that state's sequence number.
  restartFrom(lastSeq) {
    this.lastSeq = Number.isInteger(lastSeq) ? lastSeq : null;
    this.buffer.clear();
    this.live.restart();
  }

  // An action answered by ack or error. Kept and resent until answered.
  request(frame) {
    this.refCount += 1;
    const ref = `c-${this.refCount}-${Date.now().toString(36)}`;
    const full = { ...frame, ref };
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { frame: full, resolve, reject });
      this.live.send(full);
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
    return this.live.isOpen();
  }
}
