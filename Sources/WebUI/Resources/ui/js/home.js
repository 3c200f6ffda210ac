// Home: one live tile per enabled camera, badges and border driven by the events WebSocket.
import { get } from "./api.js";
import { el, icon, isoDay, pageUrl, whenPicture, $ } from "./dom.js";
import { createDownCover } from "./down-cover.js";
import { events, stateLabel } from "./events.js";
import { initPage } from "./layout.js";
import { toast } from "./ui.js";

// Browsers open at most 6 HTTP/1.1 connections per server and every MJPEG stream holds one: past
// this many tiles, tiles show a snapshot refreshed every 2 s instead (the full-screen page stays MJPEG).
const MAX_MJPEG_TILES = 4;
const SNAPSHOT_REFRESH_MS = 2000;

const tilesBox = $("#tiles");
const emptyBox = $("#no-cameras");
const summary = $("#summary");
const tiles = new Map(); // id -> {node, img, badges..., status, name}
let windowLoaded = document.readyState === "complete";

function hasLive(status) {
  return status && status.state !== "disabled";
}

function createTile(id, name) {
  const img = el("img", { alt: `Live picture of ${name}`, "data-role": "live-image" });
  const placeholder = el("div", { class: "placeholder" }, "Waiting for the picture…");
  const stateBadge = el("span", { class: "badge connecting", "data-role": "state-badge" }, "Connecting");
  const motionBadge = el("span", { class: "badge motion hidden", "data-role": "motion-badge" }, "Motion");
  const recBadge = el("span", { class: "badge rec hidden", "data-role": "rec-badge" }, "REC");
  const title = el("h3", { title: name }, name);
  // While the camera is not connected its last picture stays under this cover, with the reason.
  const cover = createDownCover();
  const day = isoDay();
  const node = el("article", { class: "tile st-connecting", dataset: { camera: id, state: "connecting", motion: "false", recording: "false" } },
    el("div", { class: "tile-head" }, title, el("div", { class: "badges" }, motionBadge, recBadge, stateBadge)),
    el("a", { class: "video-box", href: pageUrl("live.html", { camera: id }), title: "Full screen" }, placeholder, img, cover.node, cover.warning),
    el("nav", { class: "tile-links", "aria-label": `${name} pages` },
      el("a", { href: pageUrl("live.html", { camera: id }), "data-role": "link-live" }, icon("fullscreen"), "Full screen"),
      el("a", { href: pageUrl("timeline.html", { camera: id, date: day }), "data-role": "link-timeline" }, icon("timeline"), "Timeline"),
      el("a", { href: pageUrl("recordings.html", { camera: id, date: day }), "data-role": "link-recordings" }, icon("grid"), "Recordings"),
      el("a", { href: pageUrl("archives.html", { camera: id }), "data-role": "link-archives" }, icon("archive"), "Archives")));
  const tile = { id, name, node, img, placeholder, title, stateBadge, motionBadge, recBadge, cover, status: null, timer: null, streaming: false };
  img.addEventListener("error", () => {
    img.classList.add("pending-picture");
    placeholder.classList.remove("hidden");
    placeholder.textContent = "No picture yet; retrying…";
    tile.streaming = false;
    clearTimeout(tile.retry);
    tile.retry = setTimeout(() => startStream(tile), 3000);
  });
  return tile;
}

function streamMode() {
  return tiles.size > MAX_MJPEG_TILES ? "snapshot" : "mjpeg";
}

function startStream(tile) {
  if (!windowLoaded || document.visibilityState === "hidden") return;
  clearTimeout(tile.retry);
  clearInterval(tile.timer);
  const base = `/api/v1/cameras/${encodeURIComponent(tile.id)}`;
  if (!tile.img.naturalWidth) tile.img.classList.add("pending-picture");
  whenPicture(tile.img, () => {
    tile.img.classList.remove("pending-picture");
    tile.placeholder.classList.add("hidden");
  });
  if (streamMode() === "mjpeg") {
    tile.img.src = `${base}/live.mjpeg?t=${Date.now()}`;
  } else {
    const refresh = () => { tile.img.src = `${base}/snapshot.jpg?t=${Date.now()}`; };
    refresh();
    tile.timer = setInterval(refresh, SNAPSHOT_REFRESH_MS);
  }
  tile.streaming = true;
}

function stopStream(tile) {
  clearTimeout(tile.retry);
  clearInterval(tile.timer);
  tile.img.removeAttribute("src");
  tile.streaming = false;
}

function applyStatus(tile, status) {
  const previous = tile.status;
  tile.status = status;
  if (status.name && status.name !== tile.name) {
    tile.name = status.name;
    tile.title.textContent = status.name;
    tile.title.title = status.name;
  }
  const label = stateLabel(status, true);
  tile.stateBadge.className = `badge ${label.cls}`;
  tile.stateBadge.textContent = label.text;
  tile.stateBadge.title = stateLabel(status).text;
  tile.motionBadge.classList.toggle("hidden", !status.motion);
  tile.recBadge.classList.toggle("hidden", !status.recording);
  tile.cover.update(status);
  const disconnected = status.state !== "connected";
  const cls = ["tile", disconnected ? (status.state === "reconnecting" ? "st-reconnecting" : status.state === "connecting" ? "st-connecting" : "st-disconnected") : "st-connected"];
  if (status.recording) cls.push("is-recording");
  if (status.motion) cls.push("is-motion");
  tile.node.className = cls.join(" ");
  Object.assign(tile.node.dataset, { state: status.state, motion: String(!!status.motion), recording: String(!!status.recording) });
  // A camera that comes back gets a fresh stream (the old one ended with the connection).
  if (status.state === "connected" && ((previous && previous.state !== "connected") || !tile.streaming)) startStream(tile);
}

function ensureTile(id, name) {
  let tile = tiles.get(id);
  if (!tile) {
    tile = createTile(id, name || id);
    tiles.set(id, tile);
    insertInOrder(tile);
    startStream(tile);
    if (tiles.size === MAX_MJPEG_TILES + 1) for (const t of tiles.values()) startStream(t);
  }
  return tile;
}

let order = []; // camera ids in configuration order
function insertInOrder(tile) {
  const index = order.indexOf(tile.id);
  const before = index < 0 ? null : order.slice(index + 1).map((id) => tiles.get(id)).find((t) => t && t.node.isConnected);
  tilesBox.insertBefore(tile.node, before ? before.node : null);
}

function removeTile(id) {
  const tile = tiles.get(id);
  if (!tile) return;
  stopStream(tile);
  tile.node.remove();
  tiles.delete(id);
}

function refreshSummary() {
  emptyBox.classList.toggle("hidden", tiles.size > 0);
  const list = [...tiles.values()];
  const connected = list.filter((t) => t.status && t.status.state === "connected").length;
  const recording = list.filter((t) => t.status && t.status.recording).length;
  summary.textContent = list.length ? `${list.length} camera${list.length > 1 ? "s" : ""} · ${connected} connected · ${recording} recording` : "";
}

async function loadCameras() {
  const cameras = await get("/api/v1/cameras");
  order = cameras.map((c) => c.id);
  const wanted = new Set();
  for (const camera of cameras) {
    if (!camera.configured || !camera.enabled) continue;
    wanted.add(camera.id);
    const tile = ensureTile(camera.id, camera.name);
    const live = events.cameras.get(camera.id);
    applyStatus(tile, live || camera.status || { state: "connecting" });
  }
  for (const id of [...tiles.keys()]) if (!wanted.has(id)) removeTile(id);
  refreshSummary();
}

async function main() {
  await initPage({ active: "home", title: "Live" });
  events.on("snapshot", (message) => {
    const present = new Set();
    for (const status of message.cameras) {
      if (!hasLive(status)) { removeTile(status.id); continue; }
      present.add(status.id);
      applyStatus(ensureTile(status.id, status.name), status);
    }
    for (const id of [...tiles.keys()]) if (!present.has(id)) removeTile(id);
    refreshSummary();
  });
  events.on("camera", (message) => {
    const status = message.camera;
    if (!hasLive(status)) removeTile(status.id);
    else applyStatus(ensureTile(status.id, status.name), status);
    refreshSummary();
  });
  events.on("removed", (message) => { removeTile(message.camera_id); refreshSummary(); });
  events.on("config", (message) => {
    // A rejected file is shown by the page frame's banner (layout.js).
    if (message.status === "applied") {
      toast("Configuration reloaded.", "ok");
      loadCameras().catch(() => {});
    }
  });
  events.start();
  await loadCameras();
}

window.addEventListener("load", () => {
  windowLoaded = true;
  for (const tile of tiles.values()) if (!tile.streaming) startStream(tile);
});
// Nothing is encoded for a tab nobody looks at.
document.addEventListener("visibilitychange", () => {
  for (const tile of tiles.values()) {
    if (document.visibilityState === "hidden") stopStream(tile);
    else if (!tile.streaming) startStream(tile);
  }
});

main().catch((error) => { if (!error || !error.shown) console.error(error); });
