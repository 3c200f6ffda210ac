// Timeline: a camera's day on a 24-hour bar; click to play, the next clip follows, speeds 1-16x,
// archive or delete the clip being played, a calendar of the days with recordings.
import { api, enc, get } from "./api.js";
import { el, clear, icon, addDays, fmtClock, fmtDuration, fmtLongDay, isoDay, pageUrl, param, parseDay, $ } from "./dom.js";
import { Calendar } from "./calendar.js";
import { cameraLabel, currentCamera, fillSubnav } from "./camera-page.js";
import { events } from "./events.js";
import { initPage, isAdmin } from "./layout.js";
import { toast, confirmDialog, pending } from "./ui.js";
import { reportPlaybackErrors } from "./clips.js";
import { openExportDialog } from "./export-range.js";

const SPEEDS = [1, 2, 4, 8, 16];
const DAY_MS = 24 * 3600 * 1000;
const LIVE_REFRESH_MS = 2000;

const video = $("#video");
const bar = $("#day-bar");
const clock = $("#clock");
const info = $("#clip-info");
const listBox = $("#clip-list");
const placeholder = $("#player-placeholder");
const archiveButton = $("#archive-clip");
const deleteButton = $("#delete-clip");
const downloadLink = $("#download-clip");
const playButton = $("#play-pause");

let camera = null;
let day = isoDay();
let dayStart = 0; // local midnight, epoch ms
let dayEnd = 0;
let clips = [];
let current = null; // the clip being played
let speed = 1;
let refreshTimer = null;
let nowTimer = null;
let calendar = null;
let loadSerial = 0;
let initialClip = Number(param("clip")) || null; // ?clip=ID: load that clip once the day is shown

try { speed = SPEEDS.includes(Number(localStorage.getItem("vms-speed"))) ? Number(localStorage.getItem("vms-speed")) : 1; } catch { speed = 1; }

// ---------------------------------------------------------------------------------------------
// the day

function setDay(newDay, push) {
  if (!parseDay(newDay)) newDay = isoDay();
  day = newDay;
  const start = parseDay(day);
  dayStart = start.getTime();
  const end = new Date(start);
  end.setDate(end.getDate() + 1); // DST-safe: 23 or 25 hours on change days
  dayEnd = end.getTime();
  $("#date-input").value = day;
  $("#day-label").textContent = fmtLongDay(day);
  const url = pageUrl("timeline.html", { camera: camera.id, date: day });
  if (push) history.pushState({ day }, "", url);
  else history.replaceState({ day }, "", url);
  fillSubnav($("#subnav"), camera, "timeline", day);
  if (calendar) calendar.select(day);
  stop();
  clips = [];
  viewStart = dayStart;
  loadClips(true);
}

async function loadClips(first) {
  const serial = ++loadSerial;
  const base = `/api/v1/cameras/${enc(camera.id)}/clips?date=${enc(day)}`;
  let recorded, archived;
  try {
    [recorded, archived] = await Promise.all([get(base, { quiet: !first }), get(`${base}&archived=true`, { quiet: true }).catch(() => [])]);
  } catch {
    return;
  }
  if (serial !== loadSerial) return; // a newer day was picked meanwhile
  const byId = new Map();
  for (const clip of [...(recorded || []), ...(archived || [])]) byId.set(clip.id, clip);
  clips = [...byId.values()].sort((a, b) => a.start_ms - b.start_ms || a.id - b.id);
  if (current) {
    const fresh = byId.get(current.id);
    if (fresh) current = fresh;
  }
  renderBar();
  renderList();
  updateInfo();
  scheduleRefresh();
  if (first && !current && initialClip) {
    const clip = clips.find((c) => c.id === initialClip);
    initialClip = null;
    if (clip) play(clip, 0, false);
  }
}

/** While something is being recorded today, the day's clips are refreshed so the growing one grows. */
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  const status = events.cameras.get(camera.id);
  const recordingNow = clips.some((c) => c.state === "recording") || (status && status.recording && day === isoDay());
  if (recordingNow) refreshTimer = setTimeout(() => loadClips(false), LIVE_REFRESH_MS);
}

// The bar shows the whole day, or a zoomed window of it that follows the playhead.
const ZOOMS = [
  { label: "24 h", span: 24 * 3600e3, tick: 3600e3, every: 3 },
  { label: "6 h", span: 6 * 3600e3, tick: 15 * 60e3, every: 4 },
  { label: "1 h", span: 3600e3, tick: 5 * 60e3, every: 3 },
  { label: "15 min", span: 15 * 60e3, tick: 60e3, every: 5 },
];
let zoom = 0;
let viewStart = 0;

function viewSpan() {
  return zoom === 0 ? dayEnd - dayStart : ZOOMS[zoom].span;
}

function visibleWindow() {
  const span = viewSpan();
  const start = zoom === 0 ? dayStart : Math.min(Math.max(viewStart, dayStart), dayEnd - span);
  return { start, end: start + span, span };
}

function pct(ms) {
  const view = visibleWindow();
  return Math.min(100, Math.max(0, ((ms - view.start) / view.span) * 100));
}

function timeAt(clientX) {
  const rect = bar.getBoundingClientRect();
  const view = visibleWindow();
  return view.start + ((clientX - rect.left) / rect.width) * view.span;
}

/** Zoom level `level`, centred on `centre` (the playhead, else the selected clip, else the latest). */
function setZoom(level, centre) {
  zoom = Math.max(0, Math.min(ZOOMS.length - 1, level));
  if (centre === undefined) {
    if (current) centre = current.start_ms + (video.currentTime || 0) * 1000;
    else if (clips.length) centre = clipEnd(clips[clips.length - 1]);
    else centre = day === isoDay() ? Date.now() : dayStart + 12 * 3600e3;
  }
  viewStart = centre - viewSpan() / 2;
  viewStart = visibleWindow().start;
  for (const b of $("#zoom").querySelectorAll("button[data-zoom]")) {
    const on = Number(b.dataset.zoom) === zoom;
    b.classList.toggle("active", on);
    b.setAttribute("aria-pressed", on ? "true" : "false");
  }
  $("#pan-left").disabled = zoom === 0;
  $("#pan-right").disabled = zoom === 0;
  renderBar();
}

function pan(direction) {
  if (zoom === 0) return;
  viewStart = visibleWindow().start + direction * viewSpan() * 0.75;
  viewStart = visibleWindow().start;
  renderBar();
}

function clipEnd(clip) {
  return clip.end_ms || clip.start_ms + (clip.duration_ms || 0);
}

function tickLabel(ms) {
  const d = new Date(ms);
  const hh = String(d.getHours()).padStart(2, "0");
  if (zoom === 0) return ms >= dayEnd ? "24h" : `${hh}h`;
  return `${hh}:${String(d.getMinutes()).padStart(2, "0")}`;
}

function renderBar() {
  clear(bar);
  const labels = clear($("#hour-labels"));
  const view = visibleWindow();
  const { tick, every } = ZOOMS[zoom];
  // Ticks at round local times: count them from local midnight.
  let n = Math.ceil((view.start - dayStart) / tick);
  for (let at = dayStart + n * tick; at <= view.end + 1; at += tick, n += 1) {
    const left = ((at - view.start) / view.span) * 100;
    if (left > 0.01 && left < 99.99) {
      const line = el("div", { class: "hour-line" });
      line.style.left = `${left}%`;
      bar.append(line);
    }
    if (n % every === 0) {
      const label = el("span", { class: n % (every * 2) ? "odd" : "" }, tickLabel(at));
      label.style.left = `${Math.min(97, Math.max(2.5, left))}%`;
      labels.append(label);
    }
  }
  for (const clip of clips) {
    if (clipEnd(clip) < view.start || clip.start_ms > view.end) continue;
    const left = pct(clip.start_ms);
    const width = Math.max(0, pct(clipEnd(clip)) - left);
    const classes = ["clip-seg"];
    if (clip.archived) classes.push("archived");
    if (clip.state === "recording") classes.push("recording");
    if (current && current.id === clip.id) classes.push("current");
    const seg = el("div", {
      class: classes.join(" "), dataset: { clip: clip.id },
      title: `${fmtClock(clip.start_ms)}–${fmtClock(clipEnd(clip))} (${fmtDuration(clip.duration_ms)})${clip.archived ? " · archived" : ""}${clip.state === "recording" ? " · recording" : ""}`,
    });
    seg.style.left = `${left}%`;
    seg.style.width = `${width}%`;
    bar.append(seg);
  }
  const now = Date.now();
  if (day === isoDay() && now >= view.start && now <= view.end) {
    const marker = el("div", { class: "now-marker", "data-role": "now-marker", title: `Now: ${fmtClock(now, false)}` });
    marker.style.left = `${pct(now)}%`;
    bar.append(marker);
  }
  const head = el("div", { class: "playhead hidden", id: "playhead" });
  bar.append(head);
  updatePlayhead();
}

function renderList() {
  clear(listBox);
  $("#clip-count").textContent = clips.length ? `${clips.length} clip${clips.length > 1 ? "s" : ""}` : "Clips";
  if (!clips.length) {
    listBox.append(el("div", { class: "muted" }, "No recording this day."));
    placeholder.textContent = "No recording this day. The calendar marks the days that have some.";
    return;
  }
  if (!current) placeholder.textContent = "Pick a clip on the bar below, or in the list.";
  for (const clip of clips) {
    const button = el("button", { type: "button", class: current && current.id === clip.id ? "current" : "", dataset: { clip: clip.id } },
      el("span", { class: "mono" }, fmtClock(clip.start_ms)),
      el("span", { class: "muted" }, clip.state === "recording" ? "recording…" : fmtDuration(clip.duration_ms),
        clip.archived ? " · archived" : ""));
    button.addEventListener("click", () => play(clip, 0, true));
    listBox.append(button);
  }
}

// ---------------------------------------------------------------------------------------------
// playing

function play(clip, offsetSeconds = 0, autoplay = true) {
  const same = current && current.id === clip.id && video.src;
  current = clip;
  if (zoom > 0) {
    const view = visibleWindow();
    const at = clip.start_ms + offsetSeconds * 1000;
    if (at < view.start || at > view.end) setZoom(zoom, at);
  }
  placeholder.classList.add("hidden");
  // The clock shows where the clip starts at once, not "--:--:--" until its first frame plays.
  clock.textContent = fmtClock(clip.start_ms + Math.max(0, offsetSeconds) * 1000);
  if (!same) {
    video.src = `/api/v1/clips/${clip.id}/video`;
    video.dataset.clip = String(clip.id);
  }
  const start = () => {
    video.defaultPlaybackRate = speed;
    video.playbackRate = speed;
    if (offsetSeconds > 0 && Number.isFinite(offsetSeconds)) {
      try { video.currentTime = offsetSeconds; } catch { /* not seekable yet */ }
    }
    if (autoplay) video.play().catch(() => {});
  };
  if (same || video.readyState >= 1) start();
  else video.addEventListener("loadedmetadata", start, { once: true });
  for (const seg of bar.querySelectorAll(".clip-seg")) seg.classList.toggle("current", Number(seg.dataset.clip) === clip.id);
  for (const b of listBox.querySelectorAll("button")) b.classList.toggle("current", Number(b.dataset.clip) === clip.id);
  const row = listBox.querySelector(`button[data-clip="${clip.id}"]`);
  if (row) row.scrollIntoView({ block: "nearest" });
  updateInfo();
}

function stop() {
  current = null;
  video.pause();
  video.removeAttribute("src");
  delete video.dataset.clip;
  video.load();
  placeholder.classList.remove("hidden");
  clock.textContent = "--:--:--";
  updateInfo();
}

function updateInfo() {
  const canAct = !!current && isAdmin();
  archiveButton.disabled = !canAct || !!(current && (current.archived || current.state === "recording"));
  deleteButton.disabled = !canAct || !!(current && current.state === "recording");
  archiveButton.title = current && current.state === "recording" ? "Still being recorded" : current && current.archived ? "Already archived" : "Archive this clip (kept forever)";
  // A finished clip can be downloaded by anyone who can watch it (the player's own menu cannot
  // when the browser cannot decode the clip).
  downloadLink.classList.toggle("hidden", !current || current.state === "recording");
  if (current) downloadLink.href = `/api/v1/clips/${current.id}/download`;
  if (!current) {
    info.textContent = "";
    return;
  }
  const parts = [`Clip ${fmtClock(current.start_ms)}–${fmtClock(clipEnd(current))}`, fmtDuration(current.duration_ms)];
  if (current.state === "recording") parts.push("being recorded");
  if (current.archived) parts.push("archived");
  if (current.comment) parts.push(`“${current.comment}”`);
  info.textContent = parts.join(" · ");
}

function updatePlayhead() {
  const head = $("#playhead");
  if (!current) {
    if (head) head.classList.add("hidden");
    return;
  }
  const at = current.start_ms + (video.currentTime || 0) * 1000;
  clock.textContent = fmtClock(at);
  const view = visibleWindow();
  // While playing, a zoomed window follows the playhead when it runs off the right edge (a manual
  // pan elsewhere is left alone while paused).
  if (zoom > 0 && !video.paused && at > view.end && at - view.end < 60e3 && at < dayEnd) {
    setZoom(zoom, at + view.span * 0.4); // redraws the bar, then calls back here
    return;
  }
  if (head) {
    head.classList.remove("hidden");
    head.style.left = `${pct(at)}%`;
  }
}

function indexOfCurrent() {
  return current ? clips.findIndex((c) => c.id === current.id) : -1;
}

function nextClip() {
  const i = indexOfCurrent();
  if (i >= 0 && i + 1 < clips.length) { play(clips[i + 1], 0, true); return true; }
  if (i < 0 && clips.length) { play(clips[0], 0, true); return true; }
  return false;
}

function previousClip() {
  const i = indexOfCurrent();
  if (i > 0) play(clips[i - 1], 0, true);
  else if (i < 0 && clips.length) play(clips[clips.length - 1], 0, true);
}

function setSpeed(value) {
  speed = value;
  try { localStorage.setItem("vms-speed", String(value)); } catch { /* storage off */ }
  video.defaultPlaybackRate = value;
  video.playbackRate = value;
  for (const b of $("#speeds").querySelectorAll("button")) {
    const on = Number(b.dataset.speed) === value;
    b.classList.toggle("active", on);
    b.setAttribute("aria-pressed", on ? "true" : "false");
  }
}

/** Click on the bar: the clip under the pointer at that instant, else the next one after it. */
function seekBar(event) {
  const at = timeAt(event.clientX);
  const seg = event.target.closest && event.target.closest(".clip-seg");
  let clip = seg ? clips.find((c) => c.id === Number(seg.dataset.clip)) : null;
  let offset = 0;
  if (!clip) clip = clips.find((c) => c.start_ms <= at && at < clipEnd(c));
  if (clip && at > clip.start_ms && at < clipEnd(clip)) offset = (at - clip.start_ms) / 1000;
  if (!clip) clip = clips.find((c) => c.start_ms > at);
  if (!clip) {
    toast("No recording after this time.", "info");
    return;
  }
  play(clip, offset, true);
}

// ---------------------------------------------------------------------------------------------
// actions

async function archiveCurrent() {
  if (!current) return;
  const clip = current;
  await pending(archiveButton, async () => {
    const updated = await api(`/api/v1/clips/${clip.id}/archive`, { method: "POST" });
    toast(`Clip of ${fmtClock(clip.start_ms)} archived.`, "ok");
    if (current && current.id === clip.id) current = { ...clip, ...(updated || {}), archived: true };
    await loadClips(false);
  });
  updateInfo();
}

async function deleteCurrent() {
  if (!current) return;
  const clip = current;
  const ok = await confirmDialog(`Delete the clip of ${fmtClock(clip.start_ms)} (${fmtDuration(clip.duration_ms)})? This cannot be undone.`, { title: "Delete clip", ok: "Delete clip" });
  if (!ok) return;
  // The next clip takes the deleted one's place, playing if it was playing.
  const wasPlaying = !video.paused && !video.ended;
  await pending(deleteButton, async () => {
    const i = indexOfCurrent();
    await api(`/api/v1/clips/${clip.id}`, { method: "DELETE" });
    toast(`Clip of ${fmtClock(clip.start_ms)} deleted.`, "ok");
    const following = clips[i + 1];
    stop();
    await loadClips(false);
    if (following) {
      const fresh = clips.find((c) => c.id === following.id);
      if (fresh) play(fresh, 0, wasPlaying);
    }
  });
  updateInfo();
}

function onKey(event) {
  const target = event.target;
  if (target && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName))) return;
  if (document.querySelector("dialog[open]")) return;
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  switch (event.key) {
    case " ":
    case "k":
      event.preventDefault();
      togglePlay();
      break;
    case "ArrowRight":
      event.preventDefault();
      if (event.shiftKey) nextClip();
      else seekBy(10);
      break;
    case "ArrowLeft":
      event.preventDefault();
      if (event.shiftKey) previousClip();
      else seekBy(-10);
      break;
    case "+":
    case "=": {
      event.preventDefault();
      setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, SPEEDS.indexOf(speed) + 1)]);
      toast(`Speed ${speed}x`);
      break;
    }
    case "-":
    case "_": {
      event.preventDefault();
      setSpeed(SPEEDS[Math.max(0, SPEEDS.indexOf(speed) - 1)]);
      toast(`Speed ${speed}x`);
      break;
    }
    default:
  }
}

function togglePlay() {
  if (!current) { nextClip(); return; }
  if (video.paused) video.play().catch(() => {});
  else video.pause();
}

function seekBy(seconds) {
  if (!current) return;
  const t = (video.currentTime || 0) + seconds;
  const duration = Number.isFinite(video.duration) ? video.duration : (current.duration_ms || 0) / 1000;
  if (t < 0) {
    const i = indexOfCurrent();
    if (i > 0) {
      const prev = clips[i - 1];
      play(prev, Math.max(0, (prev.duration_ms || 0) / 1000 + t), true);
    } else video.currentTime = 0;
  } else if (t >= duration && current.state !== "recording") {
    if (!nextClip()) video.currentTime = Math.max(0, duration - 0.1);
  } else {
    video.currentTime = t;
  }
}

function updatePlayButton() {
  clear(playButton).append(icon(video.paused ? "play" : "pause"));
}

// ---------------------------------------------------------------------------------------------

async function main() {
  await initPage({ title: "Timeline" });
  camera = await currentCamera();
  if (!camera) return;
  document.title = `${cameraLabel(camera)} · Timeline · vms`;
  $("#title").textContent = `${cameraLabel(camera)} · Timeline`;

  $("#prev-day").append(icon("left"));
  $("#next-day").append(icon("right"));
  $("#prev-clip").append(icon("prev"));
  $("#next-clip").append(icon("next"));
  updatePlayButton();
  archiveButton.prepend(icon("archive"));
  deleteButton.prepend(icon("trash"));
  downloadLink.prepend(icon("download"));
  const exportButton = $("#export-range");
  if (isAdmin()) {
    archiveButton.classList.remove("hidden");
    deleteButton.classList.remove("hidden");
    exportButton.classList.remove("hidden");
    exportButton.prepend(icon("download"));
    // Prefilled with the clip being played (a recording one up to now), else the last 5 minutes.
    exportButton.addEventListener("click", () => openExportDialog(camera, current
      ? { startMs: current.start_ms, endMs: current.state === "recording" ? Date.now() : clipEnd(current) }
      : { startMs: Date.now() - 5 * 60e3, endMs: Date.now() }));
  } else {
    archiveButton.remove();
    deleteButton.remove();
    exportButton.remove();
  }
  for (const value of SPEEDS) {
    const b = el("button", { type: "button", dataset: { speed: value }, title: `Speed ${value}x`, "aria-pressed": "false" }, `${value}x`);
    b.addEventListener("click", () => setSpeed(value));
    $("#speeds").append(b);
  }
  setSpeed(speed);

  const zoomBox = $("#zoom");
  const panLeft = el("button", { type: "button", class: "small icon-only", id: "pan-left", title: "Earlier", "aria-label": "Earlier" }, icon("left"));
  const panRight = el("button", { type: "button", class: "small icon-only", id: "pan-right", title: "Later", "aria-label": "Later" }, icon("right"));
  panLeft.addEventListener("click", () => pan(-1));
  panRight.addEventListener("click", () => pan(1));
  zoomBox.append(el("span", {}, "Zoom"));
  ZOOMS.forEach((z, i) => {
    const b = el("button", { type: "button", class: "small", dataset: { zoom: i }, "aria-pressed": "false" }, z.label);
    b.addEventListener("click", () => setZoom(i));
    zoomBox.append(b);
  });
  zoomBox.append(panLeft, panRight);
  bar.addEventListener("wheel", (event) => {
    if (!event.ctrlKey && Math.abs(event.deltaX) <= Math.abs(event.deltaY)) return; // let the page scroll
    event.preventDefault();
    if (event.ctrlKey) setZoom(zoom + (event.deltaY < 0 ? 1 : -1), timeAt(event.clientX));
    else pan(event.deltaX > 0 ? 0.25 : -0.25);
  }, { passive: false });

  $("#prev-day").addEventListener("click", () => setDay(addDays(day, -1), true));
  $("#next-day").addEventListener("click", () => setDay(addDays(day, 1), true));
  $("#date-input").addEventListener("change", (e) => { if (parseDay(e.target.value)) setDay(e.target.value, true); });
  $("#prev-clip").addEventListener("click", previousClip);
  $("#next-clip").addEventListener("click", () => { if (!nextClip()) toast("This is the last clip of the day."); });
  playButton.addEventListener("click", togglePlay);
  archiveButton.addEventListener("click", archiveCurrent);
  deleteButton.addEventListener("click", deleteCurrent);
  bar.addEventListener("click", seekBar);
  bar.addEventListener("mousemove", (event) => {
    bar.title = fmtClock(timeAt(event.clientX), false);
  });
  document.addEventListener("keydown", onKey);
  window.addEventListener("popstate", () => setDay(param("date") || isoDay(), false));

  video.addEventListener("timeupdate", updatePlayhead);
  video.addEventListener("seeked", updatePlayhead);
  video.addEventListener("play", updatePlayButton);
  video.addEventListener("pause", updatePlayButton);
  video.addEventListener("ratechange", () => {
    // The native controls may change the rate too: keep the buttons in step when it is one of ours.
    if (SPEEDS.includes(video.playbackRate) && video.playbackRate !== speed) setSpeed(video.playbackRate);
  });
  video.addEventListener("ended", () => {
    if (!nextClip()) {
      updatePlayButton();
      toast("End of the day's recordings.");
    }
  });
  reportPlaybackErrors(video, () => current);

  calendar = new Calendar($("#calendar"), (picked) => setDay(picked, true));
  const days = await get(`/api/v1/cameras/${enc(camera.id)}/days`, { quiet: true }).catch(() => []);
  const archivedDays = await get(`/api/v1/cameras/${enc(camera.id)}/days?archived=true`, { quiet: true }).catch(() => []);
  calendar.setDays([...(days || []), ...(archivedDays || [])]);

  // The day's list changes when a clip opens or closes: a status message that only says motion or
  // connection changed is no reason to fetch it again (the growing clip has its own refresh).
  let lastRecording = null;
  events.on("camera", (m) => {
    if (m.camera.id !== camera.id || day !== isoDay()) return;
    const recording = !!m.camera.recording;
    if (recording === lastRecording) return;
    lastRecording = recording;
    loadClips(false);
    if (m.camera.recording && !calendar.days.has(day)) calendar.setDays([...calendar.days, day]);
  });
  events.on("snapshot", () => { if (day === isoDay()) loadClips(false); });
  events.start();

  nowTimer = setInterval(() => {
    const marker = bar.querySelector(".now-marker");
    if (marker) marker.style.left = `${pct(Date.now())}%`;
    else if (day === isoDay()) renderBar();
  }, 30000);

  setDay(param("date") || isoDay(), false);
  setZoom(0);
}

main().catch((error) => { if (!error || !error.shown) console.error(error); });
