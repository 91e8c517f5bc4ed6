// Staff forms (contracts, agenda, team): small helps. Every form works without them.

// A form that removes something asks first; data-confirm holds the question.
for (const form of document.querySelectorAll("form[data-confirm]")) {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

// An end that may not come before its start: the date picker opens at the start.
for (const end of document.querySelectorAll("input[data-not-before]")) {
  const start = document.getElementById(end.dataset.notBefore);
  if (!start) continue;
  const follow = () => { end.min = start.value; };
  start.addEventListener("change", follow);
  follow();
}

// An amount, as it will be read: grouped by thousands under the field ("45 000 000 francs CFA").
for (const input of document.querySelectorAll("input[data-amount]")) {
  const shown = document.createElement("p");
  shown.className = "help";
  shown.dataset.amountShown = "";
  input.after(shown);
  const format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  const show = () => {
    const digits = input.value.replace(/[\s\u00a0\u202f]/g, "");
    shown.textContent = /^\d{1,16}$/.test(digits)
      ? input.dataset.amount.replace("%(amount)s", format.format(BigInt(digits)))
      : "";
  };
  input.addEventListener("input", show);
  show();
}
