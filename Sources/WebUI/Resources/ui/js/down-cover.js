// The cover laid over a live picture while its camera is not connected. The picture under it is the
// last one received, frozen (the server keeps re-sending it): it must never pass for live. The cover
// dims it and says what is going on and why (the status `error`) until the camera is back; it does
// not fade like the page's controls. Shared by the home tiles and the full-screen live page.
import { el, fmtClock, icon } from "./dom.js";

/** A status ({state, error}) the picture may be shown as live under. */
export function isLive(status) {
  return !!status && status.state === "connected";
}

function title(status) {
  switch (status.state) {
    case "reconnecting": return "Camera not connected: reconnecting…";
    case "connecting": return "Connecting to the camera…";
    case "disabled": return "This camera is disabled";
    default: return `Camera not connected (${status.state || "unknown state"})`;
  }
}

/** `{node, warning, update(status)}`: put `node` and `warning` over the picture (positioned parent),
 * call `update` on every status. `warning` is a strip along the picture's foot for a camera that is
 * connected but not well (damaged video, a full disk): its picture is live, the problem still named. */
export function createDownCover() {
  const warningText = el("span", { "data-role": "live-warning-text" });
  const warning = el("div", { class: "live-warning hidden", role: "status", "data-role": "live-warning" },
    icon("alert"), warningText);
  const heading = el("strong", { class: "down-title", "data-role": "down-title" });
  const reason = el("span", { class: "down-reason", "data-role": "down-reason" });
  const since = el("span", { class: "down-since", "data-role": "down-since" });
  const node = el("div", { class: "down-cover hidden", role: "status", "data-role": "down-cover" },
    icon("alert"), heading, reason, since);
  let downSinceMs = null; // when this page saw the camera go down (unknown when it was down on arrival)
  let seenLive = false;

  function update(status) {
    const down = !!status && !isLive(status);
    node.classList.toggle("hidden", !down);
    const warned = isLive(status) && !!status.error;
    warning.classList.toggle("hidden", !warned);
    warningText.textContent = warned ? status.error : "";
    node.dataset.state = status ? status.state || "" : "";
    if (!down) {
      seenLive = seenLive || !!status;
      downSinceMs = null;
      return;
    }
    if (downSinceMs === null && seenLive) downSinceMs = Date.now();
    heading.textContent = title(status);
    reason.textContent = status.error || "";
    reason.classList.toggle("hidden", !status.error);
    since.textContent = downSinceMs !== null ? `No live picture since ${fmtClock(downSinceMs)}` : "";
    since.classList.toggle("hidden", downSinceMs === null);
  }

  return { node, warning, update };
}
