// Full-screen live view of one camera (MJPEG), with its status from the events WebSocket. While the
// camera is not connected, its frozen last picture is covered by its state and the reason.
import { api } from "./api.js";
import { icon, isoDay, pageUrl, param, whenPicture, $ } from "./dom.js";
import { createDownCover } from "./down-cover.js";
import { events, stateLabel } from "./events.js";
import { initPage } from "./layout.js";

const id = param("camera");
const img = $("#live");
const stage = $("#stage");
const placeholder = $("#placeholder");
const overlay = $("#overlay");
const cover = createDownCover();
stage.append(cover.node, cover.warning);
let streaming = false;
let retry = null;
// Set once the server lists the camera of ?camera=: nothing is requested for an id it does not know
// (the rule on ids is the server's, not repeated here).
let known = false;

function startStream() {
  if (document.visibilityState === "hidden" || !known) return;
  clearTimeout(retry);
  img.classList.add("pending-picture");
  whenPicture(img, () => {
    img.classList.remove("pending-picture");
    placeholder.classList.add("hidden");
  });
  img.src = `/api/v1/cameras/${encodeURIComponent(id)}/live.mjpeg?t=${Date.now()}`;
  streaming = true;
}

function stopStream() {
  clearTimeout(retry);
  img.removeAttribute("src");
  streaming = false;
}

img.addEventListener("error", () => {
  streaming = false;
  placeholder.textContent = "No picture; retrying…";
  placeholder.classList.remove("hidden");
  retry = setTimeout(startStream, 3000);
});

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
  if (status.state === "connected" && !streaming) startStream();
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
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !document.fullscreenElement) location.assign("/");
    if (event.key === "f") $("#fullscreen-button").click();
  });
  wake();
  const cameras = await api("/api/v1/cameras");
  const camera = cameras.find((c) => c.id === id);
  if (!camera) {
    placeholder.textContent = `Unknown camera "${id}".`;
    return;
  }
  known = true;
  apply({ ...(camera.status || {}), name: camera.name });
  if (!camera.enabled) placeholder.textContent = "This camera is disabled.";
  events.on("snapshot", (m) => { const s = m.cameras.find((c) => c.id === id); if (s) apply(s); });
  events.on("camera", (m) => { if (m.camera.id === id) apply(m.camera); });
  events.on("removed", (m) => {
    if (m.camera_id !== id) return;
    stopStream();
    cover.update(null);
    placeholder.textContent = "This camera was removed from the configuration.";
    placeholder.classList.remove("hidden");
  });
  events.start();
  startStream();
}

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "hidden") stopStream();
  else if (!streaming) startStream();
});

main().catch((error) => { if (!error || !error.shown) console.error(error); });
