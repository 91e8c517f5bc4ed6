// The council desk, enhanced (frontend/templates/frontend/council/desk.html): the page works without
// this script. A roll-call line's proxy holder can be chosen only when the line says "represented
// by proxy" (the server reads it only then), and closing a vote asks for confirmation.

const roll = document.querySelector("[data-roll-call]");

function holderFollowsStatus(row) {
  const proxy = row.querySelector('input[type="radio"][value="proxy"]');
  const holder = row.querySelector("select[data-holder]");
  if (proxy && holder) holder.disabled = proxy.disabled || !proxy.checked;
}

if (roll) {
  roll.querySelectorAll("tbody tr").forEach(holderFollowsStatus);
  roll.addEventListener("change", (event) => {
    const row = event.target.closest("tr");
    if (row && event.target.type === "radio") holderFollowsStatus(row);
  });
}

document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});
