// Full-screen live view of one camera: its main stream (the one it records) over MSE, a switch to
// the sub stream, MJPEG where the browser cannot play the codec (live-player.js), and the camera's
// status from the events WebSocket. While the camera is not connected, the last picture is covered
// by its state and the reason (down-cover.js); it never passes for live.
import { api } from "./api.js";
import { icon, isoDay, pageUrl, param, $ } from "./dom.js";
import { createDownCover } from "./down-cover.js";
import { events, stateLabel } from "./events.js";
import { initPage } from "./layout.js";
import { createLivePlayer } from "./live-player.js";
import { createStatsOverlay } from "./live-stats.js";

const id = param("camera");
const stage = $("#stage");
const placeholder = $("#placeholder");
const overlay = $("#overlay");
const cover = createDownCover();
const streamChoice = param("stream") === "sub" ? "sub" : "main";
let player = null;
let stats = null;
let lastState = null;

function apply(status) {
  // Short: the reason is on the picture already (the cover, or the warning strip); the long form
  // stays in the badge's tooltip.
  const label = stateLabel(status, true);
  const badge = $("#state-badge");
  badge.className = `badge ${label.cls}`;
  badge.textContent = label.text;
  badge.title = stateLabel(status).text;
  $("#motion-badge").classList.toggle("hidden", !status.motion);
  $("#rec-badge").classList.toggle("hidden", !status.recording);
  stage.classList.toggle("is-motion", !!status.motion);
  stage.classList.toggle("is-recording", !!status.recording && !status.motion);
  if (status.name) {
    $("#camera-name").textContent = status.name;
    document.title = `${status.name} · Live · vms`;
  }
  cover.update(status);
  // Back from an outage: connect at once instead of waiting for the player's back-off.
  if (player && status.state === "connected" && lastState !== "connected") player.reconnect();
  lastState = status.state;
}

function showStream(kind) {
  for (const button of document.querySelectorAll("[data-stream]")) {
    button.setAttribute("aria-pressed", String(button.dataset.stream === kind));
  }
  const url = new URL(location.href);
  url.searchParams.set("stream", kind);
  history.replaceState(null, "", url);
  player.setStream(kind);
}

// The overlay fades out after 3 s without pointer activity so the picture is unobstructed.
let idleTimer = null;
function wake() {
  overlay.classList.remove("idle");
  clearTimeout(idleTimer);
  idleTimer = setTimeout(() => overlay.classList.add("idle"), 3000);
}

async function main() {
  await initPage({ header: false, title: "Live" });
  $("#back").append(icon("back"), " All cameras");
  $("#timeline-link").prepend(icon("timeline"), " ");
  $("#fullscreen-button").prepend(icon("fullscreen"), " ");
  if (!id) {
    placeholder.textContent = "No camera chosen. Go back and pick one.";
    return;
  }
  $("#timeline-link").href = pageUrl("timeline.html", { camera: id, date: isoDay() });
  $("#fullscreen-button").addEventListener("click", () => {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen().catch(() => {});
  });
  for (const type of ["mousemove", "touchstart", "keydown"]) document.addEventListener(type, wake, { passive: true });
  wake();
  const cameras = await api("/api/v1/cameras");
  const camera = cameras.find((c) => c.id === id);
  if (!camera) {
    placeholder.textContent = `Unknown camera "${id}". Go back and pick one.`;
    $("#state-badge").classList.add("hidden");
    return;
  }
  const sound = $("#sound-button");
  const showSound = () => {
    sound.classList.toggle("hidden", !player.hasAudio);
    sound.setAttribute("aria-pressed", String(!player.video.muted));
    sound.textContent = player.video.muted ? "Sound off" : "Sound on";
  };
  player = createLivePlayer({ camera: id, stream: streamChoice, label: `Live picture of ${camera.name}`, onStream: showSound });
  // Muted until asked: a page that starts making noise by itself is not what anyone wants.
  sound.addEventListener("click", () => {
    player.video.muted = !player.video.muted;
    showSound();
  });
  stats = createStatsOverlay(player);
  stage.append(player.node, cover.node, cover.warning, stats.node);
  // The placeholder says "Connecting…" until the first picture, then hides.
  player.video.addEventListener("playing", () => placeholder.classList.add("hidden"));
  player.node.querySelector("img").addEventListener("load", () => placeholder.classList.add("hidden"));
  for (const button of document.querySelectorAll("[data-stream]")) {
    button.addEventListener("click", () => showStream(button.dataset.stream));
  }
  $("#stats-button").addEventListener("click", () => stats.toggle());
  document.addEventListener("keydown", (event) => {
    if (event.target.closest && event.target.closest("input, textarea, select")) return;
    if (event.key === "Escape" && !document.fullscreenElement) location.assign("/");
    if (event.key === "f") $("#fullscreen-button").click();
    if (event.key === "i") stats.toggle();
    if (event.key === "m") showStream("main");
    if (event.key === "s") showStream("sub");
  });
  showStream(streamChoice);
  apply({ ...(camera.status || {}), name: camera.name });
  if (!camera.enabled) placeholder.textContent = "This camera is disabled.";
  events.on("snapshot", (m) => { const s = m.cameras.find((c) => c.id === id); if (s) apply(s); });
  events.on("camera", (m) => { if (m.camera.id === id) apply(m.camera); });
  events.on("removed", (m) => {
    if (m.camera_id !== id) return;
    player.stop();
    cover.update(null);
    placeholder.textContent = "This camera was removed from the configuration.";
    placeholder.classList.remove("hidden");
  });
  events.start();
  player.start();
}

main().catch((error) => { if (!error || !error.shown) console.error(error); });
