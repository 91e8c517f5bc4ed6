// Live thread page. Events arrive over /ws/forums/threads/<id>/ (the site's one client,
// live-socket.js), each numbered with the thread's sequence; the page applies a number only right
// after the one before. Posts are never built here: the page asks the server for every post changed
// since the number its posts are at (GET <data-posts-url>?apres=<n>), rendered with the page's own
// include (_post.html) for this viewer, and swaps them in. After a reconnect (the hello carries the
// thread's state and number) or a skipped number (resynchronise: reconnect) it does the same, so
// nothing is missed, nothing is shown twice and a live post is the post the page would show.

import { LiveSocket } from "./live-socket.js";

const root = document.querySelector("[data-thread-id]");
const list = root && root.querySelector("[data-posts]");
const state = root && root.querySelector("[data-forum-live-state]");
const RETRY_MS = 5000;
let seq = root ? parseInt(root.dataset.seq, 10) || 0 : 0; // the last event applied
let postsSeq = seq; // the posts shown are current up to this number
let postsWanted = seq;
let fetching = null;
let retryTimer = null;
let removed = false;
let socket = null;

const pluralRules = new Intl.PluralRules(document.documentElement.lang || undefined);

function labels(name) {
  try { return JSON.parse(root.dataset[name] || "{}"); } catch { return {}; }
}
const statusLabels = root ? labels("statusLabels") : {};
const proposalLabels = root ? labels("proposalLabels") : {};

// The status line: "online" once live, "offline" while reconnecting, "closed" when signed out.
function showState(name, code) {
  if (!state || name === "connecting") return;
  if (name === "closed" && code === 4404) { removedThread(); return; }
  const online = name === "open" || name === "reconnected";
  state.dataset.state = online ? "online" : name === "closed" ? "closed" : "offline";
  state.textContent = (online ? state.dataset.online : name === "closed" ? state.dataset.closed : state.dataset.offline) || "";
}

function seqOf(element) {
  return parseInt(element.dataset.seq, 10) || 0;
}

// Replies are in the order of their numbers, as the page lists them.
function insertInList(element) {
  const id = parseInt(element.dataset.postId, 10);
  const next = [...list.querySelectorAll(":scope > [data-post-id]")].find((other) => parseInt(other.dataset.postId, 10) > id);
  list.insertBefore(element, next || null);
}

function placePost(element) {
  if ("gone" in element.dataset) { // hidden by a moderator: gone for this viewer
    root.querySelectorAll(`[data-post-id="${element.dataset.gone}"]`).forEach((other) => other.remove());
    return;
  }
  const current = root.querySelector(`[data-post-id="${element.dataset.postId}"]`);
  if (current) {
    if (seqOf(current) <= seqOf(element)) current.replaceWith(element);
    return;
  }
  element.classList.add("forum-new");
  insertInList(element);
}

// The official answer is shown once, first, in its own section; an earlier one goes back among the
// replies.
function placeAnswer(answerId) {
  const section = root.querySelector("[data-answer-section]");
  const holder = root.querySelector("[data-answer]");
  if (!section || !holder) return;
  const current = holder.querySelector(":scope > [data-post-id]");
  if ((current ? current.dataset.postId : "") === answerId) return;
  const answer = answerId ? list.querySelector(`:scope > [data-post-id="${answerId}"]`) : null;
  if (answerId && !answer) return;
  holder.replaceChildren(...(answer ? [answer] : []));
  if (current) insertInList(current);
  section.hidden = !answer;
}

function refreshPosts(upTo) {
  postsWanted = Math.max(postsWanted, upTo);
  if (!fetching && !removed) fetching = fetchPosts().finally(() => { fetching = null; });
}

function retryLater() {
  window.clearTimeout(retryTimer);
  retryTimer = window.setTimeout(() => refreshPosts(0), RETRY_MS);
}

// One request at a time, until the posts are at the number wanted (events that come meanwhile
// raise it); each answer says the number it is complete up to.
async function fetchPosts() {
  while (postsSeq < postsWanted && !removed) {
    let response;
    try {
      response = await fetch(`${root.dataset.postsUrl}?apres=${postsSeq}`, { headers: { Accept: "text/html" } });
    } catch {
      retryLater();
      return;
    }
    if (response.status === 404) { removedThread(); return; }
    const holder = document.createElement("template");
    holder.innerHTML = response.ok ? await response.text() : "";
    const box = holder.content.querySelector("[data-post-fragments]");
    if (!box) { retryLater(); return; }
    [...box.children].forEach(placePost);
    placeAnswer(box.dataset.answer || "");
    const reached = parseInt(box.dataset.seq, 10) || 0;
    if (reached <= postsSeq) return; // nothing newer there yet: the next event asks again
    postsSeq = reached;
  }
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

function removedThread() {
  if (removed) return;
  removed = true;
  root.replaceChildren();
  const note = document.createElement("p");
  note.className = "forum-removed";
  note.setAttribute("role", "alert");
  note.textContent = root.dataset.labelRemoved;
  root.append(note);
}

// The thread as it is now (subscribed first, then read): its state, and the posts up to its number.
function hello(data) {
  if (!Number.isInteger(data.seq) || data.seq < seq) return;
  applyThread(data);
  seq = data.seq;
  refreshPosts(seq);
}

function event(frame) {
  if (removed || frame.type !== "event" || !Number.isInteger(frame.seq) || frame.seq <= seq) return;
  if (frame.seq > seq + 1) { // a number was skipped: start again from a hello, as after a cut
    socket.restart();
    return;
  }
  seq = frame.seq;
  const data = frame.data || {};
  switch (frame.event) {
    case "post.created":
    case "post.edited":
    case "post.removed":
      refreshPosts(seq);
      break;
    case "thread.answered":
      applyThread(data);
      refreshPosts(seq);
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

function setupQuotes() {
  const field = root.querySelector("[data-quote-field]");
  const note = root.querySelector("[data-quote-note]");
  const body = root.querySelector("#id_body");
  if (!field || !body) return;
  root.addEventListener("click", (click) => {
    const link = click.target.closest("[data-quote]");
    if (!link) return;
    click.preventDefault();
    field.value = link.dataset.quote;
    if (note) note.hidden = false;
    body.focus();
  });
}

if (root && list) {
  setupQuotes();
  socket = new LiveSocket({
    url: () => `/ws/forums/threads/${root.dataset.threadId}/`,
    onHello: hello,
    onFrame: event,
    onState: showState,
  });
  root.liveSocket = socket; // tests cut the connection like a network failure
  socket.connect();
}
