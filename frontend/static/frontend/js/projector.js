// The projector of a session (frontend/council/projector.html): the screen of the council room. It
// follows the session's websocket like the public page, read only and anonymous (session-socket.js:
// resumes after a cut with the last sequence number it applied, starting from the one the server
// rendered the page at), and shows one thing of each kind: the agenda item in progress, the motion
// (the open one, else the latest) with its tally and result, the quorum, and an open poll's results
// or the most supported citizens' questions.
//
// Events carry whole objects (a motion, a poll, a question) and replace what is shown, so a replay
// converges. After a "reset" (too much missed) the page reloads: a projector has nothing to lose.

import { connectionStatus, initialSeq, root, socketPath } from "./session-common.js";
import { SessionSocket } from "./session-socket.js";
import { fill, part, quorumText, readLabels, reasonText, setBar } from "./council-live.js";

const labels = readLabels(root);
const SHOWN_QUESTIONS = 3;
const PROJECTED = ["approved", "answering"];
const plural = new Intl.PluralRules(document.documentElement.lang || "fr");

function count(one, other, value) {
  return fill(plural.select(Number(value)) === "one" ? one : other, { count: value });
}

function setText(node, name, text) {
  const target = node && part(node, name);
  if (target) target.textContent = text == null ? "" : String(text);
  return target;
}

// --- The agenda item in progress -----------------------------------------------------------------

const agenda = document.querySelector("[data-projector-agenda]");
let currentItem = root && root.dataset.currentItem ? Number(root.dataset.currentItem) : null;

function showItem(id) {
  currentItem = id == null ? null : Number(id);
  const line = currentItem == null || !agenda ? null : agenda.querySelector(`[data-item-id="${currentItem}"]`);
  const heading = document.querySelector("[data-projector-item]");
  if (heading) heading.textContent = line ? line.textContent : root.dataset.sessionTitle || "";
}

function agendaItem(item) {
  if (!agenda || !item || item.id == null) return;
  let line = agenda.querySelector(`[data-item-id="${item.id}"]`);
  if (!line) {
    line = document.createElement("li");
    line.dataset.itemId = String(item.id);
    agenda.append(line);
  }
  line.textContent = item.title || "";
  if (Number(item.id) === currentItem) showItem(currentItem);
}

function agendaChanged(data) {
  if (agenda) agenda.replaceChildren();
  (data.agenda || []).forEach(agendaItem);
  showItem(data.current_item);
}

// --- The motion ----------------------------------------------------------------------------------

const motionBox = document.querySelector("[data-projector-motion]");
const motionNode = motionBox && motionBox.querySelector("[data-council-motion]");
// What is known of each motion: the open one is shown, else the one with the highest number.
const motions = new Map();
if (motionNode && motionNode.dataset.councilMotion) {
  motions.set(Number(motionNode.dataset.councilMotion), { status: motionNode.dataset.status, number: Number(motionNode.dataset.number) });
}

function shownMotion() {
  let best = null;
  motions.forEach((entry, id) => {
    const rank = [entry.status === "open" ? 1 : 0, entry.number];
    if (!best || rank[0] > best.rank[0] || (rank[0] === best.rank[0] && rank[1] > best.rank[1])) best = { id, rank };
  });
  return best ? best.id : null;
}

function motionChanged(motion) {
  if (!motionNode || !motion || motion.id == null) return;
  motions.set(motion.id, { status: motion.status, number: motion.number });
  if (shownMotion() !== motion.id) return;
  motionNode.hidden = false;
  motionNode.dataset.councilMotion = String(motion.id);
  motionNode.dataset.status = motion.status;
  motionNode.dataset.number = String(motion.number);
  const state = setText(motionNode, "status", (labels.status || {})[motion.status] || motion.status);
  if (state) state.className = `projector-state projector-state--${motion.status}`;
  const ballot = setText(motionNode, "ballot", labels.secret);
  if (ballot) ballot.hidden = !motion.secret;
  setText(motionNode, "title", fill(labels.motion, { number: motion.number, title: motion.title }));
  const tally = motion.tally || {};
  const voting = (tally.for || 0) + (tally.against || 0) + (tally.abstain || 0);
  ["for", "against", "abstain"].forEach((key) => {
    const number = motionNode.querySelector(`[data-council-tally-${key}]`);
    if (number) number.textContent = String(tally[key] || 0);
    setBar(part(motionNode, `bar-${key}`), tally[key] || 0, voting);
  });
  const notVoting = setText(motionNode, "not-voting", fill(labels.notVoting, { count: tally.not_voting || 0 }));
  if (notVoting) notVoting.hidden = !tally.not_voting;
  const result = motionNode.querySelector("[data-council-result]");
  result.dataset.councilResult = motion.result || "";
  result.className = `projector-result projector-result--${motion.result || "none"}`;
  result.hidden = !motion.result;
  setText(result, "result", (labels.resultLoud || {})[motion.result] || "");
  setText(result, "reason", reasonText(labels, motion));
  const empty = part(motionBox, "no-motion");
  if (empty) empty.hidden = true;
}

// --- The quorum ----------------------------------------------------------------------------------

let called = Boolean(root.dataset.called);

function quorumChanged(quorum) {
  const box = document.querySelector("[data-council-quorum]");
  if (!box || !quorum) return;
  called = true; // an attendance event: the roll call has begun
  const state = quorum.reached ? "reached" : "missing";
  box.dataset.councilQuorum = state;
  box.className = `projector-quorum projector-quorum--${state}`;
  setText(box, "quorum-text", quorumText(labels, quorum, called));
  const meter = part(box, "quorum-meter");
  if (meter) {
    meter.max = Math.max(quorum.in_office, 1);
    meter.low = quorum.required;
    meter.optimum = Math.max(quorum.in_office, 1);
    meter.value = quorum.counted;
    meter.textContent = `${quorum.counted} / ${quorum.in_office}`;
  }
}

// --- Citizens: a poll's results, or the most supported questions --------------------------------

const pollBox = document.querySelector("[data-projector-poll]");
const questionBox = document.querySelector("[data-projector-questions]");
const questionList = questionBox && part(questionBox, "questions");

function pollShown() {
  return pollBox && pollBox.dataset.pollId ? { id: Number(pollBox.dataset.pollId), status: pollBox.dataset.status } : null;
}

function pollCounts(counts, total) {
  if (!pollBox) return;
  pollBox.querySelectorAll("[data-option-id]").forEach((line) => {
    const value = Number(counts[line.dataset.optionId] || 0);
    setText(line, "count", `${total ? Math.round((100 * value) / total) : 0} %`);
    setBar(part(line, "bar"), value, total);
  });
  setText(pollBox, "poll-total", count(labels.pollOne, labels.pollOther, total));
}

function pollStatus(status) {
  pollBox.dataset.status = status;
  setText(pollBox, "poll-state", status === "open" ? labels.pollOpen : labels.pollClosed);
}

// A poll opened or changed (the whole poll): the latest one takes the place.
function pollChanged(poll) {
  if (!pollBox || !poll || typeof poll !== "object" || poll.status === "draft") return;
  const shown = pollShown();
  if (shown && poll.id < shown.id) return;
  pollBox.dataset.pollId = String(poll.id);
  pollStatus(poll.status);
  setText(pollBox, "poll-question", poll.question);
  const list = part(pollBox, "poll-options");
  list.replaceChildren(...(poll.options || []).map((option) => {
    const line = document.createElement("li");
    line.dataset.optionId = String(option.id);
    const label = document.createElement("span");
    label.dataset.part = "label";
    label.textContent = option.label;
    const number = document.createElement("strong");
    number.dataset.part = "count";
    const bar = document.createElement("progress");
    bar.className = "projector-bar";
    bar.dataset.part = "bar";
    bar.setAttribute("aria-hidden", "true");
    line.append(label, " ", number, bar);
    return line;
  }));
  pollCounts(Object.fromEntries((poll.options || []).map((option) => [String(option.id), option.vote_count])), poll.total || 0);
  arrange();
}

function pollTally(data) {
  const shown = pollShown();
  if (shown && shown.id === Number(data.poll)) pollCounts(data.counts || {}, data.total || 0);
}

function pollClosed(data) {
  const shown = pollShown();
  const id = typeof data.poll === "object" && data.poll ? data.poll.id : Number(data.poll);
  if (!shown || shown.id !== id) return;
  pollStatus("closed");
  const results = data.results || {};
  const counts = results.counts || Object.fromEntries((results.options || []).map((option) => [String(option.id), option.votes]));
  pollCounts(counts, results.total || 0);
  arrange();
}

function questionChanged(question) {
  if (!questionList || !question || question.id == null) return;
  let line = questionList.querySelector(`[data-question-id="${question.id}"]`);
  if (!PROJECTED.includes(question.status)) {
    if (line) line.remove();
    arrange();
    return;
  }
  if (!line) {
    line = document.createElement("li");
    line.dataset.questionId = String(question.id);
    const text = document.createElement("span");
    text.dataset.part = "text";
    const votes = document.createElement("span");
    votes.className = "projector-supports";
    votes.dataset.part = "votes";
    line.append(text, " ", votes);
    questionList.append(line);
  }
  line.dataset.votes = String(question.vote_count || 0);
  line.dataset.status = question.status;
  setText(line, "text", question.text);
  setText(line, "votes", count(labels.supportsOne, labels.supportsOther, question.vote_count || 0));
  arrange();
}

function questionRemoved(id) {
  const line = questionList && questionList.querySelector(`[data-question-id="${id}"]`);
  if (line) line.remove();
  arrange();
}

// The most supported first (the earliest on a tie); the first three shown. Then the rule of the
// server's render: an open poll, else the questions, else the last poll's results.
function arrange() {
  let questions = 0;
  if (questionList) {
    const lines = Array.from(questionList.querySelectorAll("[data-question-id]"));
    lines.sort((a, b) => Number(b.dataset.votes) - Number(a.dataset.votes) || Number(a.dataset.questionId) - Number(b.dataset.questionId));
    lines.forEach((line, index) => {
      line.hidden = index >= SHOWN_QUESTIONS;
    });
    questionList.append(...lines);
    questions = lines.length;
    const empty = part(questionBox, "no-question");
    if (empty) empty.hidden = questions > 0;
  }
  const poll = pollShown();
  const showPoll = Boolean(poll) && (poll.status === "open" || !questions);
  if (pollBox) pollBox.hidden = !showPoll;
  if (questionBox) questionBox.hidden = showPoll;
}

// --- Events --------------------------------------------------------------------------------------

function applyEvent(frame) {
  const data = frame.data || {};
  switch (frame.event) {
    case "agenda.current":
      showItem(data.item && typeof data.item === "object" ? data.item.id : data.item);
      break;
    case "agenda.item":
      agendaItem(data.item);
      break;
    case "agenda.changed":
      agendaChanged(data);
      break;
    case "session.status": {
      root.dataset.status = data.status;
      const ended = document.querySelector("[data-projector-ended]");
      if (ended) ended.hidden = data.status !== "ended";
      break;
    }
    case "session.updated":
      if (typeof data.title === "string") {
        root.dataset.sessionTitle = data.title;
        showItem(currentItem);
      }
      break;
    case "attendance.updated":
      quorumChanged(data.quorum);
      break;
    case "motion.opened":
    case "motion.vote":
    case "motion.closed":
    case "motion.corrected":
    case "motion.updated":
      motionChanged(data.motion);
      break;
    case "poll.opened":
    case "poll.updated":
      pollChanged(data.poll);
      break;
    case "poll.tally":
      pollTally(data);
      break;
    case "poll.closed":
      if (data.poll && typeof data.poll === "object") pollChanged(data.poll);
      pollClosed(data);
      break;
    case "question.created":
    case "question.updated":
      questionChanged(data.question);
      break;
    case "question.removed":
      questionRemoved(data.id);
      break;
    default:
      break;
  }
}

function start() {
  if (!root || !root.dataset.socket) return;
  const socket = new SessionSocket({
    path: socketPath(),
    lastSeq: initialSeq(),
    onEvent: applyEvent,
    onReset: () => window.location.reload(),
    onState: connectionStatus,
  });
  root.sessionSocket = socket; // as on the public page: tests can cut the connection
  socket.connect();
}

start();
