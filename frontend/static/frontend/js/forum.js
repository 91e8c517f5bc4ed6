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

const template = root && root.querySelector("template[data-post-template]");
const viewerId = root ? root.dataset.userId || "" : "";
const dateFormat = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
  day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
});

const pluralRules = new Intl.PluralRules(document.documentElement.lang || undefined);

function labels(name) {
  try { return JSON.parse(root.dataset[name] || "{}"); } catch { return {}; }
}
const statusLabels = root ? labels("statusLabels") : {};
const proposalLabels = root ? labels("proposalLabels") : {};

function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : dateFormat.format(date).replace(",", "");
}

// A post built from the page's <template>: the server rendered it once with this viewer's rights
// (quote, edit/delete of their own posts, flag of others', hide for moderators, CSRF tokens).
function postElement(post) {
  const article = template.content.firstElementChild.cloneNode(true);
  const slot = (name) => article.querySelector(`[data-slot="${name}"]`);
  const id = String(post.id);
  if (post.is_official) article.classList.add("forum-post--official");
  article.id = `message-${id}`;
  article.dataset.postId = id;
  article.dataset.seq = String(post.seq || "");
  article.dataset.created = post.created_at;
  const author = slot("author");
  author.id = `message-${id}-author`;
  author.textContent = post.author.display_name;
  article.setAttribute("aria-labelledby", author.id);
  slot("official").hidden = !post.is_official;
  const time = slot("time");
  time.dateTime = post.created_at;
  time.textContent = formatDate(post.created_at);
  slot("edited").hidden = !(post.edited_at && !post.removed);
  const actions = slot("actions");
  if (post.removed) {
    slot("removed").hidden = false;
    slot("quote").remove();
    slot("body").remove();
    slot("photos").remove();
    if (actions) actions.remove();
    return article;
  }
  slot("removed").remove();
  const quote = slot("quote");
  if (post.quote_of) {
    const link = quote.querySelector("a");
    link.href = `#message-${post.quote_of.id}`;
    link.textContent = `${root.dataset.labelQuote} ${post.quote_of.author}`;
    quote.hidden = false;
  } else {
    quote.remove();
  }
  slot("body").innerHTML = post.body_html; // rendered and sanitised by the server (allow-list)
  const photos = slot("photos");
  if (post.attachments && post.attachments.length) {
    for (const photo of post.attachments) {
      const link = document.createElement("a");
      link.href = photo.url;
      const image = document.createElement("img");
      image.src = photo.url;
      image.alt = root.dataset.labelPhoto;
      image.loading = "lazy";
      if (photo.width) { image.width = photo.width; image.height = photo.height; }
      link.append(image);
      photos.append(link);
    }
    photos.hidden = false;
  } else {
    photos.remove();
  }
  if (actions) {
    const own = viewerId !== "" && String(post.author.id) === viewerId;
    const quoteLink = slot("quote-link");
    if (quoteLink) {
      quoteLink.href = `?citer=${id}#reply`;
      quoteLink.dataset.quote = id;
      quoteLink.dataset.quoteAuthor = post.author.display_name;
    }
    const edit = slot("edit");
    if (own) edit.href = `/forum/messages/${id}/modifier/`;
    else edit.remove();
    if (!own || post.is_opening) slot("delete").remove();
    const flag = slot("flag");
    if (own) flag.remove();
    else {
      slot("flag-label").htmlFor = `flag-${id}`;
      slot("flag-select").id = `flag-${id}`;
    }
    for (const field of article.querySelectorAll('[data-slot="post-id"]')) field.value = id;
    const hide = article.querySelector("[data-hide-post]");
    if (hide) hide.dataset.hidePost = id;
  }
  return article;
}

// Where a post goes: before the first post of the list created after it (then by id).
function insertInPlace(element, post) {
  const created = new Date(post.created_at).getTime();
  for (const other of list.querySelectorAll(":scope > [data-post-id]")) {
    const otherCreated = new Date(other.dataset.created || other.querySelector("time")?.dateTime || "").getTime();
    const otherId = parseInt(other.dataset.postId, 10);
    if (otherCreated > created || (otherCreated === created && otherId > post.id)) {
      list.insertBefore(element, other);
      return;
    }
  }
  list.append(element);
}

function applyPost(post) {
  const existing = root.querySelector(`[data-post-id="${post.id}"]`); // the answer section comes first
  if (post.removed && !post.deleted) { // hidden by a moderator: gone for everyone
    for (const element of root.querySelectorAll(`[data-post-id="${post.id}"]`)) element.remove();
    return;
  }
  if (post.is_opening && !existing) return;
  const element = postElement(post);
  if (existing) existing.replaceWith(element);
  else insertInPlace(element, post);
}

function applyThread(data) {
  const supports = root.querySelector("[data-support-count]");
  if (supports && Number.isInteger(data.support_count)) {
    const form = pluralRules.select(data.support_count) === "one" ? supports.dataset.one : supports.dataset.other;
    supports.textContent = (form || "{count}").replace("{count}", String(data.support_count));
  }
  const locked = root.querySelector("[data-thread-locked]");
  if (locked && "locked" in data) locked.hidden = !data.locked;
  const status = root.querySelector("[data-thread-status]");
  if (status && data.status) status.textContent = statusLabels[data.status] || data.status;
  const proposal = root.querySelector("[data-proposal-status]");
  if (proposal && data.proposal_status) proposal.textContent = proposalLabels[data.proposal_status] || data.proposal_status;
  const reason = root.querySelector("[data-status-reason]");
  if (reason && "status_reason" in data) {
    const text = reason.querySelector("span");
    if (text) text.textContent = data.status_reason || "";
    reason.hidden = !data.status_reason;
  }
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
  const element = postElement(post);
  const previous = holder.querySelector("[data-post-id]");
  for (const copy of list.querySelectorAll(`[data-post-id="${post.id}"]`)) copy.remove(); // shown once
  holder.replaceChildren(element);
  if (previous && previous.dataset.postId !== String(post.id)) { // an earlier answer goes back among the replies
    previous.classList.remove("forum-post--official");
    insertInPlace(previous, { id: parseInt(previous.dataset.postId, 10), created_at: previous.dataset.created || previous.querySelector("time")?.dateTime || "" });
  }
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
      applyThread(data);
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

if (root && list && template && "WebSocket" in window) {
  setupQuotes();
  connect();
}
