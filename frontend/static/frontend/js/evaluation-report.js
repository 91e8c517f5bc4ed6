// The evaluation report's commentary: a counter of characters under the box. The form works without
// it (the box's maxlength stops typing at the limit, and the server says so too).

for (const counter of document.querySelectorAll("[data-char-counter]")) {
  const box = document.getElementById(counter.dataset.charCounter);
  if (!box) continue;
  const max = Number(counter.dataset.max);
  const format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  // Line breaks count once, as the server counts them.
  const show = () => {
    const count = box.value.replace(/\r\n?/g, "\n").length;
    counter.textContent = counter.dataset.text
      .replace("{count}", format.format(count))
      .replace("{max}", format.format(max));
    counter.dataset.state = count > max ? "over" : "";
  };
  box.setAttribute("aria-describedby", `${box.getAttribute("aria-describedby") || ""} ${counter.id}`.trim());
  box.addEventListener("input", show);
  counter.hidden = false;
  show();
}
