// The moderator console of a session: pending questions (approve / reject), chat with delete, reported
// messages, rate-limit hits, mutes and bans. Subscribes to the moderators' frames on the session's
// socket; after every reconnect the queue is reloaded from REST (those frames are not replayed).

import {
  pluralOne, announce, api, clone, connectionStatus, errorText, format, initialSeq, labels, part, root, setText, setViewerCount,
  socketPath, timeOf,
} from "./session-common.js";
import { chatFollower, statusFor } from "./console-desk.js";
import { chatMessage, chatRemove, questionRemove, questionUpsert, sessionStatus } from "./session-render.js";
import { SessionSocket } from "./session-socket.js";

const status = document.querySelector("[data-console-status]");
const pendingList = document.querySelector("[data-pending-list]");
const chatList = document.querySelector("[data-chat-list]");
const flaggedList = document.querySelector("[data-flagged-list]");
const hitList = document.querySelector("[data-hit-list]");
const sanctionList = document.querySelector("[data-sanction-list]");
const minutesField = document.querySelector("[data-mute-minutes]");
const desk = document.querySelector("[data-staff-ids]");
// The commune's staff: no Mute or Ban on their messages (the page renders none on those it loads).
const staffIds = new Set(desk ? desk.dataset.staffIds.split(" ").filter(Boolean) : []);
const chat = chatFollower(chatList);
const base = labels.api;

function empty(list, selector) {
  const node = document.querySelector(selector);
  if (node && list) node.hidden = list.children.length > 0;
}

// The outcome of an action is said in the status line of the panel of the button pressed, found
// before the call (the button may be gone after it): `done(text)` says it went well.
async function act(button, call, done) {
  if (button && button.getAttribute("aria-disabled") === "true") return null;
  if (button) button.setAttribute("aria-disabled", "true");
  const region = statusFor(button, status);
  try {
    const result = await call();
    if (result && done !== undefined) announce(region, typeof done === "function" ? done(result) : done, false);
    return result;
  } catch (failure) {
    announce(region, errorText(failure.error || failure), true);
    return null;
  } finally {
    if (button) button.removeAttribute("aria-disabled");
  }
}

// --- Rendering -----------------------------------------------------------------------------------

function pendingUpsert(question) {
  if (!pendingList || !question) return;
  if (question.status !== "pending") {
    questionRemove(pendingList, question.id);
  } else {
    questionUpsert(pendingList, question);
  }
  empty(pendingList, "[data-pending-empty]");
}

function noSanctionOnStaff(node) {
  if (!node || !staffIds.has(node.dataset.authorId)) return node;
  node.querySelectorAll("[data-mute], [data-ban]").forEach((button) => button.remove());
  return node;
}

function chatAdd(message) {
  noSanctionOnStaff(chat.add(message));
}

function flaggedUpsert(row) {
  const message = row && (row.message || row);
  if (!flaggedList || !message || message.id == null) return;
  noSanctionOnStaff(chatMessage(flaggedList, message));
  empty(flaggedList, "[data-flagged-empty]");
}

function hitAdd(hit, atStart) {
  if (!hitList || !hit || !hit.user) return;
  const node = clone("tpl-hit");
  setText(node, "text", `${timeOf(hit.at)} ${format(root.dataset.hitText, { name: hit.user.display_name, seconds: hit.retry_after })}`);
  const button = node.querySelector("[data-mute]");
  button.dataset.userId = String(hit.user.id);
  button.dataset.userName = hit.user.display_name;
  if (atStart) hitList.prepend(node);
  else hitList.append(node);
  while (hitList.children.length > 50) hitList.lastElementChild.remove();
  empty(hitList, "[data-hit-empty]");
}

function sanctionUpsert(sanction) {
  if (!sanctionList || !sanction) return;
  let node = sanctionList.querySelector(`[data-sanction-id="${sanction.id}"]`);
  const active = !sanction.lifted_at && (!sanction.until || new Date(sanction.until) > new Date());
  if (!active) {
    if (node) node.remove();
    empty(sanctionList, "[data-sanction-empty]");
    return;
  }
  if (!node) {
    node = clone("tpl-sanction");
    node.dataset.sanctionId = String(sanction.id);
    sanctionList.prepend(node);
  }
  setText(node, "name", sanction.user ? sanction.user.display_name : "");
  setText(node, "kind", sanction.kind === "ban" ? root.dataset.kindBan : root.dataset.kindMute);
  setText(node, "until", sanction.until ? format(root.dataset.untilText, { time: timeOf(sanction.until) }) : root.dataset.wholeSession);
  empty(sanctionList, "[data-sanction-empty]");
}

// --- The queue from REST (first paint is server-rendered; this runs after every reconnect) -------

async function reloadQueue() {
  let overview;
  try {
    overview = await api(`${base}moderation/`);
  } catch {
    return;
  }
  if (pendingList) pendingList.replaceChildren();
  (overview.pending_questions || []).forEach(pendingUpsert);
  empty(pendingList, "[data-pending-empty]");
  if (flaggedList) flaggedList.replaceChildren();
  (overview.flagged_messages || []).forEach(flaggedUpsert);
  empty(flaggedList, "[data-flagged-empty]");
  if (hitList) hitList.replaceChildren();
  (overview.rate_limit_hits || []).forEach((hit) => hitAdd(hit, false));
  empty(hitList, "[data-hit-empty]");
  if (sanctionList) sanctionList.replaceChildren();
  (overview.sanctions || []).forEach(sanctionUpsert);
  empty(sanctionList, "[data-sanction-empty]");
  setViewerCount(overview.viewer_count);
}

// --- Actions -------------------------------------------------------------------------------------

function userOf(button) {
  if (button.dataset.userId) return { id: Number(button.dataset.userId), name: button.dataset.userName };
  const node = button.closest("[data-message-id]");
  return { id: Number(node.dataset.authorId), name: part(node, "author").textContent };
}

async function sanction(button, kind) {
  const user = userOf(button);
  if (!user.id) return;
  if (kind === "ban" && !window.confirm(format(root.dataset.confirmBan, { name: user.name }))) return;
  const minutes = Math.max(1, Number(minutesField ? minutesField.value : 10) || 10);
  const body = { user: user.id, kind };
  if (kind === "mute") body.minutes = minutes;
  const muteDone = pluralOne(minutes) ? root.dataset.muteDoneOne || root.dataset.muteDone : root.dataset.muteDone;
  const said = format(kind === "ban" ? root.dataset.banDone : muteDone, { name: user.name, minutes });
  const result = await act(button, () => api(`${base}moderation/sanctions/`, { method: "POST", body }), said);
  if (result) sanctionUpsert(result.sanction || result);
}

function setupActions() {
  document.addEventListener("click", async (event) => {
    const target = event.target.closest("button");
    if (!target || !root.contains(target)) return;
    if (target.hasAttribute("data-moderate")) {
      const node = target.closest("[data-question-id]");
      const decision = target.dataset.moderate;
      const question = await act(target, () => api(`${base}questions/${node.dataset.questionId}/moderate/`, {
        method: "POST", body: { decision },
      }), labels.done);
      if (question) {
        questionRemove(pendingList, node.dataset.questionId);
        empty(pendingList, "[data-pending-empty]");
      }
    } else if (target.hasAttribute("data-chat-delete")) {
      const node = target.closest("[data-message-id]");
      if (!window.confirm(root.dataset.confirmDelete)) return;
      const id = node.dataset.messageId;
      const done = await act(target, () => api(`${base}chat/${id}/`, { method: "DELETE" }).then(() => true), labels.done);
      if (done) {
        chatRemove(chatList, id);
        chatRemove(flaggedList, id);
        empty(flaggedList, "[data-flagged-empty]");
      }
    } else if (target.hasAttribute("data-mute")) {
      sanction(target, "mute");
    } else if (target.hasAttribute("data-ban")) {
      sanction(target, "ban");
    } else if (target.hasAttribute("data-lift")) {
      const node = target.closest("[data-sanction-id]");
      const done = await act(target, () => api(`${base}moderation/sanctions/${node.dataset.sanctionId}/`, { method: "DELETE" }).then(() => true), labels.done);
      if (done) {
        node.remove();
        empty(sanctionList, "[data-sanction-empty]");
      }
    }
  });
}

// --- Live ----------------------------------------------------------------------------------------

function applyEvent(frame) {
  const data = frame.data || {};
  switch (frame.event) {
    case "session.status":
      sessionStatus(data.status);
      break;
    case "chat.message":
      chatAdd(data.message || data);
      break;
    case "chat.removed":
      chatRemove(chatList, data.id);
      chatRemove(flaggedList, data.id);
      empty(flaggedList, "[data-flagged-empty]");
      break;
    case "question.created":
    case "question.updated":
      if (data.question && data.question.status !== "pending") questionRemove(pendingList, data.question.id);
      empty(pendingList, "[data-pending-empty]");
      break;
    case "question.removed":
      questionRemove(pendingList, data.id);
      break;
    default:
      break;
  }
}

function applyModeration(frame) {
  const data = frame.data || {};
  switch (frame.event) {
    case "question.pending":
      pendingUpsert(data.question || data);
      break;
    case "chat.flagged":
      flaggedUpsert(data);
      break;
    case "ratelimit.hit":
      hitAdd(data, true);
      break;
    case "sanction.changed":
      sanctionUpsert(data.sanction || data);
      break;
    default:
      break;
  }
}

function start() {
  if (!root) return;
  setupActions();
  let connections = 0;
  const socket = new SessionSocket({
    path: socketPath(),
    lastSeq: initialSeq(),
    onHello(data) {
      setViewerCount(data.viewer_count);
      connections += 1;
      const again = connections > 1;
      // Subscribe first, then fetch: nothing slips between the two. Moderators' frames are not
      // replayed, so after a reconnect the queue is fetched again.
      socket.request({ type: "moderation.subscribe" }).then(() => { if (again) reloadQueue(); }, () => {});
    },
    onEvent: applyEvent,
    onReset() { window.location.reload(); },
    onState: connectionStatus,
    onFrame(frame) {
      if (frame.type === "presence") setViewerCount(frame.viewer_count);
      else if (frame.type === "moderation") applyModeration(frame);
    },
  });
  root.sessionSocket = socket;
  socket.connect();
}

start();
