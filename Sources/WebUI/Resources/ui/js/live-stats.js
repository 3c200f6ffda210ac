// The small overlay with a live player's figures (resolution, frame rate, codec, how far behind
// live, bitrate, skips, MSE or MJPEG), shown on demand over the picture and refreshed twice a second.
import { el } from "./dom.js";

function describe(s) {
  const rows = [
    ["Mode", { mjpeg: "MJPEG (fallback)", snapshot: "Snapshots every 2 s (fallback)", mse: "MSE, camera's own video" }[s.mode] || s.mode],
    ["Stream", s.stream],
    ["Size", s.width ? `${s.width}×${s.height}` : "—"],
    ["Frame rate", s.fps ? `${s.fps.toFixed(1)} fps${s.camera_fps ? ` (camera ${s.camera_fps})` : ""}` : "—"],
    ["Codec", s.codec || "—"],
    ["Behind live", s.latency_s === null ? "—" : `${s.latency_s.toFixed(2)} s`],
    ["Bitrate", s.kbps ? `${Math.round(s.kbps)} kbit/s` : "—"],
    ["Skips", String(s.skips)],
  ];
  if (s.reason) rows.push(["Note", s.reason]);
  return rows;
}

export function createStatsOverlay(player) {
  const list = el("dl", { class: "live-stats-list" });
  const node = el("div", { class: "live-stats hidden", "data-role": "live-stats", "aria-live": "off" }, list);
  let timer = null;

  function render() {
    const s = player.stats();
    list.replaceChildren(...describe(s).flatMap(([k, v]) => [el("dt", {}, k), el("dd", { dataset: { stat: k } }, v)]));
    node.dataset.latency = s.latency_s === null ? "" : s.latency_s.toFixed(3);
  }

  return {
    node,
    toggle() {
      const show = node.classList.contains("hidden");
      node.classList.toggle("hidden", !show);
      clearInterval(timer);
      if (show) {
        render();
        timer = setInterval(render, 500);
      }
    },
  };
}
