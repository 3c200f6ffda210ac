// Home: one live tile per enabled camera (its sub stream over MSE, live-player.js), badges and border
// driven by the events WebSocket, in a grid of 1, 2×2, 3×3 or 4×4 columns (or as many as fit). There is
// no cap on live tiles: a tile off-screen or in a hidden tab fetches nothing, and the server sends
// each tile the camera's own packets (nothing is decoded or encoded for it).
import { get } from "./api.js";
import { el, icon, isoDay, pageUrl, $ } from "./dom.js";
import { createDownCover } from "./down-cover.js";
import { events, stateLabel } from "./events.js";
import { initPage } from "./layout.js";
import { createLivePlayer } from "./live-player.js";
import { toast } from "./ui.js";

const LAYOUTS = ["auto", "1", "2", "3", "4"];
const LAYOUT_KEY = "vms.home.layout";

const tilesBox = $("#tiles");
const emptyBox = $("#no-cameras");
const summary = $("#summary");
const tiles = new Map(); // id -> {node, player, badges..., status, name}

function hasLive(status) {
  return status && status.state !== "disabled";
}

function createTile(id, name) {
  const player = createLivePlayer({ camera: id, stream: "sub", label: `Live picture of ${name}` });
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
    el("a", { class: "video-box", href: pageUrl("live.html", { camera: id }), title: "Full screen, main stream" }, placeholder, player.node, cover.node, cover.warning),
    el("nav", { class: "tile-links", "aria-label": `${name} pages` },
      el("a", { href: pageUrl("live.html", { camera: id }), "data-role": "link-live" }, icon("fullscreen"), "Full screen"),
      el("a", { href: pageUrl("timeline.html", { camera: id, date: day }), "data-role": "link-timeline" }, icon("timeline"), "Timeline"),
      el("a", { href: pageUrl("recordings.html", { camera: id, date: day }), "data-role": "link-recordings" }, icon("grid"), "Recordings"),
      el("a", { href: pageUrl("archives.html", { camera: id }), "data-role": "link-archives" }, icon("archive"), "Archives")));
  const hidePlaceholder = () => placeholder.classList.add("hidden");
  player.video.addEventListener("playing", hidePlaceholder);
  player.node.querySelector("img").addEventListener("load", hidePlaceholder);
  return { id, name, node, player, placeholder, title, stateBadge, motionBadge, recBadge, cover, status: null };
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
  // A camera that comes back: connect at once instead of waiting for the player's back-off.
  if (status.state === "connected" && previous && previous.state !== "connected") tile.player.reconnect();
}

function ensureTile(id, name) {
  let tile = tiles.get(id);
  if (!tile) {
    tile = createTile(id, name || id);
    tiles.set(id, tile);
    insertInOrder(tile);
    tile.player.start();
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
  tile.player.destroy();
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

function applyLayout(layout) {
  tilesBox.dataset.layout = layout;
  for (const button of document.querySelectorAll("[data-layout]")) {
    button.setAttribute("aria-pressed", String(button.dataset.layout === layout));
  }
}

function setUpLayouts() {
  let saved = null;
  try { saved = localStorage.getItem(LAYOUT_KEY); } catch { /* storage refused: no memory */ }
  applyLayout(LAYOUTS.includes(saved) ? saved : "auto");
  for (const button of document.querySelectorAll("[data-layout]")) {
    button.addEventListener("click", () => {
      applyLayout(button.dataset.layout);
      try { localStorage.setItem(LAYOUT_KEY, button.dataset.layout); } catch { /* not kept */ }
    });
  }
}

async function main() {
  await initPage({ active: "home", title: "Live" });
  setUpLayouts();
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

main().catch((error) => { if (!error || !error.shown) console.error(error); });
