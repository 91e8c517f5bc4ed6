// Rendering of live session objects (chat messages, questions, polls, agenda) into the markup of
// the server-rendered page: each kind is cloned from a <template> made of the same partial as the
// first paint, so both look the same. Every function is idempotent (upsert by id), because a
// replay after a reconnect may carry what the page already shows.

import { clone, format, labels, part, plural, setText, timeOf } from "./session-common.js";

const pluralRules = new Intl.PluralRules(document.documentElement.lang || "fr");

export function count(prefix, n) {
  const one = labels[`${prefix}One`];
  const other = labels[`${prefix}Other`];
  return format(pluralRules.select(n) === "one" ? one : other, { count: n });
}

function percentText(n, total) {
  const value = total > 0 ? Math.round((100 * n) / total) : 0;
  return `${value} %`;
}

function toggleEmpty(list, emptySelector) {
  const empty = document.querySelector(emptySelector);
  if (empty) empty.hidden = list.children.length > 0;
}

// --- Chat ---------------------------------------------------------------------------------------

export const CHAT_KEEP = 200; // messages kept on screen (older ones are in the archive)

export function chatMessage(list, message) {
  if (!list || !message || message.id == null) return null;
  if (list.querySelector(`[data-message-id="${message.id}"]`)) return null;
  const node = clone("tpl-chat-message");
  if (!node) return null;
  node.dataset.messageId = String(message.id);
  const author = message.author || {};
  if (author.id != null) node.dataset.authorId = String(author.id);
  setText(node, "author", author.display_name || labels.anonymous);
  const time = setText(node, "time", timeOf(message.created_at));
  if (time && message.created_at) time.setAttribute("datetime", message.created_at);
  setText(node, "text", message.text);
  // Follow the newest messages only if the reader is already at the bottom (not reading older ones).
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.append(node);
  if (atBottom) list.scrollTop = list.scrollHeight;
  while (list.children.length > CHAT_KEEP) list.firstElementChild.remove();
  if (list.matches("[data-chat-list]")) toggleEmpty(list, "[data-chat-empty]");
  return node;
}

export function chatRemove(list, id) {
  const node = list && list.querySelector(`[data-message-id="${id}"]`);
  if (node) node.remove();
  if (list && list.matches("[data-chat-list]")) toggleEmpty(list, "[data-chat-empty]");
}

// --- Questions ----------------------------------------------------------------------------------

export function questionStatusLabel(status) {
  const key = `q${status.charAt(0).toUpperCase()}${status.slice(1)}`;
  return labels[key] || status;
}

export function questionUpsert(list, question, { mine } = {}) {
  if (!list || !question || question.id == null) return null;
  let node = list.querySelector(`[data-question-id="${question.id}"]`);
  if (!node) {
    node = clone("tpl-question");
    if (!node) return null;
    node.dataset.questionId = String(question.id);
    const area = node.querySelector("[data-answer-text]");
    if (area) {
      area.id = `answer-${question.id}`;
      const label = node.querySelector('label[for="answer-new"]');
      if (label) label.htmlFor = area.id;
    }
    list.append(node);
  }
  if (question.text != null) setText(node, "text", question.text);
  if ("author" in question) {
    setText(node, "author", question.author && question.author.display_name ? question.author.display_name : labels.anonymous);
  }
  if (question.status) {
    node.dataset.status = question.status;
    setText(node, "status", questionStatusLabel(question.status));
  }
  if (question.created_at) node.dataset.created = question.created_at;
  if (question.channel) {
    const channel = part(node, "channel");
    if (channel) channel.hidden = question.channel !== "sms";
  }
  if (Number.isInteger(question.vote_count)) {
    node.dataset.votes = String(question.vote_count);
    setText(node, "votes", count("supports", question.vote_count));
  }
  if ("answer" in question) {
    const box = part(node, "answer-box");
    setText(node, "answer", question.answer || "");
    if (box) box.hidden = !question.answer;
  }
  const voted = mine !== undefined ? mine : question.voted ?? question.has_voted ?? question.upvoted;
  const button = node.querySelector("[data-upvote]");
  if (button && typeof voted === "boolean") button.setAttribute("aria-pressed", String(voted));
  toggleEmpty(list, "[data-question-empty]");
  return node;
}

// Events name a poll by id, or carry the whole poll.
export function pollId(poll) {
  return poll && typeof poll === "object" ? poll.id : poll;
}

export function questionRemove(list, id) {
  const node = list && list.querySelector(`[data-question-id="${id}"]`);
  if (node) node.remove();
  if (list) toggleEmpty(list, "[data-question-empty]");
}

// Most supported first (ties: oldest first), or most recent first.
export function questionSort(list, order) {
  if (!list) return;
  const nodes = Array.from(list.children);
  nodes.sort((a, b) => {
    if (order === "votes") {
      const diff = Number(b.dataset.votes || 0) - Number(a.dataset.votes || 0);
      if (diff) return diff;
      return String(a.dataset.created).localeCompare(String(b.dataset.created));
    }
    return String(b.dataset.created).localeCompare(String(a.dataset.created));
  });
  // Only move what is out of place, so that focus and screen readers are disturbed as little as possible.
  nodes.forEach((node, index) => {
    if (list.children[index] !== node) list.insertBefore(node, list.children[index] || null);
  });
}

// --- Polls --------------------------------------------------------------------------------------

function optionCount(option) {
  return option.vote_count ?? option.votes ?? option.count ?? 0;
}

export function pollUpsert(container, poll, { canVote } = {}) {
  if (!container || !poll || poll.id == null) return null;
  let node = container.querySelector(`[data-poll-id="${poll.id}"]`);
  const fresh = !node;
  if (fresh) {
    node = clone("tpl-poll");
    if (!node) return null;
    node.dataset.pollId = String(poll.id);
    const title = part(node, "question");
    title.id = `poll-title-${poll.id}`;
    node.setAttribute("aria-labelledby", title.id);
    container.prepend(node);
  }
  if (poll.question != null) setText(node, "question", poll.question);
  node.dataset.multiple = poll.multiple ? "1" : "";
  if (Array.isArray(poll.options) && (fresh || !node.querySelector("[data-option-id]"))) {
    buildOptions(node, poll);
  }
  if (Array.isArray(poll.options)) {
    const counts = {};
    poll.options.forEach((option) => { counts[option.id] = optionCount(option); });
    const total = poll.total ?? poll.total_votes ?? poll.voter_count ?? poll.options.reduce((sum, o) => sum + optionCount(o), 0);
    pollTally(node, counts, total, poll.channels);
  }
  if (Array.isArray(poll.my_options)) pollMine(node, poll.my_options);
  if (poll.status) pollStatus(node, poll.status, canVote);
  const empty = document.querySelector("[data-poll-empty]");
  if (empty) empty.hidden = true;
  return node;
}

function buildOptions(node, poll) {
  const choices = part(node, "choices");
  const bars = part(node, "bars");
  const legend = part(node, "legend");
  if (legend) legend.textContent = poll.multiple ? labels.chooseMany : labels.chooseOne;
  if (choices) choices.replaceChildren();
  if (bars) bars.replaceChildren();
  const options = [...poll.options].sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  options.forEach((option) => {
    if (choices) {
      const choice = clone("tpl-poll-choice");
      const input = choice.querySelector("input");
      const label = choice.querySelector("label");
      input.type = poll.multiple ? "checkbox" : "radio";
      input.name = `poll-${poll.id}`;
      input.id = `poll-${poll.id}-${option.id}`;
      input.value = String(option.id);
      label.htmlFor = input.id;
      label.textContent = option.label;
      choices.append(choice);
    }
    if (bars) {
      const bar = clone("tpl-poll-bar");
      bar.dataset.optionId = String(option.id);
      setText(bar, "label", option.label);
      bars.append(bar);
    }
  });
}

// channels: {web, sms} ballots by channel, when the server sends them.
export function pollTally(node, counts, total, channels) {
  if (!node || !counts) return;
  const sum = Number.isInteger(total) ? total : Object.values(counts).reduce((a, b) => a + Number(b || 0), 0);
  setText(node, "total", count("votes", sum));
  if (channels && labels.pollChannels) {
    setText(node, "channels", format(labels.pollChannels, { web: channels.web ?? 0, sms: channels.sms ?? 0 }));
  }
  node.querySelectorAll("[data-option-id]").forEach((row) => {
    const n = Number(counts[row.dataset.optionId] ?? 0);
    const pct = percentText(n, sum);
    setText(row, "count", format(labels[pluralRules.select(n) === "one" ? "optionOne" : "optionOther"], { count: n, percent: pct }));
    const bar = part(row, "bar");
    if (bar) {
      bar.max = Math.max(sum, 1);
      bar.value = n;
      bar.textContent = pct;
    }
  });
}

export function pollMine(node, optionIds) {
  const chosen = new Set(optionIds.map(String));
  node.querySelectorAll("input[name^='poll-']").forEach((input) => { input.checked = chosen.has(input.value); });
  const submit = part(node, "submit");
  if (submit && chosen.size) submit.textContent = labels.changeVote;
}

export function pollStatus(node, status, canVote) {
  node.dataset.status = status;
  setText(node, "state", labels[`poll${status.charAt(0).toUpperCase()}${status.slice(1)}`] || status);
  const form = node.querySelector("[data-poll-form]");
  if (form) form.hidden = status !== "open" || canVote === false;
  const open = node.querySelector("[data-poll-open]");
  const close = node.querySelector("[data-poll-close]");
  if (open) open.hidden = status !== "draft";
  if (close) close.hidden = status !== "open";
}

// Final results: {counts, total} or a list of {option|id, count|votes}.
export function pollResults(node, results) {
  if (!node || !results) return;
  if (results.counts) {
    pollTally(node, results.counts, results.total, results.channels);
    return;
  }
  const list = Array.isArray(results) ? results : results.options;
  if (!Array.isArray(list)) return;
  const counts = {};
  list.forEach((row) => { counts[row.option ?? row.id] = row.count ?? row.votes ?? row.vote_count ?? 0; });
  pollTally(node, counts, results.total, results.channels);
}

// --- Agenda -------------------------------------------------------------------------------------

export function agendaCurrent(id) {
  document.querySelectorAll("[data-agenda] [data-item-id]").forEach((node) => {
    const current = id != null && node.dataset.itemId === String(id);
    node.classList.toggle("is-current", current);
    if (current) node.setAttribute("aria-current", "step");
    else node.removeAttribute("aria-current");
    const now = part(node, "now");
    if (now) now.hidden = !current;
  });
}

export function agendaItem(item) {
  const list = document.querySelector("[data-agenda]");
  if (!list || !item || item.id == null) return;
  let node = list.querySelector(`[data-item-id="${item.id}"]`);
  if (!node) {
    node = clone("tpl-agenda-item");
    node.dataset.itemId = String(item.id);
    list.append(node);
  }
  setText(node, "title", item.title);
  const empty = document.querySelector("[data-agenda-empty]");
  if (empty) empty.hidden = true;
}

// `agenda.changed` (before the session starts): the whole agenda, in order. Items no longer on it
// go; the others are updated in place and put in order.
export function agendaReplace(items, current) {
  const list = document.querySelector("[data-agenda]");
  if (!list || !Array.isArray(items)) return;
  const keep = new Set(items.map((item) => String(item.id)));
  list.querySelectorAll("[data-item-id]").forEach((node) => {
    if (!keep.has(node.dataset.itemId)) node.remove();
  });
  items.forEach((item) => {
    agendaItem(item);
    const node = list.querySelector(`[data-item-id="${item.id}"]`);
    if (node) list.append(node); // in the order given
  });
  const empty = document.querySelector("[data-agenda-empty]");
  if (empty) empty.hidden = items.length > 0;
  agendaCurrent(current);
}

export function sessionStatus(status) {
  const badge = document.querySelector("[data-status-label]");
  if (badge) {
    badge.textContent = labels[`s${status.charAt(0).toUpperCase()}${status.slice(1)}`] || status;
    badge.className = `session-badge session-badge--${status}`;
  }
  const root = document.querySelector("[data-session]");
  if (root) root.dataset.status = status;
}

export { plural };
