// The public page of a live (or scheduled) council session: stream on demand, agenda, chat, polls,
// questions, viewer count and the connection status. The page is complete without JavaScript (read
// only); this module keeps it current over the session's websocket and sends the citizen's actions.

import {
  revealScriptForms, announce, api, apiAll, connectionStatus, errorText, format, initialSeq, labels, root, setViewerCount, socketPath,
  timeOf,
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
  document.querySelectorAll("[data-poll-form]").forEach((form) => {
    const poll = form.closest("[data-poll-id]");
    form.hidden = !live || !poll || poll.dataset.status !== "open";
  });
  if (status === "ended") {
    const note = document.querySelector("[data-ended-note]");
    if (note) {
      note.hidden = false;
      note.textContent = labels.endedText;
    }
  }
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
      break;
    case "agenda.item":
      agendaItem(data.item);
      break;
    case "agenda.changed":
      agendaReplace(data.agenda, data.current_item);
      break;
    case "chat.message":
      chatMessage(chatList, data.message || data);
      break;
    case "chat.removed":
      chatRemove(chatList, data.id);
      break;
    case "poll.opened":
    case "poll.updated":
      wirePoll(pollUpsert(pollList, data.poll, { canVote: signedIn }));
      liveState();
      break;
    case "poll.tally": {
      const node = pollList && pollList.querySelector(`[data-poll-id="${pollId(data.poll)}"]`);
      if (node) pollTally(node, data.counts, data.total);
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
    case "question.updated":
      upsertQuestion(data.question);
      break;
    case "question.removed":
      questionRemove(questionList, data.id);
      break;
    default:
      break; // commitments and others: shown in the archive
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
  questionUpsert(questionList, question, { mine });
  questionSort(questionList, order);
}

function isMine(question) {
  return question.author && String(question.author.id) === labels.userId;
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

function setupChat() {
  if (chatList) chatList.scrollTop = chatList.scrollHeight; // newest messages in view
  const form = document.querySelector("[data-chat-form]");
  if (!form) return;
  const field = form.querySelector("textarea");
  const error = form.querySelector("[data-chat-error]");
  const button = form.querySelector("button[type=submit]");
  counter(field, form.querySelector("[data-chat-count]"), Number(field.maxLength) || 500);
  let pending = null; // the unacknowledged message: sent again unchanged after a reconnect
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = field.value.trim();
    if (!text || pending) return;
    error.textContent = "";
    field.removeAttribute("aria-invalid");
    pending = { type: "chat.send", text, idempotency_key: newKey() };
    button.setAttribute("aria-disabled", "true");
    try {
      const answer = await socket.request(pending);
      if (answer && answer.message) chatMessage(chatList, answer.message);
      field.value = "";
      field.dispatchEvent(new Event("input"));
    } catch (failure) {
      field.setAttribute("aria-invalid", "true");
      error.textContent = errorText(failure);
      if (failure.code === "muted" || failure.code === "banned") {
        me.can_chat = false;
      }
    } finally {
      pending = null;
      button.removeAttribute("aria-disabled");
    }
  });
}

function setupFlags() {
  if (!chatList || !signedIn) return;
  const region = document.querySelector("[data-chat-status]");
  chatList.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-chat-flag]");
    if (!button || button.getAttribute("aria-disabled") === "true") return;
    const id = button.closest("[data-message-id]").dataset.messageId;
    button.setAttribute("aria-disabled", "true");
    try {
      await api(`${labels.api}chat/${id}/flag/`, { method: "POST", body: { reason: "" } });
      announce(region, labels.flagged, false);
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
        questionUpsert(questionList, question, { mine: false });
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
      } catch (failure) {
        if (failure.code === "already_voted") button.setAttribute("aria-pressed", "true");
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

// --- Start ---------------------------------------------------------------------------------------

function start() {
  if (!root) return;
  revealScriptForms();
  setupStream();
  setupChat();
  setupFlags();
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
    onEvent: applyEvent,
    onReset: reloadFromRest,
    onState: connectionStatus,
    onFrame(frame) {
      if (frame.type === "presence") setViewerCount(frame.viewer_count);
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
