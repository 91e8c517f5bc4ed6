// Follow button: calls the API instead of reloading the page.
// Without JavaScript, the same form posts to the page view (no-JS fallback).

const TIMEOUT_MS = 30000; // slow 3G: give the request time, but not forever

function announce(region, text, isError) {
  if (!region) return;
  region.classList.toggle("is-error", Boolean(isError));
  // Empty first so that the same message twice in a row is announced again.
  window.clearTimeout(region.pending);
  region.textContent = "";
  region.pending = window.setTimeout(() => { region.textContent = text; }, 50);
}

async function errorMessage(response, fallback) {
  try {
    const body = await response.json();
    return (body && body.error && body.error.message) || fallback;
  } catch {
    return fallback;
  }
}

function setup(form) {
  const button = form.querySelector("button[aria-pressed]");
  const action = form.querySelector('input[name="action"]');
  const token = form.querySelector('input[name="csrfmiddlewaretoken"]');
  const box = form.closest(".follow-box") || document;
  const count = box.querySelector("[data-follower-count]");
  const status = box.querySelector("[data-follow-status]");
  const labels = form.dataset;
  let busy = false;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    const following = button.getAttribute("aria-pressed") === "true";
    button.setAttribute("aria-disabled", "true");
    const controller = new AbortController();
    const timer = window.setTimeout(() => controller.abort(), TIMEOUT_MS);
    // Only say "please wait" when the network is slow, to keep quiet otherwise.
    const slow = window.setTimeout(() => announce(status, labels.busy, false), 1000);
    try {
      const response = await fetch(labels.api, {
        method: following ? "DELETE" : "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token ? token.value : "", Accept: "application/json" },
        signal: controller.signal,
      });
      if (!response.ok) {
        announce(status, await errorMessage(response, labels.error), true);
        return;
      }
      // The API answers the new state, counted by the server (other tabs and users included).
      const state = await response.json();
      if (count && Number.isInteger(state.follower_count)) count.textContent = String(state.follower_count);
      const nowFollowing = Boolean(state.is_followed);
      button.setAttribute("aria-pressed", String(nowFollowing));
      button.textContent = nowFollowing ? labels.labelUnfollow : labels.labelFollow;
      if (action) action.value = nowFollowing ? "unfollow" : "follow";
      announce(status, nowFollowing ? labels.doneFollow : labels.doneUnfollow, false);
    } catch {
      announce(status, labels.error, true);
    } finally {
      window.clearTimeout(timer);
      window.clearTimeout(slow);
      button.removeAttribute("aria-disabled");
      busy = false;
    }
  });
}

document.querySelectorAll("[data-follow-form]").forEach(setup);
