// Live thread page: new posts, edits, removals, official answer, status and supports arrive over
// /ws/forums/threads/<id>/ in order (each event has the thread's sequence number). After a
// reconnect, or when a number is skipped, the page catches up from the API (posts changed since
// the last number it applied), so nothing is missed and nothing is shown twice.

const root = document.querySelector("[data-thread-id]");
const list = root && root.querySelector("[data-posts]");
const state = root && root.querySelector("[data-forum-live-state]");
const threadId = root && root.dataset.threadId;
let seq = root ? parseInt(root.dataset.seq, 10) || 0 : 0;
let delay = 1000;
let catchingUp = null;

function say(text, offline) {
  if (!state) return;
  state.textContent = text;
  state.dataset.state = offline ? "offline" : "online";
}

function postElement(post) {
  const article = document.createElement("article");
  article.className = "forum-post forum-new" + (post.is_official ? " forum-post--official" : "");
  article.id = `message-${post.id}`;
  article.dataset.postId = String(post.id);
  const head = document.createElement("header");
  head.className = "forum-post-head";
  const author = document.createElement("strong");
  author.textContent = post.author.display_name;
  head.append(author);
  if (post.is_official) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = root.dataset.labelOfficial;
    head.append(" ", badge);
  }
  const time = document.createElement("time");
  time.dateTime = post.created_at;
  time.textContent = new Date(post.created_at).toLocaleString();
  head.append(" ", time);
  if (post.edited_at && !post.removed) {
    const edited = document.createElement("span");
    edited.className = "meta";
    edited.textContent = root.dataset.labelEdited;
    head.append(" ", edited);
  }
  article.append(head);
  if (post.removed) {
    const removed = document.createElement("p");
    removed.className = "forum-removed";
    removed.textContent = root.dataset.labelRemoved;
    article.append(removed);
  } else {
    if (post.quote_of) {
      const quote = document.createElement("p");
      quote.className = "forum-quote";
      const link = document.createElement("a");
      link.href = `#message-${post.quote_of.id}`;
      link.textContent = `${root.dataset.labelQuote} ${post.quote_of.author}`;
      quote.append(link);
      article.append(quote);
    }
    const body = document.createElement("div");
    body.className = "forum-body";
    body.innerHTML = post.body_html; // rendered and sanitised by the server (allow-list)
    article.append(body);
    if (post.attachments && post.attachments.length) {
      const photos = document.createElement("div");
      photos.className = "forum-photos";
      for (const photo of post.attachments) {
        const image = document.createElement("img");
        image.src = photo.url;
        image.alt = root.dataset.labelPhoto;
        image.loading = "lazy";
        if (photo.width) { image.width = photo.width; image.height = photo.height; }
        photos.append(image);
      }
      article.append(photos);
    }
  }
  return article;
}

function applyPost(post) {
  const existing = root.querySelector(`[data-post-id="${post.id}"]`);
  if (post.removed && !post.deleted) { // hidden by a moderator: gone for everyone
    if (existing) existing.remove();
    return;
  }
  if (post.is_opening && !existing) return;
  const element = postElement(post);
  if (existing) existing.replaceWith(element);
  else list.append(element);
}

function applyThread(data) {
  const supports = root.querySelector("[data-support-count]");
  if (supports && Number.isInteger(data.support_count)) supports.textContent = String(data.support_count);
  const locked = root.querySelector("[data-thread-locked]");
  if (locked && "locked" in data) locked.hidden = !data.locked;
}

async function refreshThread() {
  const response = await fetch(`/api/v1/forum/threads/${threadId}/`, { headers: { Accept: "application/json" } });
  if (response.status === 404) { removedThread(); return; }
  if (!response.ok) throw new Error(String(response.status));
  const thread = await response.json();
  applyThread(thread);
  if (thread.official_answer) showAnswer(thread.official_answer);
}

function showAnswer(post) {
  const section = root.querySelector("[data-answer-section]");
  const holder = root.querySelector("[data-answer]");
  if (!section || !holder) return;
  holder.replaceChildren(postElement(post));
  section.hidden = false;
}

function removedThread() {
  root.replaceChildren();
  const note = document.createElement("p");
  note.className = "forum-removed";
  note.setAttribute("role", "alert");
  note.textContent = root.dataset.labelRemoved;
  root.append(note);
}

async function catchUp() {
  if (catchingUp) return catchingUp;
  catchingUp = (async () => {
    let url = `/api/v1/forum/threads/${threadId}/posts/?after_seq=${seq}`;
    let highest = seq;
    while (url) {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (response.status === 404) { removedThread(); return; }
      if (!response.ok) throw new Error(String(response.status));
      const page = await response.json();
      for (const post of page.results) {
        applyPost(post);
        highest = Math.max(highest, post.seq);
      }
      url = page.next;
    }
    await refreshThread();
    seq = Math.max(seq, highest);
  })().finally(() => { catchingUp = null; });
  return catchingUp;
}

function handle(frame) {
  if (frame.type === "hello") {
    say(state ? state.dataset.online || "" : "", false);
    if (frame.data.seq > seq) {
      const target = frame.data.seq;
      catchUp().then(() => { seq = Math.max(seq, target); }).catch(() => {});
    }
    return;
  }
  if (frame.type !== "event" || !Number.isInteger(frame.seq) || frame.seq <= seq) return;
  if (frame.seq > seq + 1) { // a number was skipped: fetch what is missing, then go on
    const target = frame.seq;
    catchUp().then(() => { seq = Math.max(seq, target); }).catch(() => {});
    return;
  }
  seq = frame.seq;
  const data = frame.data;
  switch (frame.event) {
    case "post.created":
    case "post.edited":
    case "post.removed":
      applyPost(data);
      break;
    case "thread.answered":
      refreshThread().catch(() => {});
      break;
    case "thread.status":
    case "thread.support":
      applyThread(data);
      break;
    case "thread.removed":
      removedThread();
      break;
    default:
      break;
  }
}

function connect() {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${window.location.host}/ws/forums/threads/${threadId}/`);
  socket.addEventListener("open", () => { delay = 1000; });
  socket.addEventListener("message", (message) => {
    try { handle(JSON.parse(message.data)); } catch { /* a frame we cannot read: ignore it */ }
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4404) { removedThread(); return; }
    say(state ? state.dataset.offline || "…" : "", true);
    window.setTimeout(connect, delay);
    delay = Math.min(delay * 2, 30000);
  });
  window.forumSocket = socket;
}

function setupQuotes() {
  const field = root.querySelector("[data-quote-field]");
  const note = root.querySelector("[data-quote-note]");
  const body = root.querySelector("#id_body");
  if (!field || !body) return;
  root.addEventListener("click", (event) => {
    const link = event.target.closest("[data-quote]");
    if (!link) return;
    event.preventDefault();
    field.value = link.dataset.quote;
    if (note) note.hidden = false;
    body.focus();
  });
}

if (root && list && "WebSocket" in window) {
  setupQuotes();
  connect();
}
