// The form that schedules or edits a session works without JavaScript; this makes it easier:
// - the agenda textarea (one item per line) becomes rows, each with its own field and buttons to
//   move it up or down or remove it, and a button adds one. The rows are written back into the
//   textarea, which is what the form sends: the server reads one shape either way.
// - the list of documents gets a search box.
// Every visible string comes from the page (data attributes), in its language.

function format(template, values) {
  return String(template || "").replace(/\{(\w+)\}/g, (match, key) => (key in values ? String(values[key]) : match));
}

function normalized(text) {
  return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
}

function button(text, className) {
  const node = document.createElement("button");
  node.type = "button";
  node.className = className;
  node.append(text);
  return node;
}

// --- Agenda --------------------------------------------------------------------------------------

function agendaEditor(root) {
  const textarea = root.querySelector("textarea");
  if (!textarea) return;
  const text = root.dataset;
  const max = Number(text.maxItems || 100);
  const fieldset = document.createElement("fieldset");
  fieldset.className = "agenda-editor";
  const legend = document.createElement("legend");
  legend.textContent = text.legend;
  fieldset.append(legend);
  const help = root.querySelector(".help");
  if (help) {
    const hint = document.createElement("p");
    hint.className = "help";
    hint.id = "agenda-editor-help";
    hint.textContent = help.textContent;
    fieldset.append(hint);
  }
  const error = root.querySelector(".field-error");
  if (error) fieldset.append(error);
  fieldset.setAttribute("aria-describedby", [help ? "agenda-editor-help" : "", error ? error.id : ""].join(" ").trim());
  const list = document.createElement("ol");
  list.className = "agenda-rows";
  list.setAttribute("data-agenda-rows", "");
  const empty = document.createElement("p");
  empty.className = "empty";
  empty.textContent = text.empty;
  const add = button(text.add, "button button--secondary button--small");
  add.id = "agenda-add";
  add.setAttribute("data-agenda-add", "");
  const status = document.createElement("p");
  status.className = "visually-hidden";
  status.setAttribute("aria-live", "polite");
  fieldset.append(list, empty, add, status);
  root.querySelectorAll("[data-agenda-plain]").forEach((node) => { node.hidden = true; });
  root.append(fieldset);

  let serial = 0;
  const rows = () => [...list.children];

  function sync() {
    textarea.value = rows()
      .map((row) => row.querySelector("input").value.trim())
      .filter(Boolean)
      .join("\n");
  }

  function refresh() {
    const all = rows();
    all.forEach((row, index) => {
      const label = format(text.itemLabel, { number: index + 1 });
      row.querySelector("label").textContent = label;
      row.querySelectorAll("[data-context]").forEach((node) => { node.textContent = ` (${label})`; });
      row.querySelector("[data-move='-1']").setAttribute("aria-disabled", String(index === 0));
      row.querySelector("[data-move='1']").setAttribute("aria-disabled", String(index === all.length - 1));
    });
    empty.hidden = all.length > 0;
    add.setAttribute("aria-disabled", String(all.length >= max));
    sync();
  }

  function withContext(node) {
    const context = document.createElement("span");
    context.className = "visually-hidden";
    context.setAttribute("data-context", "");
    node.append(context);
    return node;
  }

  function makeRow(title) {
    serial += 1;
    const row = document.createElement("li");
    row.className = "agenda-row";
    const id = `agenda-row-${serial}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    const input = document.createElement("input");
    input.type = "text";
    input.id = id;
    input.maxLength = 200;
    input.value = title;
    input.setAttribute("data-agenda-title", "");
    const actions = document.createElement("div");
    actions.className = "agenda-row-actions";
    const up = withContext(button(text.up, "button button--secondary button--small"));
    up.dataset.move = "-1";
    const down = withContext(button(text.down, "button button--secondary button--small"));
    down.dataset.move = "1";
    const remove = withContext(button(text.remove, "button button--secondary button--small"));
    remove.setAttribute("data-remove", "");
    actions.append(up, down, remove);
    row.append(label, input, actions);
    return row;
  }

  function addRow(after) {
    if (rows().length >= max) {
      status.textContent = text.full;
      return;
    }
    const row = makeRow("");
    if (after) after.after(row);
    else list.append(row);
    refresh();
    row.querySelector("input").focus();
  }

  const lines = textarea.value.split("\n").map((line) => line.trim()).filter(Boolean);
  lines.forEach((line) => list.append(makeRow(line)));
  if (!lines.length) list.append(makeRow(""));
  refresh();

  list.addEventListener("input", sync);
  list.addEventListener("keydown", (event) => {
    // Enter adds the next item, as a new line does in the textarea.
    if (event.key !== "Enter" || !event.target.matches("[data-agenda-title]")) return;
    event.preventDefault();
    addRow(event.target.closest("li"));
  });
  list.addEventListener("click", (event) => {
    const control = event.target.closest("button");
    if (!control || control.getAttribute("aria-disabled") === "true") return;
    const row = control.closest("li");
    if (control.dataset.move) {
      const step = Number(control.dataset.move);
      const other = step < 0 ? row.previousElementSibling : row.nextElementSibling;
      if (!other) return;
      if (step < 0) other.before(row);
      else other.after(row);
      refresh();
      control.focus(); // moving the row took the focus away from its button
      status.textContent = format(text.moved, { number: rows().indexOf(row) + 1 });
    } else if (control.hasAttribute("data-remove")) {
      const next = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      refresh();
      (next ? next.querySelector("input") : add).focus();
      status.textContent = text.removed;
    }
  });
  add.addEventListener("click", () => {
    if (add.getAttribute("aria-disabled") === "true") {
      status.textContent = text.full;
      return;
    }
    addRow(null);
  });
  textarea.form.addEventListener("submit", sync);

  // The error summary points at the textarea, hidden now: point it at the first row instead.
  document.querySelectorAll('[data-error-for="agenda"]').forEach((link) => {
    const first = list.querySelector("input");
    link.setAttribute("href", `#${first ? first.id : add.id}`);
  });
}

// --- Documents -----------------------------------------------------------------------------------

function documentFilter(root) {
  const box = root.querySelector("[data-document-filter]");
  if (!box) return;
  box.closest("[data-needs-js]").hidden = false;
  const items = [...root.querySelectorAll("[data-document-list] li")];
  const count = root.querySelector("[data-document-count]");
  box.addEventListener("input", () => {
    const words = normalized(box.value).split(/\s+/).filter(Boolean);
    let shown = 0;
    items.forEach((item) => {
      const ticked = item.querySelector("input").checked; // a ticked document always stays in view
      const match = ticked || words.every((word) => normalized(item.textContent).includes(word));
      item.hidden = !match;
      if (match) shown += 1;
    });
    count.textContent = words.length ? format(root.dataset.count, { count: shown }) : "";
  });
}

document.querySelectorAll("[data-agenda-editor]").forEach(agendaEditor);
document.querySelectorAll("[data-document-picker]").forEach(documentFilter);
