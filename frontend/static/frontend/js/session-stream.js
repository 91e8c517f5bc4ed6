// The stream of a council session's public page: nothing heavy loads until the viewer asks. The
// video (an embedded player) loads on "watch"; "listen" shows the low-bandwidth audio player and
// drops the video. The choice of sound only is remembered for the next visit.

const MEDIA_KEY = "communesplus.sessions.media"; // "video" | "audio": the viewer's choice, remembered

function remember(choice) {
  try { window.localStorage.setItem(MEDIA_KEY, choice); } catch { /* private mode: fine */ }
}

function recalled() {
  try { return window.localStorage.getItem(MEDIA_KEY); } catch { return null; }
}

function showVideo(stream) {
  const frame = stream.querySelector("[data-stream-frame]");
  const player = stream.querySelector("[data-stream-player]");
  if (!frame || !stream.dataset.streamUrl) return;
  if (!frame.querySelector("iframe")) {
    const iframe = document.createElement("iframe");
    iframe.src = stream.dataset.streamUrl;
    iframe.title = stream.dataset.streamTitle;
    iframe.allow = "autoplay; encrypted-media; picture-in-picture; fullscreen";
    iframe.setAttribute("allowfullscreen", "");
    iframe.loading = "lazy";
    iframe.referrerPolicy = "strict-origin-when-cross-origin";
    frame.append(iframe);
  }
  frame.hidden = false;
  if (player) {
    player.hidden = true;
    const audio = player.querySelector("audio");
    if (audio) audio.pause();
  }
}

function showAudio(stream) {
  const frame = stream.querySelector("[data-stream-frame]");
  const player = stream.querySelector("[data-stream-player]");
  if (!player) return;
  if (frame) {
    frame.hidden = true;
    frame.replaceChildren(); // stops the video and its data use
  }
  player.hidden = false;
}

export function setupStream() {
  const stream = document.querySelector("[data-stream]");
  if (!stream) return;
  const video = stream.querySelector("[data-stream-video]");
  const audio = stream.querySelector("[data-stream-audio]");
  if (video) video.addEventListener("click", () => { remember("video"); showVideo(stream); });
  if (audio) {
    audio.addEventListener("click", () => {
      remember("audio");
      showAudio(stream);
      const element = stream.querySelector("audio");
      if (element) element.focus();
    });
  }
  // Sound only, chosen on an earlier visit: show the player again (it loads nothing before "play").
  // The video is never loaded before a click on this visit, whatever was chosen before.
  if (recalled() === "audio" && audio) showAudio(stream);
}
