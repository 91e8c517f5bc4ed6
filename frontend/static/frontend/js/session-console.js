// The staff console of a session: start/end, settings, agenda, polls, answering, commitments.
// Actions go through the REST API (with the CSRF token); what they change comes back live over the
// session's websocket, like for every viewer, so two staff members see each other's work.

import {
  revealScriptForms, announce, api, clone, connectionStatus, errorText, format, initialSeq, labels, part, root, setText,
  setViewerCount, socketPath,
} from "./session-common.js";
import { chatFollower, statusFor } from "./console-desk.js";
import {
  agendaCurrent, agendaItem, agendaReplace, chatRemove, pollId, pollResults, pollStatus, pollTally, pollUpsert, questionRemove, questionSort,
  questionUpsert, sessionStatus,
} from "./session-render.js";
import { SessionSocket } from "./session-socket.js";

const status = document.querySelector("[data-console-status]");
const pollList = document.querySelector("[data-poll-list]");
const questionList = document.querySelector("[data-question-list]");
const commitmentList = document.querySelector("[data-commitment-list]");
const chatList = document.querySelector("[data-chat-list]");
const chat = chatFollower(chatList);
const base = labels.api;

function busy(button, on) {
  if (!button) return;
  if (on) button.setAttribute("aria-disabled", "true");
  else button.removeAttribute("aria-disabled");
}

// One place for every action: the button is busy meanwhile, the outcome is announced in the status
// line of the button's panel (found before the call: the button may be gone after it).
async function act(button, call, errorRegion) {
  if (button && button.getAttribute("aria-disabled") === "true") return null;
  busy(button, true);
  if (errorRegion) errorRegion.textContent = "";
  const region = statusFor(button, status);
  try {
    const result = await call();
    announce(region, labels.done, false);
    return result;
  } catch (failure) {
    const text = errorText(failure.error || failure);
    if (errorRegion) errorRegion.textContent = text;
    announce(region, text, true);
    return null;
  } finally {
    busy(button, false);
  }
}

// Once the session has ended the services refuse the agenda, polls and most settings: their
// controls (data-until-ended) go, as the server renders an ended console, and a note links to the
// archive and to the edit page (recording, description, documents). Answering and commitments stay.
function endedControls(announceIt) {
  document.querySelectorAll("[data-until-ended]").forEach((node) => { node.hidden = true; });
  const notice = document.querySelector("[data-ended-notice]");
  if (!notice) return;
  notice.hidden = false;
  if (!announceIt) return;
  const text = notice.querySelector("[data-ended-text]");
  if (text) announce(status, text.textContent.trim(), false);
  // The end button had the focus and is gone: keep the keyboard user in the page, on the note.
  if (!document.activeElement || document.activeElement === document.body) notice.focus();
}

function statusButtons(state) {
  const wasEnded = root.dataset.status === "ended";
  root.dataset.status = state;
  sessionStatus(state);
  const start = document.querySelector('[data-action="start"]');
  const end = document.querySelector('[data-action="end"]');
  if (start) start.hidden = state !== "scheduled";
  if (end) end.hidden = state !== "live";
  if (state === "ended") endedControls(!wasEnded);
}

// --- Session -------------------------------------------------------------------------------------

function setupSession() {
  document.querySelectorAll("[data-action]").forEach((button) => {
    button.addEventListener("click", async (event) => {
      event.preventDefault(); // the form around it is for pages without JavaScript
      const action = button.dataset.action;
      if (action === "end" && !window.confirm(root.dataset.confirmEnd)) return;
      const session = await act(button, () => api(`${base}${action}/`, { method: "POST" }));
      if (session && session.status) statusButtons(session.status);
    });
  });
  const form = document.querySelector("[data-settings-form]");
  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const recording = { recording_url: form.elements.recording_url.value.trim() };
      // An ended session takes only the recording here (the other fields are hidden then).
      const body = root.dataset.status === "ended" ? recording : {
        stream_url: form.elements.stream_url.value.trim(),
        audio_url: form.elements.audio_url.value.trim(),
        ...recording,
        slow_mode_seconds: Number(form.elements.slow_mode_seconds.value || 0),
        questions_premoderated: form.elements.questions_premoderated.checked,
      };
      act(form.querySelector("button[type=submit]"), () => api(base, { method: "PATCH", body }), form.querySelector("[data-form-error]"));
    });
  }
}

// --- Agenda --------------------------------------------------------------------------------------

// "Set as current item" on every item but the current one (none after the end); "No current item"
// only while one is current.
function markCurrent(id) {
  agendaCurrent(id);
  const ended = root.dataset.status === "ended";
  document.querySelectorAll("[data-agenda] [data-item-id]").forEach((node) => {
    const button = node.querySelector("[data-set-current]");
    if (button) button.hidden = ended || (id != null && node.dataset.itemId === String(id));
  });
  const clear = document.querySelector("[data-clear-current]");
  if (clear) clear.hidden = id == null;
}

// The control pressed is hidden once it has done its work: keep the keyboard in the agenda.
function keepFocusIn(node) {
  if (!node || (document.activeElement && document.activeElement !== document.body && !document.activeElement.hidden)) return;
  node.tabIndex = -1;
  node.focus();
}

function setupAgenda() {
  const list = document.querySelector("[data-agenda]");
  if (list) {
    list.addEventListener("click", async (event) => {
      const button = event.target.closest("[data-set-current]");
      if (!button) return;
      const node = button.closest("[data-item-id]");
      const item = Number(node.dataset.itemId);
      const done = await act(button, () => api(`${base}agenda/current/`, { method: "POST", body: { item } }));
      if (done) {
        markCurrent(item);
        keepFocusIn(node);
      }
    });
  }
  const clear = document.querySelector("[data-clear-current]");
  if (clear) {
    clear.addEventListener("click", async () => {
      const done = await act(clear, () => api(`${base}agenda/current/`, { method: "POST", body: { item: null } }));
      if (done) {
        markCurrent(null);
        keepFocusIn(list);
      }
    });
  }
  const form = document.querySelector("[data-agenda-form]");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const title = form.elements.title.value.trim();
      if (!title) return;
      const item = await act(form.querySelector("button[type=submit]"),
        () => api(`${base}agenda/`, { method: "POST", body: { title } }), form.querySelector("[data-form-error]"));
      if (item) {
        agendaItem(item.item || item);
        markCurrent(currentItem());
        form.reset();
      }
    });
  }
}

function currentItem() {
  const node = document.querySelector("[data-agenda] [data-item-id][aria-current]");
  return node ? Number(node.dataset.itemId) : null;
}

// --- Polls ---------------------------------------------------------------------------------------

// The answers of a new poll: one row each, from the fewest to the most the service takes (the
// fieldset's data-min and data-max). Enter in an answer goes to the next one, adding it if needed.
function pollOptionRows(box) {
  const rows = box.querySelector("[data-option-rows]");
  const add = box.querySelector("[data-option-add]");
  const full = box.querySelector("[data-option-full]");
  const min = Number(box.dataset.min) || 2;
  const max = Number(box.dataset.max) || min;
  function renumber() {
    Array.from(rows.children).forEach((row, index) => {
      const n = index + 1;
      const input = row.querySelector("input");
      input.id = `poll-option-${n}`;
      const label = part(row, "label");
      label.htmlFor = input.id;
      label.textContent = format(box.dataset.rowLabel, { n });
      const remove = row.querySelector("[data-option-remove]");
      remove.setAttribute("aria-label", format(box.dataset.removeLabel, { n }));
      remove.hidden = rows.children.length <= min;
    });
    add.hidden = rows.children.length >= max;
    full.hidden = rows.children.length < max;
  }
  function addRow(focus) {
    if (rows.children.length >= max) return;
    const row = clone("tpl-poll-option-row");
    rows.append(row);
    renumber();
    if (focus) row.querySelector("input").focus();
  }
  add.addEventListener("click", () => addRow(true));
  rows.addEventListener("click", (event) => {
    const remove = event.target.closest("[data-option-remove]");
    if (!remove) return;
    const row = remove.closest("li");
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    renumber();
    if (next) next.querySelector("input").focus();
  });
  rows.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !event.target.matches("input")) return;
    event.preventDefault();
    const row = event.target.closest("li");
    if (row.nextElementSibling) row.nextElementSibling.querySelector("input").focus();
    else addRow(true);
  });
  function reset() {
    rows.replaceChildren();
    for (let i = 0; i < min; i += 1) addRow(false);
  }
  reset();
  return {
    values: () => Array.from(rows.querySelectorAll("input")).map((input) => input.value.trim()).filter(Boolean),
    reset,
  };
}

function setupPolls() {
  const form = document.querySelector("[data-poll-create]");
  const box = form && form.querySelector("[data-poll-options]");
  if (form && box) {
    const answers = pollOptionRows(box);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { question: form.elements.question.value.trim(), options: answers.values(), multiple: form.elements.multiple.checked };
      const poll = await act(form.querySelector("button[type=submit]"),
        () => api(`${base}polls/`, { method: "POST", body }), form.querySelector("[data-form-error]"));
      if (poll) {
        pollUpsert(pollList, poll.poll || poll, { canVote: false });
        form.reset();
        answers.reset();
      }
    });
  }
  if (pollList) {
    pollList.addEventListener("click", async (event) => {
      const button = event.target.closest("[data-poll-open], [data-poll-close]");
      if (!button) return;
      const node = button.closest("[data-poll-id]");
      const verb = button.hasAttribute("data-poll-open") ? "open" : "close";
      const poll = await act(button, () => api(`${base}polls/${node.dataset.pollId}/${verb}/`, { method: "POST" }));
      if (poll) pollUpsert(pollList, poll.poll || poll, { canVote: false });
    });
  }
}

// --- Questions and commitments -------------------------------------------------------------------

function addAnsweredOption(question) {
  const select = document.querySelector("[data-commitment-question]");
  if (!select || question.status !== "answered" || select.querySelector(`option[value="${question.id}"]`)) return;
  const option = document.createElement("option");
  option.value = String(question.id);
  option.textContent = question.text.length > 80 ? `${question.text.slice(0, 79)}…` : question.text;
  select.append(option);
}

function upsertQuestion(question) {
  if (!question || !["approved", "answering", "answered"].includes(question.status)) {
    const node = question && questionList && questionList.querySelector(`[data-question-id="${question.id}"]`);
    if (node) node.remove();
    return;
  }
  questionUpsert(questionList, question);
  questionSort(questionList, "votes");
  addAnsweredOption(question);
}

function setupQuestions() {
  if (!questionList) return;
  questionList.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-answering], [data-answered], [data-commit]");
    if (!button) return;
    const node = button.closest("[data-question-id]");
    const id = node.dataset.questionId;
    if (button.hasAttribute("data-commit")) {
      const select = document.querySelector("[data-commitment-question]");
      if (select) {
        addAnsweredOption({ id, status: "answered", text: part(node, "text").textContent });
        select.value = id;
        document.getElementById("commitment-text").focus();
      }
      return;
    }
    const answering = button.hasAttribute("data-answering");
    const body = { status: answering ? "answering" : "answered" };
    if (!answering) body.answer = node.querySelector("[data-answer-text]").value.trim();
    const question = await act(button, () => api(`${base}questions/${id}/answer/`, { method: "POST", body }));
    if (question) upsertQuestion(question.question || question);
  });
}

function commitmentUpsert(commitment) {
  if (!commitmentList || !commitment) return;
  let node = commitmentList.querySelector(`[data-commitment-id="${commitment.id}"]`);
  if (!node) {
    node = clone("tpl-commitment");
    node.dataset.commitmentId = String(commitment.id);
    const select = node.querySelector("[data-commitment-status]");
    const label = node.querySelector("label");
    select.id = `commitment-status-${commitment.id}`;
    label.htmlFor = select.id;
    commitmentList.append(node);
  }
  setText(node, "text", commitment.text);
  const link = node.querySelector('[data-part="text"]');
  if (link && commitment.path) link.setAttribute("href", commitment.path); // the commitment's page
  setText(node, "due", commitment.due_on || "");
  const select = node.querySelector("[data-commitment-status]");
  if (select && commitment.status && document.activeElement !== select) select.value = commitment.status;
}

function setupCommitments() {
  const form = document.querySelector("[data-commitment-form]");
  if (form) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = { text: form.elements.text.value.trim() };
      if (form.elements.due_on.value) body.due_on = form.elements.due_on.value;
      if (form.elements.question.value) body.question = Number(form.elements.question.value);
      const commitment = await act(form.querySelector("button[type=submit]"),
        () => api(`${base}commitments/`, { method: "POST", body }), form.querySelector("[data-form-error]"));
      if (commitment) {
        commitmentUpsert(commitment.commitment || commitment);
        form.reset();
      }
    });
  }
  if (commitmentList) {
    commitmentList.addEventListener("click", async (event) => {
      const button = event.target.closest("[data-commitment-save]");
      if (!button) return;
      const node = button.closest("[data-commitment-id]");
      const body = { status: node.querySelector("[data-commitment-status]").value };
      const path = `${root.dataset.commitmentsApi}${node.dataset.commitmentId}/`;
      const commitment = await act(button, () => api(path, { method: "PATCH", body }));
      if (commitment) commitmentUpsert(commitment.commitment || commitment);
    });
  }
}

// --- Live ----------------------------------------------------------------------------------------

function applyEvent(frame) {
  const data = frame.data || {};
  switch (frame.event) {
    case "session.status":
      statusButtons(data.status);
      break;
    case "agenda.current":
      markCurrent(data.item && typeof data.item === "object" ? data.item.id : data.item);
      break;
    case "agenda.item":
      agendaItem(data.item);
      markCurrent(currentItem());
      break;
    case "agenda.changed":
      agendaReplace(data.agenda, data.current_item);
      markCurrent(data.current_item);
      break;
    case "chat.message":
      chat.add(data.message || data);
      break;
    case "chat.removed":
      chatRemove(chatList, data.id);
      break;
    case "poll.opened":
      pollUpsert(pollList, data.poll, { canVote: false });
      break;
    case "poll.tally": {
      const node = pollList && pollList.querySelector(`[data-poll-id="${pollId(data.poll)}"]`);
      if (node) pollTally(node, data.counts, data.total, data.channels);
      break;
    }
    case "poll.closed": {
      const id = pollId(data.poll);
      const node = pollList && pollList.querySelector(`[data-poll-id="${id}"]`);
      if (node) {
        pollStatus(node, "closed", false);
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
    case "commitment.created":
    case "commitment.updated":
      commitmentUpsert(data.commitment);
      break;
    default:
      break;
  }
}

function start() {
  if (!root) return;
  revealScriptForms();
  if (root.dataset.status === "ended") endedControls(false);
  setupSession();
  setupAgenda();
  setupPolls();
  setupQuestions();
  setupCommitments();
  const socket = new SessionSocket({
    path: socketPath(),
    lastSeq: initialSeq(),
    onHello(data) { setViewerCount(data.viewer_count); },
    onEvent: applyEvent,
    onReset() { window.location.reload(); }, // the console is rendered from the database: reload it
    onState: connectionStatus,
    onFrame(frame) { if (frame.type === "presence") setViewerCount(frame.viewer_count); },
  });
  root.sessionSocket = socket;
  socket.connect();
}

start();
