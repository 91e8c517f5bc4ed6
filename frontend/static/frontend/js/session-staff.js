// Staff buttons on a session's page (start, end). Without JavaScript the server answers such a form
// with a confirmation page; with it, the browser's own dialog asks, and a confirmed form acts at once.

document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (form.querySelector('input[name="confirmed"]')) return;
    if (!window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      return;
    }
    const confirmed = document.createElement("input");
    confirmed.type = "hidden";
    confirmed.name = "confirmed";
    confirmed.value = "1";
    form.append(confirmed);
  });
});
