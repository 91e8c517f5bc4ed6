// The public page of a live (or scheduled) council session: stream on demand, agenda, chat, polls,
// questions, viewer count and the connection status. The page is complete without JavaScript (read
// only); this module keeps it current over the session's websocket and sends the citizen's actions.

import {
  revealScriptForms, announce, api, apiAll, clone, connectionStatus, errorText, format, initialSeq, labels, root, setText, setViewerCount,
  socketPath, timeOf,
} from "./session-common.js";
import {
  agendaCurrent, agendaItem, agendaReplace, chatMessage, chatRemove, count, pollId, pollMine, pollResults, pollStatus, pollTally,
  pollUpsert, questionRemove, questionSort, questionUpsert, sessionStatus,
} from "./session-render.js";
import { newKey, SessionSocket } from "./session-socket.js";
import { setupStream } from "./session-stream.js";

const chatList = document.querySelector("[data-chat-list]");
const questionList = document.querySelector("[data-question-list]");
const pollList = document.querySelector("[data-poll-list]");
const signedIn = Boolean(labels.authenticated);
let order = questionList ? questionList.dataset.order || "votes" : "votes";
let me = { authenticated: signedIn };
let socket = null;

// --- Permissions and session state ---------------------------------------------------------------

function liveState() {
  const status = root.dataset.status;
  const chatForm = document.querySelector("[data-chat-form]");
  const chatClosed = document.querySelector("[data-chat-closed]");
  const live = status === "live";
  if (chatForm) chatForm.hidden = !live || me.can_chat === false;
  if (chatClosed) {
    chatClosed.hidden = live && me.can_chat !== false;
    if (me.banned) chatClosed.textContent = labels.bannedNote;
    else if (me.muted_until) chatClosed.textContent = format(labels.mutedNote, { time: timeOf(me.muted_until) });
    else if (!live) chatClosed.textContent = labels.chatClosedNote;
  }
  const early = ["accountability", "hearing"].includes(root.dataset.kind);
  const canAsk = me.can_ask ?? (status === "live" || (status === "scheduled" && early));
  const questionForm = document.querySelector("[data-question-form]");
  const questionsClosed = document.querySelector("[data-questions-closed]");
  if (questionForm) questionForm.hidden = !canAsk;
  if (questionsClosed) questionsClosed.hidden = Boolean(canAsk);
  const canVote = signedIn && !me.banned;
  document.querySelectorAll("[data-poll-form]").forEach((form) => {
    const poll = form.closest("[data-poll-id]");
    form.hidden = !live || !canVote || !poll || poll.dataset.status !== "open";
  });
  document.querySelectorAll("[data-poll-signin]").forEach((link) => {
    const poll = link.closest("[data-poll-id]");
    link.hidden = !live || !poll || poll.dataset.status !== "open";
  });
  if (!canVote) {
    document.querySelectorAll("[data-poll-id][data-status='open'] [data-part='state']").forEach((node) => {
      node.textContent = labels.pollOpenPlain;
    });
  }
  document.querySelectorAll("[data-upvote]").forEach((button) => { button.hidden = Boolean(me.banned) || status === "ended"; });
  document.querySelectorAll("[data-when-live]").forEach((node) => { node.hidden = !live; });
  document.querySelectorAll("[data-until-live]").forEach((node) => { node.hidden = status !== "scheduled"; });
  if (status === "ended") showEnded();
}

// The session ended while the page was open: the ended state in place (no viewer count, no item in
// progress, no tools that would be refused) with a link to the archive this address now shows.
function showEnded() {
  const note = document.querySelector("[data-ended-note]");
  if (note) {
    note.hidden = false;
    const text = note.querySelector("[data-ended-text]");
    if (text) text.textContent = labels.endedLive;
  }
  document.querySelectorAll("[data-viewer-count], [data-live-now], [data-stream], [data-agenda] [data-part='now'], [data-chat-connection]")
    .forEach((node) => { node.hidden = true; });
  document.querySelectorAll("[data-agenda] [aria-current]").forEach((node) => {
    node.removeAttribute("aria-current");
    node.classList.remove("is-current");
  });
  const line = document.querySelector("[data-connection]");
  if (line) line.hidden = true;
}

// --- Events --------------------------------------------------------------------------------------

function applyEvent(frame) {
  const data = frame.data || {};
  switch (frame.event) {
    case "session.status":
      root.dataset.status = data.status;
      sessionStatus(data.status);
      if (me.authenticated && data.status === "live") me.can_chat = !me.banned && !me.muted_until;
      if (data.status === "ended") me.can_ask = false;
      else delete me.can_ask;
      liveState();
      break;
    case "session.updated":
      sessionUpdated(data);
      break;
    case "agenda.current":
      agendaCurrent(data.item && typeof data.item === "object" ? data.item.id : data.item);
      nowShowing();
      break;
    case "agenda.item":
      agendaItem(data.item);
      break;
    case "agenda.changed":
      agendaReplace(data.agenda, data.current_item);
      nowShowing();
      break;
    case "chat.message":
      if (chatMessage(chatList, data.message || data)) unread("chat");
      break;
    case "chat.removed":
      chatRemove(chatList, data.id);
      break;
    case "poll.opened":
    case "poll.updated":
      wirePoll(pollUpsert(pollList, data.poll, { canVote: signedIn && !me.banned }));
      liveState();
      unread("polls");
      break;
    case "poll.tally": {
      const node = pollList && pollList.querySelector(`[data-poll-id="${pollId(data.poll)}"]`);
      if (node) pollTally(node, data.counts, data.total, data.channels);
      break;
    }
    case "poll.closed": {
      const id = pollId(data.poll);
      if (data.poll && typeof data.poll === "object") pollUpsert(pollList, data.poll, { canVote: signedIn });
      const node = pollList && pollList.querySelector(`[data-poll-id="${id}"]`);
      if (node) {
        pollStatus(node, "closed", signedIn);
        pollResults(node, data.results);
      }
      break;
    }
    case "question.created":
      upsertQuestion(data.question);
      unread("questions");
      break;
    case "question.updated":
      upsertQuestion(data.question);
      break;
    case "commitment.created":
    case "commitment.updated":
      commitmentUpsert(data.commitment);
      if (frame.event === "commitment.created") unread("commitments");
      break;
    case "question.removed":
      questionRemove(questionList, data.id);
      break;
    default:
      break;
  }
}

// Staff changed settings during the session: the title, slow mode and the stream addresses.
function sessionUpdated(fields) {
  const title = document.querySelector("[data-session-title]");
  if (title && typeof fields.title === "string") title.textContent = fields.title;
  const slow = document.querySelector("[data-slow-mode]");
  if (slow && Number.isInteger(fields.slow_mode_seconds)) {
    slow.hidden = fields.slow_mode_seconds <= 0;
    slow.textContent = count("slow", fields.slow_mode_seconds);
  }
  const stream = document.querySelector("[data-stream]");
  if (stream && typeof fields.stream_url === "string" && fields.stream_url !== stream.dataset.streamUrl) {
    stream.dataset.streamUrl = fields.stream_url;
    const frame = stream.querySelector("[data-stream-frame]");
    if (frame && !frame.hidden) {
      frame.replaceChildren();
      if (fields.stream_url) showVideo(stream);
    }
  }
  const audio = stream && stream.querySelector("audio");
  if (audio && typeof fields.audio_url === "string" && fields.audio_url) audio.src = fields.audio_url;
}

function upsertQuestion(question, mine) {
  if (!question) return;
  if (!["approved", "answering", "answered"].includes(question.status) && !isMine(question)) {
    questionRemove(questionList, question.id);
    return;
  }
  const node = questionUpsert(questionList, question, { mine });
  if (node && isMine(question)) node.dataset.mine = "1";
  prepareQuestion(node);
  questionSort(questionList, order);
}

// The author never supports their own question; the button says which state it is in.
function prepareQuestion(node) {
  if (!node) return;
  const button = node.querySelector("[data-upvote]");
  if (!button) return;
  if (node.dataset.mine) {
    button.remove();
    return;
  }
  const pressed = button.getAttribute("aria-pressed") === "true";
  const label = button.querySelector("[data-part='upvote-label']") || button;
  label.textContent = pressed ? labels.supported : labels.support;
  if (me.banned) button.hidden = true;
}

// --- Commitments (recorded by the staff during the session) -------------------------------------

const commitmentList = document.querySelector("[data-commitment-list]");
const commitmentStatuses = (() => {
  try {
    return commitmentList ? JSON.parse(commitmentList.dataset.statuses || "{}") : {};
  } catch {
    return {};
  }
})();
const dueFormat = new Intl.DateTimeFormat(document.documentElement.lang || "fr", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });

function commitmentUpsert(commitment) {
  if (!commitmentList || !commitment || commitment.id == null) return;
  let node = commitmentList.querySelector(`[data-commitment-id="${commitment.id}"]`);
  if (!node) {
    node = clone("tpl-commitment-public");
    if (!node) return;
    node.dataset.commitmentId = String(commitment.id);
    commitmentList.append(node);
  }
  const link = setText(node, "text", commitment.text);
  if (link && commitment.path) link.setAttribute("href", commitment.path);
  setText(node, "status", commitmentStatuses[commitment.status] || commitment.status);
  const due = commitment.due_on ? new Date(`${commitment.due_on}T00:00:00Z`) : null;
  const box = node.querySelector("[data-part='due-box']");
  if (box) box.hidden = !due;
  setText(node, "due", due ? format(labels.dueOn, { date: dueFormat.format(due) }) : "");
  const empty = document.querySelector("[data-commitment-empty]");
  if (empty) empty.hidden = true;
}

// The item in progress, under the title.
function nowShowing() {
  const line = document.querySelector("[data-live-now]");
  if (!line) return;
  const current = document.querySelector("[data-agenda] [aria-current] [data-part='title']");
  line.querySelector("[data-live-now-title]").textContent = current ? current.textContent : "";
  line.hidden = !current || root.dataset.status === "ended";
}

// A question written offline and sent by the offline queue (offline-queue.js) shows like one sent here.
document.addEventListener("offline-queue:sent", (event) => {
  if (event.detail && event.detail.form === "session-question") upsertQuestion(event.detail.data, true);
});

function isMine(question) {
  return Boolean(question.author && labels.userId && String(question.author.id) === labels.userId);
}

// --- Reset: too many events were missed; reload everything from REST ---------------------------

async function reloadFromRest() {
  announce(document.querySelector("[data-connection]"), labels.reloading, false);
  try {
    const detail = await api(labels.api); // its last_seq first: events after it are replayed next
    const [messages, questions, polls] = await Promise.all([
      apiAll(`${labels.api}chat/`, 1),
      apiAll(`${labels.api}questions/?order=${order}`),
      apiAll(`${labels.api}polls/`),
    ]);
    root.dataset.status = detail.status;
    sessionStatus(detail.status);
    me = { ...me, ...(detail.me || {}) };
    if (chatList) chatList.replaceChildren();
    [...messages].sort((a, b) => a.id - b.id).forEach((message) => chatMessage(chatList, message));
    if (questionList) questionList.replaceChildren();
    questions.forEach((question) => upsertQuestion(question));
    polls.filter((poll) => poll.status !== "draft").forEach((poll) => wirePoll(pollUpsert(pollList, poll, { canVote: signedIn })));
    agendaReplace(detail.agenda || [], detail.current_item);
    setViewerCount(detail.viewer_count);
    liveState();
    socket.restartFrom(detail.last_seq);
  } catch {
    window.setTimeout(reloadFromRest, 5000);
  }
}

// --- Chat ----------------------------------------------------------------------------------------

function counter(field, output, max) {
  const update = () => {
    output.textContent = format(labels.chars, { count: field.value.length, max });
  };
  field.addEventListener("input", update);
  update();
}

// Enter sends, Shift+Enter starts a new line. A message sent while offline stays in the list, greyed
// with a note, until the server acknowledges it (the socket sends it again on reconnect, with the
// same idempotency key, so it counts once); a refused one goes back into the box.
function setupChat() {
  if (chatList) chatList.scrollTop = chatList.scrollHeight; // newest messages in view
  const form = document.querySelector("[data-chat-form]");
  if (!form) return;
  const field = form.querySelector("textarea");
  const error = form.querySelector("[data-chat-error]");
  const button = form.querySelector("button[type=submit]");
  counter(field, form.querySelector("[data-chat-count]"), Number(field.maxLength) || 500);
  field.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return;
    event.preventDefault();
    form.requestSubmit();
  });
  let pending = null; // sent while online: the text stays in the box until the server answers
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = field.value.trim();
    if (!text || pending) return;
    error.textContent = "";
    field.removeAttribute("aria-invalid");
    const frame = { type: "chat.send", text, idempotency_key: newKey() };
    // Offline: the message leaves the box for the list, greyed, and goes when the connection is back.
    const queued = socket.isOpen() ? null : queuedMessage(text);
    if (queued) {
      field.value = "";
      field.dispatchEvent(new Event("input"));
    } else {
      pending = frame;
      button.setAttribute("aria-disabled", "true");
    }
    try {
      const answer = await socket.request(frame);
      if (answer && answer.message) chatMessage(chatList, answer.message);
      if (!queued) {
        field.value = "";
        field.dispatchEvent(new Event("input"));
      }
    } catch (failure) {
      if (!field.value) {
        field.value = text;
        field.dispatchEvent(new Event("input"));
      }
      field.setAttribute("aria-invalid", "true");
      error.textContent = errorText(failure);
      if (failure.code === "muted" || failure.code === "banned") {
        me.can_chat = false;
      }
    } finally {
      if (queued) queued.remove();
      else pending = null;
      if (chatList) toggleChatEmpty();
      button.removeAttribute("aria-disabled");
    }
  });
}

function toggleChatEmpty() {
  const empty = document.querySelector("[data-chat-empty]");
  if (empty) empty.hidden = chatList.querySelector("[data-message-id], [data-queued]") !== null;
}

// A message on its way: shown at once, greyed and marked as waiting while the connection is down.
function queuedMessage(text) {
  const node = document.createElement("li");
  node.className = "chat-message chat-message--queued";
  node.dataset.queued = "1";
  node.classList.toggle("is-offline", !socket.isOpen());
  const body = document.createElement("span");
  body.className = "chat-text";
  body.textContent = text;
  const note = document.createElement("span");
  note.className = "chat-queued-note";
  note.textContent = labels.queued;
  node.append(body, note);
  if (chatList) {
    chatList.append(node);
    chatList.scrollTop = chatList.scrollHeight;
    toggleChatEmpty();
  }
  return node;
}

// The connection, said where the person is typing (the line at the top says it too).
function chatConnection(state) {
  const line = document.querySelector("[data-chat-connection]");
  const offline = state === "lost" || state === "closed";
  if (chatList) chatList.querySelectorAll("[data-queued]").forEach((node) => node.classList.toggle("is-offline", offline));
  if (!line || state === "connecting" || root.dataset.status === "ended") return;
  window.clearTimeout(line.fade);
  line.dataset.state = state;
  if (offline) {
    line.textContent = labels.chatOffline;
    line.hidden = false;
  } else if (state === "reconnected") {
    line.textContent = labels.chatOnline;
    line.hidden = false;
    line.fade = window.setTimeout(() => { line.hidden = true; }, 5000);
  } else {
    line.hidden = true;
  }
}

// The message list is one Tab stop: the arrow keys move between messages (roving tabindex), Enter
// goes to the focused message's Report button and Escape comes back. Without the script the list
// is a plain scrollable region.
function prepareMessage(node) {
  if (!node.matches("[data-message-id]")) return;
  node.tabIndex = -1;
  const flag = node.querySelector("[data-chat-flag]");
  if (flag) {
    if (labels.userId && node.dataset.authorId === labels.userId) flag.remove(); // not one's own
    else flag.tabIndex = -1;
  }
}

function rovingStop() {
  if (!chatList) return;
  const messages = chatList.querySelectorAll("[data-message-id]");
  const current = chatList.querySelector("[data-message-id][tabindex='0']");
  if (!messages.length) {
    chatList.tabIndex = 0;
    return;
  }
  chatList.removeAttribute("tabindex");
  if (!current) messages[messages.length - 1].tabIndex = 0;
}

function setupRoving() {
  if (!chatList) return;
  chatList.querySelectorAll("[data-message-id]").forEach(prepareMessage);
  rovingStop();
  new MutationObserver((records) => {
    records.forEach((record) => record.addedNodes.forEach((node) => {
      if (node.nodeType === 1) prepareMessage(node);
    }));
    rovingStop();
  }).observe(chatList, { childList: true });
  const move = (from, to) => {
    if (!to) return;
    if (from) from.tabIndex = -1;
    to.tabIndex = 0;
    to.focus();
  };
  chatList.addEventListener("keydown", (event) => {
    const message = event.target.closest("[data-message-id]");
    if (!message) return;
    if (event.target.matches("[data-chat-flag]")) {
      if (event.key === "Escape") {
        event.preventDefault();
        message.focus();
      }
      return;
    }
    const all = Array.from(chatList.querySelectorAll("[data-message-id]"));
    const index = all.indexOf(message);
    const target = {
      ArrowUp: all[index - 1], ArrowDown: all[index + 1], Home: all[0], End: all[all.length - 1],
    }[event.key];
    if (target) {
      event.preventDefault();
      move(message, target);
    } else if (event.key === "Enter") {
      const flag = message.querySelector("[data-chat-flag]:not([hidden])");
      if (flag) {
        event.preventDefault();
        flag.focus();
      }
    }
  });
  chatList.addEventListener("focusin", (event) => {
    const message = event.target.closest("[data-message-id]");
    if (!message || message.tabIndex === 0) return;
    chatList.querySelectorAll("[data-message-id][tabindex='0']").forEach((node) => { node.tabIndex = -1; });
    message.tabIndex = 0;
  });
}

function setupFlags() {
  if (!chatList || !signedIn) return;
  const region = document.querySelector("[data-chat-status]");
  chatList.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-chat-flag]");
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    const message = button.closest("[data-message-id]");
    const id = message.dataset.messageId;
    button.setAttribute("aria-disabled", "true");
    try {
      await api(`${labels.api}chat/${id}/flag/`, { method: "POST", body: { reason: "" } });
      announce(region, labels.flagged, false);
      if (document.activeElement === button) message.focus();
      button.hidden = true;
    } catch (failure) {
      announce(region, errorText(failure.error || failure), true);
    } finally {
      button.removeAttribute("aria-disabled");
    }
  });
}

// --- Questions -----------------------------------------------------------------------------------

function setupQuestions() {
  const form = document.querySelector("[data-question-form]");
  if (form) {
    const field = form.querySelector("textarea");
    const anonymous = form.querySelector('input[name="anonymous"]');
    const error = form.querySelector("[data-question-error]");
    const status = form.querySelector("[data-question-status]");
    const button = form.querySelector("button[type=submit]");
    counter(field, form.querySelector("[data-question-count]"), Number(field.maxLength) || 1000);
    let pending = null;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const text = field.value.trim();
      if (!text || pending) return;
      error.textContent = "";
      field.removeAttribute("aria-invalid");
      pending = { type: "question.ask", text, anonymous: anonymous.checked, idempotency_key: newKey() };
      button.setAttribute("aria-disabled", "true");
      try {
        const answer = await socket.request(pending);
        const question = answer.question || answer;
        field.value = "";
        field.dispatchEvent(new Event("input"));
        const waiting = question.status === "pending";
        announce(status, waiting ? labels.questionPending : labels.questionSent, false);
        // The asker sees their own question at once, waiting or not (as after a reload).
        const node = questionUpsert(questionList, question, { mine: false });
        if (node) node.dataset.mine = "1";
        prepareQuestion(node);
        questionSort(questionList, order);
      } catch (failure) {
        field.setAttribute("aria-invalid", "true");
        error.textContent = errorText(failure);
      } finally {
        pending = null;
        button.removeAttribute("aria-disabled");
      }
    });
  }
  if (questionList) {
    questionList.addEventListener("click", async (event) => {
      const button = event.target.closest("[data-upvote]");
      if (!button || button.getAttribute("aria-disabled") === "true") return;
      const node = button.closest("[data-question-id]");
      const id = Number(node.dataset.questionId);
      const pressed = button.getAttribute("aria-pressed") === "true";
      button.setAttribute("aria-disabled", "true");
      try {
        const answer = await socket.request({ type: pressed ? "question.unvote" : "question.upvote", question: id });
        const question = answer && answer.question;
        button.setAttribute("aria-pressed", String(!pressed));
        if (question) upsertQuestion(question, !pressed);
        prepareQuestion(node);
      } catch (failure) {
        if (failure.code === "already_voted") button.setAttribute("aria-pressed", "true");
        prepareQuestion(node);
        announce(document.querySelector("[data-question-error]") || document.querySelector("[data-connection]"), errorText(failure), true);
      } finally {
        button.removeAttribute("aria-disabled");
      }
    });
  }
  document.querySelectorAll("[data-sort]").forEach((link) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      order = link.dataset.sort;
      if (questionList) questionList.dataset.order = order;
      document.querySelectorAll("[data-sort]").forEach((other) => {
        if (other === link) other.setAttribute("aria-current", "true");
        else other.removeAttribute("aria-current");
      });
      questionSort(questionList, order);
    });
  });
}

// --- Polls ---------------------------------------------------------------------------------------

function wirePoll(node) {
  if (!node || node.dataset.wired) return;
  node.dataset.wired = "1";
  const form = node.querySelector("[data-poll-form]");
  if (!form) return;
  const status = form.querySelector("[data-part='form-status']");
  const button = form.querySelector("[data-part='submit']");
  let pending = null;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (pending) return;
    const options = Array.from(form.querySelectorAll("input:checked"), (input) => Number(input.value));
    if (!options.length) {
      announce(status, labels.chooseFirst, true);
      return;
    }
    pending = { type: "poll.vote", poll: Number(node.dataset.pollId), options, idempotency_key: newKey() };
    button.setAttribute("aria-disabled", "true");
    try {
      const answer = await socket.request(pending);
      pollMine(node, options);
      if (answer && answer.poll) pollUpsert(pollList, answer.poll, { canVote: signedIn });
      announce(status, labels.voteSaved, false);
    } catch (failure) {
      announce(status, errorText(failure), true);
    } finally {
      pending = null;
      button.removeAttribute("aria-disabled");
    }
  });
}

// --- Tabs: one live tool at a time on a phone, with unread counts ------------------------------
// The server renders a bar of in-page links over stacked sections; the script makes it an ARIA
// tablist (arrow keys, one Tab stop) and counts what arrives in the tools not shown.

const tabs = [];
let selectedTab = null;

function unread(name) {
  const tab = tabs.find((entry) => entry.name === name);
  if (!tab || tab === selectedTab || !tab.link.closest(".is-tabs")) return;
  tab.unread += 1;
  showUnread(tab);
}

function showUnread(tab) {
  tab.badge.hidden = tab.unread === 0;
  tab.badge.textContent = tab.unread ? String(tab.unread) : "";
  tab.hiddenCount.textContent = tab.unread ? ` (${count("unread", tab.unread)})` : "";
}

function selectTab(tab, { focus = false } = {}) {
  selectedTab = tab;
  tabs.forEach((entry) => {
    const on = entry === tab;
    entry.link.setAttribute("aria-selected", String(on));
    entry.link.tabIndex = on ? 0 : -1;
    entry.panel.hidden = !on;
  });
  tab.unread = 0;
  showUnread(tab);
  if (focus) tab.link.focus();
  if (tab.name === "chat" && chatList) chatList.scrollTop = chatList.scrollHeight;
}

function setupTabs() {
  const nav = document.querySelector("[data-live-tabs]");
  if (!nav) return;
  const list = nav.querySelector("ul");
  list.setAttribute("role", "tablist");
  list.setAttribute("aria-label", nav.getAttribute("aria-label") || "");
  nav.querySelectorAll("[data-tab]").forEach((link) => {
    const panel = document.querySelector(`[data-panel="${link.dataset.tab}"]`);
    if (!panel) return;
    link.parentElement.setAttribute("role", "presentation");
    link.setAttribute("role", "tab");
    link.id = `tab-${link.dataset.tab}`;
    link.setAttribute("aria-controls", panel.id);
    panel.setAttribute("role", "tabpanel");
    panel.setAttribute("aria-labelledby", link.id);
    const badge = link.querySelector("[data-unread]");
    badge.setAttribute("aria-hidden", "true");
    const hiddenCount = document.createElement("span");
    hiddenCount.className = "visually-hidden";
    link.append(hiddenCount);
    tabs.push({ name: link.dataset.tab, link, panel, badge, hiddenCount, unread: 0 });
  });
  if (!tabs.length) return;
  // Tabs on a phone; on a wide screen every tool is shown and the bar's links scroll to them.
  const narrow = window.matchMedia("(max-width: 59.99rem)");
  const mode = () => {
    nav.classList.toggle("is-tabs", narrow.matches);
    list.setAttribute("role", narrow.matches ? "tablist" : "list");
    tabs.forEach((entry) => {
      entry.link.parentElement.setAttribute("role", narrow.matches ? "presentation" : "listitem");
      if (narrow.matches) {
        entry.link.setAttribute("role", "tab");
        entry.panel.setAttribute("role", "tabpanel");
      } else {
        entry.link.removeAttribute("role");
        entry.link.removeAttribute("aria-selected");
        entry.link.removeAttribute("tabindex");
        entry.panel.removeAttribute("role");
        entry.panel.hidden = false;
      }
    });
    if (narrow.matches) selectTab(selectedTab || tabs[0]);
  };
  narrow.addEventListener("change", mode);
  list.addEventListener("click", (event) => {
    const link = event.target.closest("[role=tab]");
    if (!link) return;
    event.preventDefault();
    selectTab(tabs.find((entry) => entry.link === link));
  });
  // An address naming a panel (#panel-questions, as the sort links use) opens it.
  selectedTab = tabs.find((entry) => `#${entry.panel.id}` === window.location.hash) || tabs[0];
  mode();
  list.addEventListener("keydown", (event) => {
    const index = tabs.findIndex((entry) => entry.link === event.target);
    if (index < 0 || !nav.classList.contains("is-tabs")) return;
    const next = {
      ArrowRight: tabs[(index + 1) % tabs.length], ArrowLeft: tabs[(index - 1 + tabs.length) % tabs.length],
      Home: tabs[0], End: tabs[tabs.length - 1],
    }[event.key];
    if (next) {
      event.preventDefault();
      selectTab(next, { focus: true });
    } else if (event.key === " ") {
      event.preventDefault();
      selectTab(tabs[index]);
    }
  });
}

// The server lost its database for a moment: the session keeps streaming but nothing can be sent
// yet; the server says so (its message, in the page's language) and says again when it is back.
function serviceNotice(data) {
  let line = document.querySelector("[data-service]");
  if (!line) {
    const connection = document.querySelector("[data-connection]");
    if (!connection) return;
    line = document.createElement("p");
    line.className = "connection";
    line.setAttribute("role", "status");
    line.dataset.service = "";
    line.dataset.state = "read-only";
    connection.after(line);
  }
  line.hidden = !data.read_only;
  if (data.read_only) announce(line, data.message || "", false);
  else line.textContent = "";
}

// --- Start ---------------------------------------------------------------------------------------

function start() {
  if (!root) return;
  revealScriptForms();
  setupTabs();
  setupStream();
  setupChat();
  setupRoving();
  setupFlags();
  if (questionList) questionList.querySelectorAll("[data-question-id]").forEach(prepareQuestion);
  setupQuestions();
  document.querySelectorAll("[data-poll-id]").forEach(wirePoll);
  questionSort(questionList, order);
  socket = new SessionSocket({
    path: socketPath(),
    lastSeq: initialSeq(),
    onHello(data) {
      me = { ...me, ...(data.me || {}) };
      setViewerCount(data.viewer_count);
      liveState();
    },
    onEvent(frame) {
      try {
        applyEvent(frame);
      } finally {
        // Other parts of the page (the council's panel: council-live.js) follow the same events.
        document.dispatchEvent(new CustomEvent("live:event", { detail: frame }));
      }
    },
    onReset() {
      document.dispatchEvent(new CustomEvent("live:reset"));
      reloadFromRest();
    },
    onState(state, code) {
      connectionStatus(state, code);
      chatConnection(state);
    },
    onFrame(frame) {
      if (frame.type === "presence") setViewerCount(frame.viewer_count);
      else if (frame.type === "service" && frame.data) serviceNotice(frame.data);
      else if (frame.type === "me" && frame.data) {
        // A moderator muted or banned this user (or lifted it): the server re-read the rights.
        me = { ...me, ...frame.data };
        liveState();
      }
    },
  });
  // Tests (and a page being hidden for long) can cut the connection like a network failure.
  root.sessionSocket = socket;
  socket.connect();
}

start();
