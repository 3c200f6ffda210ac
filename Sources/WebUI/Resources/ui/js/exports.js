// Exports page: every export, newest first, with its camera, range, a progress bar that moves
// with the events WebSocket's `export` messages (no polling), its state or error, Download and
// Delete. The list is fetched once and again whenever the socket (re)opens (messages sent while it
// was down are lost).
import { api, del, get } from "./api.js";
import { el, clear, fmtBytes, fmtClock, fmtDuration, icon, isoDay, $ } from "./dom.js";
import { events } from "./events.js";
import { initPage, isAdmin } from "./layout.js";
import { toast, confirmDialog, pending, showEmpty } from "./ui.js";

const listBox = $("#export-list");
const exportsById = new Map();
const rows = new Map(); // id -> {node, update(record)}
let names = new Map(); // camera id -> name

function cameraName(id) {
  return names.get(id) || id;
}

function rangeText(record) {
  const sameDay = isoDay(new Date(record.start_ms)) === isoDay(new Date(record.end_ms));
  const day = (ms) => new Date(ms).toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
  return sameDay
    ? `${day(record.start_ms)} ${fmtClock(record.start_ms)}–${fmtClock(record.end_ms)}`
    : `${day(record.start_ms)} ${fmtClock(record.start_ms)} – ${day(record.end_ms)} ${fmtClock(record.end_ms)}`;
}

// Exports run one at a time, in the order asked: a running export with an older one still running
// waits its turn.
function isQueued(record) {
  if (record.state !== "running") return false;
  for (const other of exportsById.values()) {
    if (other.state === "running" && other.id < record.id) return true;
  }
  return false;
}

function buildRow(record) {
  const title = el("strong", { class: "export-camera", "data-role": "export-camera" });
  const range = el("span", { class: "export-range", "data-role": "export-range" });
  const bar = el("progress", { max: "1", value: "0", "data-role": "export-progress" });
  const state = el("span", { class: "export-state", "data-role": "export-state" });
  const error = el("div", { class: "export-error hidden", role: "alert", "data-role": "export-error" });
  const download = el("a", { class: "btn small hidden", "data-role": "export-download", download: "" }, icon("download"), el("span", { class: "btn-label" }, "Download"));
  const remove = el("button", { type: "button", class: "small danger", "data-role": "export-delete" }, icon("trash"), el("span", { class: "btn-label" }, "Delete"));
  const node = el("article", { class: "export-row panel", dataset: { id: record.id } },
    el("div", { class: "export-head" }, title, range),
    el("div", { class: "export-status" }, bar, state),
    error,
    el("div", { class: "card-actions" }, download, isAdmin() ? remove : null));
  remove.addEventListener("click", async () => {
    const current = exportsById.get(record.id) || record;
    const running = current.state === "running";
    const ok = await confirmDialog(
      running ? "This export is still being made: it stops and nothing is kept." : "The exported file is deleted from the server. The footage it was made from stays.",
      { title: running ? "Cancel and delete this export?" : "Delete this export?" });
    if (!ok) return;
    await pending(remove, async () => {
      await del(`/api/v1/exports/${current.id}`);
      forget(current.id);
      toast("Export deleted.", "ok");
    });
  });
  const update = (r) => {
    title.textContent = cameraName(r.camera);
    title.title = r.camera;
    range.textContent = rangeText(r);
    bar.value = r.state === "done" ? 1 : Math.max(0, Math.min(1, Number(r.progress) || 0));
    bar.classList.toggle("hidden", r.state === "failed");
    const queued = isQueued(r);
    node.dataset.state = queued ? "queued" : r.state;
    const length = fmtDuration(r.end_ms - r.start_ms);
    state.textContent = queued
      ? `Queued · ${length}`
      : r.state === "running"
        ? `Exporting… ${Math.round((Number(r.progress) || 0) * 100)} % · ${length}`
        : r.state === "done" ? `Done · ${length} · ${fmtBytes(r.size_bytes)}` : "Failed";
    error.textContent = r.state === "failed" ? (r.error || "The export failed.") : "";
    error.classList.toggle("hidden", r.state !== "failed");
    download.classList.toggle("hidden", r.state !== "done");
    if (r.state === "done") download.href = `/api/v1/exports/${r.id}/download`;
    else download.removeAttribute("href");
    remove.querySelector(".btn-label").textContent = r.state === "running" ? "Cancel" : "Delete";
  };
  update(record);
  return { node, update };
}

function show(record) {
  const known = exportsById.get(record.id);
  exportsById.set(record.id, record);
  let row = rows.get(record.id);
  if (!row) {
    row = buildRow(record);
    rows.set(record.id, row);
    const empty = listBox.querySelector(".empty");
    if (empty) empty.remove();
    // Newest first: a new export goes on top; a list rendered from the server keeps its order.
    if (!known) listBox.prepend(row.node);
  } else {
    row.update(record);
  }
  if (known && known.state === "running" && record.state !== "running") refreshRunning();
  if (known && known.state === "running" && record.state === "done") toast(`Export of ${cameraName(record.camera)} is ready to download.`, "ok");
  if (known && known.state === "running" && record.state === "failed") toast(`Export of ${cameraName(record.camera)} failed: ${record.error || "no reason given"}`, "error");
}

// The next queued export is now under way: its row says so.
function refreshRunning() {
  for (const [id, row] of rows) {
    const record = exportsById.get(id);
    if (record && record.state === "running") row.update(record);
  }
}

function forget(id) {
  exportsById.delete(id);
  const row = rows.get(id);
  if (row) row.node.remove();
  rows.delete(id);
  refreshRunning();
  if (!rows.size) showEmpty(listBox, "No export yet. On a camera's timeline, choose “Export range…” to make one MP4 of any time range.");
}

async function load() {
  let answer;
  try {
    answer = await get("/api/v1/exports");
  } catch (error) {
    // Said where the list would be, not only in a toast that goes away.
    rows.clear();
    exportsById.clear();
    clear(listBox).append(el("div", { class: "empty error", role: "alert", "data-role": "export-load-error" },
      `Cannot load the exports: ${(error && error.message) || "no answer from the server"}. The list is loaded again when the connection returns; or reload the page.`));
    return;
  }
  const list = (answer && answer.exports) || [];
  clear(listBox);
  rows.clear();
  exportsById.clear();
  if (!list.length) {
    showEmpty(listBox, "No export yet. On a camera's timeline, choose “Export range…” to make one MP4 of any time range.");
    return;
  }
  for (const record of list) exportsById.set(record.id, record);
  for (const record of list) {
    const row = buildRow(record);
    rows.set(record.id, row);
    listBox.append(row.node);
  }
}

async function main() {
  await initPage({ active: "exports", title: "Exports" });
  try {
    const cameras = await api("/api/v1/cameras", { quiet: true });
    names = new Map((cameras || []).map((c) => [c.id, c.name || c.id]));
  } catch { /* ids are shown instead */ }
  events.on("export", (message) => { if (message.export) show(message.export); });
  events.on("export_removed", (message) => forget(message.id));
  events.onConnection((state) => { if (state === "open") load(); });
  await load();
}

main().catch((error) => { if (!error || !error.shown) console.error(error); });
