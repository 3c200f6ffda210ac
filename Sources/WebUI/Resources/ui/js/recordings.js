// Recordings of a camera for a day, grouped by hour: thumbnail of the first clip and a count per
// hour, delete a whole hour; inside an hour, play, archive or delete single clips.
import { api, enc, get } from "./api.js";
import { el, clear, icon, iconButton, addDays, fmtClock, fmtDuration, fmtLongDay, isoDay, pageUrl, param, parseDay, $ } from "./dom.js";
import { cameraLabel, currentCamera, fillSubnav } from "./camera-page.js";
import { InlinePlayer, archiveClip, deleteClip, thumbnail } from "./clips.js";
import { events } from "./events.js";
import { initPage, isAdmin } from "./layout.js";
import { toast, confirmDialog, pending } from "./ui.js";

const hoursBox = $("#hours");
const detail = $("#hour-detail");
const hourClips = $("#hour-clips");
let camera = null;
let day = isoDay();
let clips = [];
let selectedHour = null; // "HH"
let player = null;
let refreshTimer = null;

const hh = (n) => String(n).padStart(2, "0");
const hourOf = (clip) => hh(new Date(clip.start_ms).getHours());

function setDay(newDay, push) {
  if (!parseDay(newDay)) newDay = isoDay();
  if (newDay !== day) selectedHour = null;
  day = newDay;
  $("#date-input").value = day;
  $("#day-label").textContent = fmtLongDay(day);
  updateUrl(push);
  fillSubnav($("#subnav"), camera, "recordings", day);
  player.hide();
  load(true);
}

function updateUrl(push) {
  const url = pageUrl("recordings.html", { camera: camera.id, date: day, hour: selectedHour });
  if (push) history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

async function load(first) {
  const wanted = day;
  let list;
  try {
    list = await get(`/api/v1/cameras/${enc(camera.id)}/clips?date=${enc(day)}`, { quiet: !first });
  } catch {
    return;
  }
  if (wanted !== day) return;
  clips = (list || []).filter((c) => !c.archived).sort((a, b) => a.start_ms - b.start_ms);
  render();
  clearTimeout(refreshTimer);
  if (clips.some((c) => c.state === "recording")) refreshTimer = setTimeout(() => load(false), 4000);
}

function groups() {
  const map = new Map();
  for (const clip of clips) {
    const h = hourOf(clip);
    if (!map.has(h)) map.set(h, []);
    map.get(h).push(clip);
  }
  return map;
}

function render() {
  const byHour = groups();
  clear(hoursBox);
  if (!byHour.size) {
    hoursBox.append(el("div", { class: "empty" }, "No recording this day."));
  }
  for (const [hour, list] of byHour) {
    const total = list.reduce((sum, c) => sum + (c.duration_ms || 0), 0);
    const open = () => selectHour(hour, true);
    const card = el("article", { class: `card${hour === selectedHour ? " selected" : ""}`, dataset: { hour } },
      thumbnail(list[0], { label: `${hour}:00`, count: list.length, onClick: open, title: `Show the clips of ${hour}:00` }),
      el("div", { class: "card-body" },
        el("div", { class: "card-title" }, el("h3", {}, `${hour}:00 – ${hour}:59`), el("span", { class: "muted" }, `${list.length} clip${list.length > 1 ? "s" : ""}`)),
        el("div", { class: "muted" }, `${fmtDuration(total)} recorded`)));
    const actions = el("div", { class: "card-actions" });
    const show = iconButton("play", "Show", { class: "small", "data-role": "open-hour" }, true);
    show.addEventListener("click", open);
    actions.append(show);
    if (isAdmin()) {
      const remove = iconButton("trash", "Delete hour", { class: "small danger", "data-role": "delete-hour" }, true);
      remove.addEventListener("click", () => deleteHour(hour, list, remove));
      actions.append(remove);
    }
    card.querySelector(".card-body").append(actions);
    hoursBox.append(card);
  }
  if (selectedHour && !byHour.has(selectedHour)) selectedHour = null;
  renderHour(byHour.get(selectedHour) || []);
}

function selectHour(hour, scroll) {
  selectedHour = hour;
  updateUrl(false);
  for (const card of hoursBox.querySelectorAll(".card")) card.classList.toggle("selected", card.dataset.hour === hour);
  renderHour(groups().get(hour) || []);
  if (scroll) detail.scrollIntoView({ block: "start", behavior: "smooth" });
}

function renderHour(list) {
  detail.classList.toggle("hidden", !selectedHour);
  if (!selectedHour) return;
  $("#hour-title").textContent = `${selectedHour}:00 – ${selectedHour}:59 · ${list.length} clip${list.length > 1 ? "s" : ""}`;
  clear(hourClips);
  for (const clip of list) hourClips.append(clipCard(clip));
}

function clipCard(clip) {
  const recording = clip.state === "recording";
  const play = () => player.show(clip, `${cameraLabel(camera)} · ${fmtClock(clip.start_ms)} · ${fmtDuration(clip.duration_ms)}`);
  const actions = el("div", { class: "card-actions" });
  const playButton = iconButton("play", "Play", { class: "small", "data-role": "play-clip" }, true);
  playButton.addEventListener("click", play);
  actions.append(playButton);
  if (isAdmin()) {
    const archive = iconButton("archive", "Archive", { class: "small", "data-role": "archive-clip", disabled: recording, title: recording ? "Still being recorded" : "Archive (kept forever)" }, true);
    archive.addEventListener("click", async () => { if (await archiveClip(clip, archive)) { if (player.isPlaying(clip.id)) player.hide(); await load(false); } });
    const remove = iconButton("trash", "Delete", { class: "small danger", "data-role": "delete-clip", disabled: recording, title: recording ? "Still being recorded" : "Delete" }, true);
    remove.addEventListener("click", async () => { if (await deleteClip(clip, remove)) { if (player.isPlaying(clip.id)) player.hide(); await load(false); } });
    actions.append(archive, remove);
  }
  return el("article", { class: "card", dataset: { clip: clip.id } },
    thumbnail(clip, { onClick: play, title: "Play" }),
    el("div", { class: "card-body" },
      el("div", { class: "card-title" },
        el("h3", { class: "mono" }, fmtClock(clip.start_ms)),
        recording ? el("span", { class: "badge recording-clip" }, "recording") : el("span", { class: "muted" }, fmtDuration(clip.duration_ms))),
      actions));
}

async function deleteHour(hour, list, button) {
  const ok = await confirmDialog(
    `Delete the ${list.length} clip${list.length > 1 ? "s" : ""} recorded between ${hour}:00 and ${hour}:59 on ${fmtLongDay(day)}? Archived clips and a clip still being recorded are kept. This cannot be undone.`,
    { title: "Delete a whole hour", ok: "Delete hour" });
  if (!ok) return;
  await pending(button, async () => {
    const result = await api(`/api/v1/cameras/${enc(camera.id)}/clips?date=${enc(day)}&hour=${enc(hour)}`, { method: "DELETE" });
    const n = result && Number.isFinite(result.deleted) ? result.deleted : list.length;
    toast(`${n} clip${n === 1 ? "" : "s"} deleted.`, "ok");
    if (player.clip && hourOf(player.clip) === hour) player.hide();
    if (selectedHour === hour) selectedHour = null;
    updateUrl(false);
    await load(false);
  });
}

async function main() {
  await initPage({ title: "Recordings" });
  camera = await currentCamera();
  if (!camera) return;
  document.title = `${cameraLabel(camera)} · Recordings · vms`;
  $("#title").textContent = `${cameraLabel(camera)} · Recordings`;
  $("#prev-day").append(icon("left"));
  $("#next-day").append(icon("right"));
  player = new InlinePlayer($("#player-slot"), {
    onEnded: (clip) => {
      const i = clips.findIndex((c) => c.id === clip.id);
      if (i >= 0 && i + 1 < clips.length) {
        const next = clips[i + 1];
        if (hourOf(next) !== selectedHour) selectHour(hourOf(next), false);
        player.show(next, `${cameraLabel(camera)} · ${fmtClock(next.start_ms)} · ${fmtDuration(next.duration_ms)}`);
      }
    },
  });
  $("#prev-day").addEventListener("click", () => setDay(addDays(day, -1), true));
  $("#next-day").addEventListener("click", () => setDay(addDays(day, 1), true));
  $("#date-input").addEventListener("change", (e) => { if (parseDay(e.target.value)) setDay(e.target.value, true); });
  window.addEventListener("popstate", () => { selectedHour = param("hour"); setDay(param("date") || isoDay(), false); });
  events.on("camera", (m) => { if (m.camera.id === camera.id && day === isoDay()) load(false); });
  events.start();
  const hour = param("hour");
  selectedHour = /^\d{2}$/.test(hour || "") ? hour : null;
  day = param("date") || isoDay();
  setDay(day, false);
}

main().catch((error) => { if (!error || !error.shown) console.error(error); });
