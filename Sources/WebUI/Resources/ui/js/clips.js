// Pieces shared by the recordings and archives pages: thumbnails, the inline player, clip actions.
import { api } from "./api.js";
import { el, clear, icon, fmtClock, fmtDuration } from "./dom.js";
import { toast, confirmDialog, pending } from "./ui.js";

export function thumbnail(clip, { label, count, onClick, title } = {}) {
  const button = el("button", { type: "button", class: "thumb", title: title || "Play", "data-role": "thumb" });
  if (clip && clip.has_thumbnail !== false) {
    const img = el("img", { src: `/api/v1/clips/${clip.id}/thumbnail`, alt: "", loading: "lazy", decoding: "async" });
    img.addEventListener("error", () => { img.remove(); button.prepend(el("span", { class: "no-thumb" }, icon("camera"))); }, { once: true });
    button.append(img);
  } else {
    button.append(el("span", { class: "no-thumb" }, icon("camera")));
  }
  if (label) button.append(el("span", { class: "overlay-text" }, label));
  if (count !== undefined) button.append(el("span", { class: "count", "data-role": "count" }, String(count)));
  if (onClick) button.addEventListener("click", onClick);
  return button;
}

/** Toasts why `video` could not play its clip, whenever `playing()` says a clip was meant to play. */
export function reportPlaybackErrors(video, playing) {
  video.addEventListener("error", async () => {
    const problem = playing() ? await playbackProblem(video) : null;
    if (problem) toast(problem, "error");
  });
}

/** Why a <video> could not play its clip: a clip that is gone, or (the file answers) a format this
 *  browser cannot decode, such as H.265 in a browser without an H.265 decoder. */
async function playbackProblem(video) {
  const src = video.getAttribute("src");
  if (!src) return null;
  const reachable = await fetch(src, { headers: { Range: "bytes=0-1" } }).then((r) => r.ok).catch(() => false);
  if (!reachable) return "This clip cannot be played (it may have been deleted).";
  return "This browser cannot decode this clip's video (H.265 plays in Safari, and in Chrome or Edge " +
    "with hardware decoding). Download it to watch it in a video player such as VLC.";
}

/** An inline player above a list of clips: show(clip) plays it; onEnded(clip) lets the page go on. */
export class InlinePlayer {
  constructor(container, { onEnded } = {}) {
    this.container = container;
    this.onEnded = onEnded;
    this.clip = null;
    this.video = el("video", { controls: true, playsinline: true, preload: "metadata", "data-role": "inline-video" });
    this.title = el("div", { class: "clip-info" });
    const close = el("button", { type: "button", class: "small" }, "Close");
    close.addEventListener("click", () => this.hide());
    this.panel = el("div", { class: "inline-player hidden", "data-role": "inline-player" },
      el("div", { class: "player" }, this.video),
      el("div", { class: "player-bar" }, this.title, el("span", { class: "spacer" }), close));
    container.append(this.panel);
    this.video.addEventListener("ended", () => { if (this.onEnded && this.clip) this.onEnded(this.clip); });
    reportPlaybackErrors(this.video, () => this.clip);
  }

  show(clip, caption) {
    this.clip = clip;
    this.panel.classList.remove("hidden");
    this.video.src = `/api/v1/clips/${clip.id}/video`;
    this.video.dataset.clip = String(clip.id);
    this.title.textContent = caption || `${fmtClock(clip.start_ms)} · ${fmtDuration(clip.duration_ms)}`;
    this.video.play().catch(() => {});
    this.panel.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  hide() {
    this.clip = null;
    this.video.pause();
    this.video.removeAttribute("src");
    this.video.load();
    this.panel.classList.add("hidden");
  }

  isPlaying(clipId) {
    return this.clip && this.clip.id === clipId;
  }
}

/** Archive one clip (button shows progress); resolves true when done. */
export async function archiveClip(clip, button) {
  const result = await pending(button, async () => {
    await api(`/api/v1/clips/${clip.id}/archive`, { method: "POST" });
    toast(`Clip of ${fmtClock(clip.start_ms)} archived.`, "ok");
    return true;
  });
  return !!result;
}

/** Delete one clip after confirmation; resolves true when deleted. */
export async function deleteClip(clip, button, what = "clip") {
  const ok = await confirmDialog(`Delete the ${what} of ${fmtClock(clip.start_ms)} (${fmtDuration(clip.duration_ms)})? This cannot be undone.`, { title: `Delete ${what}`, ok: "Delete" });
  if (!ok) return false;
  const result = await pending(button, async () => {
    await api(`/api/v1/clips/${clip.id}`, { method: "DELETE" });
    toast(`${what[0].toUpperCase()}${what.slice(1)} of ${fmtClock(clip.start_ms)} deleted.`, "ok");
    return true;
  });
  return !!result;
}

export { clear };
