// Staff upload forms: say at once when a chosen file is over the size limit, instead of after a
// long upload on a slow connection. The server checks again (413); this is only a courtesy.

function tooLarge(input) {
  const limit = Number(input.dataset.maxBytes || 0);
  if (!limit || !input.files) return false;
  return Array.from(input.files).some((file) => file.size > limit);
}

function setup(input) {
  const form = input.form;
  const region = form && form.querySelector("[data-file-error]");
  const limitMb = Math.round(Number(input.dataset.maxBytes) / (1024 * 1024));
  const message = input.dataset.message || `Max ${limitMb} MB`;
  input.addEventListener("change", () => {
    const bad = tooLarge(input);
    input.setCustomValidity(bad ? message : "");
    input.setAttribute("aria-invalid", bad ? "true" : "false");
    if (region) region.textContent = bad ? message : "";
    if (bad) input.reportValidity();
  });
}

document.querySelectorAll('input[type="file"][data-max-bytes]').forEach(setup);
