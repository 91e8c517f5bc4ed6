// What the staff console and the moderation console share on a desk: a chat that opens on the
// newest message and follows new ones unless the reader has scrolled up (then a button counts what
// arrived and goes down to it), and the status line of the panel whose control was used, so that
// "Done." or an error shows beside that control rather than at the top of the page.

import { format, pluralOne } from "./session-common.js";
import { chatMessage } from "./session-render.js";

const NEAR_BOTTOM = 40; // px: this close to the end counts as reading the newest messages

// The status line of the panel around `control`, or `fallback` outside any panel.
export function statusFor(control, fallback) {
  const panel = control && control.closest(".desk-panel");
  return (panel && panel.querySelector("[data-panel-status]")) || fallback;
}

export function chatFollower(list) {
  if (!list) return { add: () => null };
  const button = list.parentElement.querySelector("[data-chat-new]");
  let unseen = 0;
  const atBottom = () => list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM;
  const toBottom = () => { list.scrollTop = list.scrollHeight; };
  const show = () => {
    if (!button) return;
    button.hidden = unseen === 0;
    button.textContent = format(pluralOne(unseen) ? button.dataset.one : button.dataset.other, { count: unseen });
  };
  list.addEventListener("scroll", () => {
    if (unseen && atBottom()) {
      unseen = 0;
      show();
    }
  }, { passive: true });
  if (button) {
    button.addEventListener("click", () => {
      unseen = 0;
      show();
      toBottom();
      list.focus({ preventScroll: true }); // the button is gone: keep the keyboard in the chat
    });
  }
  // Open on the newest message, once the desk's layout has given the list its height.
  toBottom();
  window.requestAnimationFrame(toBottom);
  return {
    add(message) {
      const following = atBottom();
      const node = chatMessage(list, message);
      if (!node) return null;
      if (following) {
        toBottom();
      } else {
        unseen += 1;
        show();
      }
      return node;
    },
  };
}
