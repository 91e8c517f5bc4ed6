// The council's panel of a live session page (frontend/council/_session_council.html): the quorum,
// the roll call and the motions with their tallies, results and votes by name, kept current from
// the session's events. session-live.js owns the connection and hands every event frame over as a
// "live:event" DOM event; nothing here connects.
//
// Every council event carries the whole of what it concerns (a motion, or the roll-call lines that
// changed with the new quorum), and is applied by replacing what the page holds: applying one twice,
// or replaying events after a reconnect, converges on the same page. After a "live:reset" (too much
// was missed) the panel is read again from the page's own address.
//
// The helpers below are shared with the projector (projector.js), which renders bigger.

// "{name}" placeholders, as the server fills them (frontend/council/data.py: fill).
export function fill(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export function readLabels(node) {
  try {
    return JSON.parse((node && node.dataset.labels) || "{}");
  } catch {
    return {};
  }
}

const pluralRules = new Intl.PluralRules(document.documentElement.lang || "fr");

// A text that depends on a number: a string, or its forms by plural category ({one, other}, as
// frontend/council/data.py: plural_forms gives them).
export function plural(forms, value) {
  if (!forms || typeof forms === "string") return forms || "";
  return forms[pluralRules.select(Number(value))] || forms.other || "";
}

export function reasonText(labels, motion) {
  if (!motion.result) return "";
  const reasons = labels.reason || {};
  const template = reasons[motion.result_reason] || reasons.majority;
  return fill(plural(template, motion.required), { for: motion.tally.for, required: motion.required });
}

// called: how many members the roll call has recorded (none yet: a different sentence).
export function quorumText(labels, quorum, called) {
  const texts = labels.quorum || {};
  let key;
  if (!called) key = "none";
  else if (quorum.counted !== quorum.present) key = quorum.reached ? "reachedProxies" : "notReachedProxies";
  else key = quorum.reached ? "reached" : "notReached";
  return fill(texts[key], quorum);
}

export function part(node, name) {
  return node.querySelector(`[data-part="${name}"]`);
}

function setText(node, name, text) {
  const target = part(node, name);
  if (target) target.textContent = text == null ? "" : String(text);
  return target;
}

export function setBar(bar, value, max) {
  if (!bar) return;
  bar.max = Math.max(max, 1);
  bar.value = value;
}

export function announceIn(region, text) {
  if (!region || !text) return;
  window.clearTimeout(region.pending);
  region.textContent = "";
  region.pending = window.setTimeout(() => { region.textContent = text; }, 50);
}

// --- The panel -----------------------------------------------------------------------------------

const panel = document.querySelector("[data-council]");
const labels = readLabels(panel);
const CHOICES = ["for", "against", "abstain", "not_voting"];
const IN_ROOM = ["present", "late"];

// id -> { name, path }: the members listed in the roll call (every member in office that day).
function members() {
  const map = new Map();
  if (!panel) return map;
  panel.querySelectorAll("[data-council-roll] [data-member-id]").forEach((line) => {
    const link = line.querySelector("[data-part='name']");
    map.set(Number(line.dataset.memberId), { name: link ? link.textContent : "", path: link ? link.getAttribute("href") : "" });
  });
  return map;
}

function rollLine(entry) {
  const list = panel.querySelector("[data-council-roll] ul");
  const id = entry.member && entry.member.id;
  if (!list || !id) return;
  let line = list.querySelector(`[data-member-id="${id}"]`);
  if (!line) {
    // A member called who was not listed (their mandate changed since the page was drawn).
    line = document.createElement("li");
    line.dataset.memberId = String(id);
    const link = document.createElement("a");
    link.dataset.part = "name";
    link.href = entry.member.path || "#";
    link.textContent = entry.member.full_name || "";
    const presence = document.createElement("span");
    presence.className = "council-presence";
    presence.dataset.part = "presence";
    const proxy = document.createElement("span");
    proxy.className = "meta";
    proxy.dataset.part = "proxy";
    line.append(link, " — ", presence, " ", proxy);
    list.append(line);
  }
  line.dataset.status = entry.status || "";
  line.dataset.proxyHolder = entry.proxy_holder ? String(entry.proxy_holder) : "";
  setText(line, "presence", (labels.presence || {})[entry.status] || labels.notCalled || "");
  const holder = entry.proxy_holder ? members().get(entry.proxy_holder) : null;
  setText(line, "proxy", holder ? fill(labels.proxyGiven, { name: holder.name }) : "");
}

function attendanceUpdated(data) {
  (data.entries || []).forEach(rollLine);
  const lines = panel.querySelectorAll("[data-council-roll] [data-member-id]");
  const called = Array.from(lines).filter((line) => line.dataset.status).length;
  setText(panel, "called", fill(labels.called, { called, total: lines.length }));
  if (data.quorum) showQuorum(data.quorum, called);
  panel.querySelectorAll("[data-council-motions] > [data-council-motion]").forEach(showNoVote);
}

// The members who could vote, by the roll call as it stands (frontend/council/data.py:
// expected_voters): in the room, or represented by a proxy holder who is in the room.
function expectedVoters() {
  const lines = Array.from(panel.querySelectorAll("[data-council-roll] [data-member-id]"));
  const inRoom = new Set(lines.filter((line) => IN_ROOM.includes(line.dataset.status)).map((line) => line.dataset.memberId));
  const expected = new Set(inRoom);
  lines.forEach((line) => {
    if (line.dataset.status === "proxy" && inRoom.has(line.dataset.proxyHolder)) expected.add(line.dataset.memberId);
  });
  return expected;
}

// A closed motion voted by name: how many of them have no vote recorded (its votes are the names
// listed in the motion).
function showNoVote(node) {
  const box = part(node, "no-vote");
  if (!box) return;
  let missing = 0;
  if (node.dataset.status === "closed" && node.dataset.secret !== "true") {
    const voted = new Set(Array.from(node.querySelectorAll("[data-part='groups'] [data-member-id]")).map((line) => line.dataset.memberId));
    expectedVoters().forEach((id) => { if (!voted.has(id)) missing += 1; });
  }
  box.textContent = fill(labels.noVote, { count: missing });
  box.hidden = !missing;
}

function showQuorum(quorum, called) {
  const box = panel.querySelector("[data-council-quorum]");
  if (!box) return;
  const state = quorum.reached ? "reached" : "missing";
  box.dataset.councilQuorum = state;
  box.classList.toggle("council-quorum--reached", quorum.reached);
  box.classList.toggle("council-quorum--missing", !quorum.reached);
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

// --- Motions -------------------------------------------------------------------------------------

function newMotionNode() {
  const template = document.getElementById("tpl-council-motion");
  return template ? template.content.firstElementChild.cloneNode(true) : null;
}

function voteGroups(motion) {
  const map = members();
  const names = new Map((motion.votes || []).map((vote) => [vote.member, vote.full_name]));
  const wrap = document.createDocumentFragment();
  CHOICES.forEach((choice) => {
    const votes = (motion.votes || []).filter((vote) => vote.choice === choice);
    if (!votes.length) return;
    const group = document.createElement("div");
    group.className = "council-group";
    group.dataset.choice = choice;
    const heading = document.createElement("h4");
    heading.textContent = `${(labels.choice || {})[choice] || choice} (${votes.length})`;
    const list = document.createElement("ul");
    votes.forEach((vote) => {
      const line = document.createElement("li");
      line.dataset.memberId = String(vote.member);
      const known = map.get(vote.member);
      if (known && known.path) {
        const link = document.createElement("a");
        link.href = known.path;
        link.textContent = vote.full_name;
        line.append(link);
      } else {
        line.append(vote.full_name);
      }
      if (vote.cast_by) {
        const by = document.createElement("span");
        by.className = "meta";
        by.textContent = fill(labels.castBy, { name: names.get(vote.cast_by) || (map.get(vote.cast_by) || {}).name || "" });
        line.append(" ", by);
      }
      if (vote.corrected) {
        const mark = document.createElement("span");
        mark.className = "council-corrected";
        mark.textContent = labels.corrected || "";
        line.append(" ", mark);
      }
      list.append(line);
    });
    group.append(heading, list);
    wrap.append(group);
  });
  return wrap;
}

function renderMotion(node, motion) {
  node.id = `motion-${motion.id}`;
  node.dataset.councilMotion = String(motion.id);
  node.dataset.status = motion.status;
  node.dataset.number = String(motion.number);
  node.dataset.secret = motion.secret ? "true" : "false";
  node.setAttribute("aria-labelledby", `motion-title-${motion.id}`);
  const title = setText(node, "title", fill(labels.motion, { number: motion.number, title: motion.title }));
  if (title) title.id = `motion-title-${motion.id}`;
  const status = setText(node, "status", (labels.status || {})[motion.status] || motion.status);
  if (status) status.className = `council-motion-state council-motion-state--${motion.status}`;
  setText(node, "ballot", motion.secret ? labels.secret : labels.named);
  const documentBox = part(node, "document-box");
  if (documentBox) {
    documentBox.hidden = !motion.document;
    const link = setText(node, "document", motion.document ? motion.document.title : "");
    if (link && motion.document) link.href = motion.document.path;
  }
  const tally = motion.tally || {};
  const voting = (tally.for || 0) + (tally.against || 0) + (tally.abstain || 0);
  [["for", "for"], ["against", "against"], ["abstain", "abstain"]].forEach(([key, hook]) => {
    const count = node.querySelector(`[data-council-tally-${hook}]`);
    if (count) count.textContent = String(tally[key] || 0);
    setBar(part(node, `bar-${hook}`), tally[key] || 0, voting);
  });
  const notVoting = setText(node, "not-voting", fill(labels.notVoting, { count: tally.not_voting || 0 }));
  if (notVoting) notVoting.hidden = !tally.not_voting;
  const result = node.querySelector("[data-council-result]");
  if (result) {
    result.dataset.councilResult = motion.result || "";
    result.className = `council-result council-result--${motion.result || "none"}`;
    result.hidden = !motion.result;
    setText(result, "result", (labels.result || {})[motion.result] || "");
    setText(result, "reason", reasonText(labels, motion));
  }
  const deliberationBox = part(node, "deliberation-box");
  if (deliberationBox) {
    deliberationBox.hidden = !motion.deliberation;
    const link = setText(node, "deliberation", motion.deliberation ? fill(labels.deliberation, { title: motion.deliberation.title }) : "");
    if (link && motion.deliberation) link.href = motion.deliberation.path;
  }
  const votesBox = part(node, "votes-box");
  if (votesBox) {
    const votes = motion.votes || [];
    votesBox.hidden = motion.secret || !votes.length;
    setText(node, "votes-summary", fill(labels.votes, { count: votes.length }));
    const groups = part(node, "groups");
    if (groups) groups.replaceChildren(voteGroups(motion));
  }
  showNoVote(node);
}

// A correction is its own line, kept by id (a replay does not add it twice).
function addCorrection(node, correction) {
  const list = part(node, "corrections");
  if (!list || !correction || list.querySelector(`[data-correction-id="${correction.id}"]`)) return;
  const choices = labels.choice || {};
  const counts = (value) => fill(labels.counts, { for: value.for || 0, against: value.against || 0, abstain: value.abstain || 0 });
  const text = correction.what === "vote"
    ? fill(labels.correctionVote, {
      name: (members().get(correction.member) || {}).name || "",
      before: choices[(correction.before || {}).choice] || "",
      after: choices[(correction.after || {}).choice] || "",
    })
    : fill(labels.correctionCounts, { before: counts(correction.before || {}), after: counts(correction.after || {}) });
  const line = document.createElement("li");
  line.dataset.correctionId = String(correction.id);
  const mark = document.createElement("span");
  mark.className = "council-corrected";
  mark.textContent = labels.corrected || "";
  line.append(mark, ` ${text} (${fill(labels.correctionReason, { reason: correction.reason || "" })})`);
  list.append(line);
  const box = part(node, "corrections-box");
  if (box) box.hidden = false;
}

// The open motion first, then the others in their order, motion 1 first (as the server draws them).
function sortMotions(list) {
  const nodes = Array.from(list.querySelectorAll(":scope > [data-council-motion]"));
  const rank = (node) => [node.dataset.status === "open" ? 0 : 1, Number(node.dataset.number || 0)];
  const sorted = [...nodes].sort((a, b) => {
    const [ra, na] = rank(a);
    const [rb, nb] = rank(b);
    return ra - rb || na - nb;
  });
  if (sorted.some((node, index) => node !== nodes[index])) list.append(...sorted);
}

function motionChanged(name, data) {
  const motion = data.motion;
  const list = panel.querySelector("[data-council-motions]");
  if (!motion || motion.id == null || !list) return;
  let node = list.querySelector(`[data-council-motion="${motion.id}"]`);
  const shown = node && node.querySelector("[data-council-result]");
  const before = node ? { result: shown ? shown.dataset.councilResult : "" } : null;
  if (!node) {
    node = newMotionNode();
    if (!node) return;
    list.prepend(node);
  }
  renderMotion(node, motion);
  if (name === "motion.corrected") addCorrection(node, data.correction);
  sortMotions(list);
  const empty = panel.querySelector("[data-council-motions-empty]");
  if (empty) empty.hidden = true;
  const region = panel.querySelector("[data-council-announce]");
  const heading = { number: motion.number, title: motion.title };
  if (!before && motion.status === "open") announceIn(region, fill(labels.opened, heading));
  else if (motion.result && (!before || before.result !== motion.result)) {
    announceIn(region, fill(labels.decided, { ...heading, result: (labels.result || {})[motion.result] || motion.result, reason: reasonText(labels, motion) }));
  }
}

function onEvent(event) {
  const frame = event.detail || {};
  const data = frame.data || {};
  if (frame.event === "attendance.updated") attendanceUpdated(data);
  else if (typeof frame.event === "string" && frame.event.startsWith("motion.")) motionChanged(frame.event, data);
}

// Too much was missed: the panel as the server draws it now (the page's own address); the events
// that follow apply on top of it.
async function reload() {
  try {
    const response = await fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").querySelector("[data-council]");
    if (!fresh) return;
    ["[data-council-quorum]", "[data-council-roll] ul", "[data-council-motions]", "[data-council-motions-empty]"].forEach((selector) => {
      const mine = panel.querySelector(selector);
      const theirs = fresh.querySelector(selector);
      if (mine && theirs) mine.replaceWith(document.importNode(theirs, true));
    });
    const called = fresh.querySelector("[data-part='called']");
    if (called) setText(panel, "called", called.textContent);
  } catch {
    // The next events still apply; a later reset tries again.
  }
}

if (panel) {
  document.addEventListener("live:event", onEvent);
  document.addEventListener("live:reset", reload);
}
