// Configuration: every camera (enabled, disabled, removed but with footage), its disk usage, its
// settings, links to its history; admins add, edit, enable/disable and delete cameras.
import { api, enc, get } from "./api.js";
import { el, clear, icon, iconButton, fmtBytes, fmtClock, isoDay, pageUrl, $ } from "./dom.js";
import { events, stateLabel } from "./events.js";
import { initPage, isAdmin } from "./layout.js";
import { toast, confirmDialog, openDialog, pending } from "./ui.js";

const list = $("#camera-list");
const totals = $("#totals");
let cameras = [];
const stateBadges = new Map(); // camera id -> badge element
const errorLines = new Map(); // camera id -> line showing why it is not connected

function fmtSeconds(value) {
  if (value === undefined || value === null) return "–";
  const s = Number(value);
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600} h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

function daysText(days) {
  return Number(days) === 0 ? "forever" : `${days} day${days == 1 ? "" : "s"}`;
}

function retentionText(camera) {
  if (camera.retention_days === undefined || camera.retention_days === null) return "default";
  const kinds = camera.retention;
  // Per kind only when the kinds differ (retention: { continuous_days, events_days }).
  if (kinds && kinds.continuous_days !== kinds.events_days) {
    return `continuous ${daysText(kinds.continuous_days)} · events ${daysText(kinds.events_days)}`;
  }
  return daysText(camera.retention_days);
}

/** "keyframes · GOP 1 s · all now": the detect stream's decoding (detect_decode), with its warning. */
function decodeText(decode) {
  if (!decode) return "–";
  const parts = [decode.mode];
  if (decode.gop_seconds !== null && decode.gop_seconds !== undefined) parts.push(`GOP ${decode.gop_seconds} s`);
  if (decode.mode === "keyframes" && decode.now === "all") parts.push("all frames now");
  if (decode.warning) parts.push(`⚠ ${decode.warning}`);
  return parts.join(" · ");
}

function fact(label, value, role) {
  return el("div", {}, el("dt", {}, label), el("dd", { "data-role": role }, value));
}

/** "≈ 9.4 days of recordings fit" (from storage.horizon_days), or "no limit". */
function horizonText(days) {
  if (days === undefined || days === null || !Number.isFinite(Number(days))) return "no limit";
  const n = Math.round(Number(days) * 10) / 10;
  return `≈ ${n} day${n === 1 ? "" : "s"} of recordings fit`;
}

/** What the storage janitor does next for this camera: the clip it deletes next, the horizon. */
function storageOutlook(camera) {
  const storage = camera.storage;
  if (!storage || typeof storage !== "object") return null;
  const next = storage.next_clip_to_go;
  let nextPart;
  if (next && Number.isFinite(Number(next.start_ms))) {
    const when = new Date(Number(next.start_ms));
    const text = `${isoDay(when)} ${fmtClock(when.getTime(), false)}`;
    nextPart = el("span", { "data-role": "next-clip" }, icon("calendar"), "Oldest clip goes next: ",
      el("a", { href: pageUrl("timeline.html", { camera: camera.id, date: isoDay(when), clip: next.id }), title: "Show this clip on the timeline", "data-start-ms": String(next.start_ms) }, text));
  } else {
    nextPart = el("span", { "data-role": "next-clip" }, icon("calendar"), "No clip to delete yet");
  }
  return el("p", { class: "outlook", "data-role": "storage-outlook", title: "What the storage janitor does next for this camera" },
    nextPart, el("span", {}, icon("hourglass"), el("span", { "data-role": "horizon", title: storage.horizon_days == null ? "Neither retention days nor the storage quota or free-space floor bounds these recordings" : "Days of recordings kept: the retention days, or fewer when the storage quota or free-space floor runs out first at the recent bitrate" }, horizonText(storage.horizon_days))));
}

// Recordings, and per kind once a camera has continuous segments: those are deleted by
// retention.continuous_days, event clips by retention.events_days.
function recordingsText(usage) {
  const total = fmtBytes(usage.recordings_bytes);
  if (!(Number(usage.continuous_bytes) > 0)) return total;
  return `${total} (continuous ${fmtBytes(usage.continuous_bytes)} · event clips ${fmtBytes(usage.event_clips_bytes)})`;
}

function renderTotals() {
  let rec = 0, arc = 0;
  for (const c of cameras) {
    rec += Number(c.usage && c.usage.recordings_bytes) || 0;
    arc += Number(c.usage && c.usage.archives_bytes) || 0;
  }
  clear(totals).append(
    el("div", { class: "panel" }, el("div", { class: "muted" }, "Cameras"), el("div", { class: "big" }, String(cameras.filter((c) => c.configured !== false).length))),
    el("div", { class: "panel" }, el("div", { class: "muted" }, "Recordings on disk"), el("div", { class: "big", "data-role": "total-recordings" }, fmtBytes(rec))),
    el("div", { class: "panel" }, el("div", { class: "muted" }, "Archives on disk"), el("div", { class: "big", "data-role": "total-archives" }, fmtBytes(arc))));
}

function setStateBadge(id, status) {
  const badge = stateBadges.get(id);
  if (!badge || !status) return;
  const label = stateLabel(status, true);
  const line = errorLines.get(id);
  if (line) {
    line.textContent = status.error || "";
    line.classList.toggle("hidden", !line.textContent);
  }
  const extra = [status.recording ? "REC" : null, status.motion ? "Motion" : null].filter(Boolean);
  badge.className = `badge ${status.recording ? "rec" : status.motion ? "motion" : label.cls}`;
  badge.textContent = extra.length ? `${label.text} · ${extra.join(" · ")}` : label.text;
  badge.title = stateLabel(status).text;
}

function renderCamera(camera) {
  const configured = camera.configured !== false;
  const day = isoDay();
  const detector = camera.detector || {};
  const recording = camera.recording || {};
  const usage = camera.usage || {};
  const titleBadges = el("div", { class: "badges" });
  if (!configured) titleBadges.append(el("span", { class: "badge unknown", title: "Removed from the configuration; its footage is kept" }, "Removed (footage kept)"));
  else if (!camera.enabled) titleBadges.append(el("span", { class: "badge disabled" }, "Disabled"));
  else {
    const badge = el("span", { class: "badge connecting", "data-role": "state-badge" }, "Connecting");
    stateBadges.set(camera.id, badge);
    titleBadges.append(badge);
  }
  const errorLine = el("div", { class: "cam-error hidden", "data-role": "camera-error" });
  errorLines.set(camera.id, errorLine);

  const links = el("div", { class: "row" },
    iconButton("timeline", "Timeline", { href: pageUrl("timeline.html", { camera: camera.id, date: day }), class: "btn small", "data-role": "link-timeline" }),
    iconButton("grid", "Recordings", { href: pageUrl("recordings.html", { camera: camera.id, date: day }), class: "btn small", "data-role": "link-recordings" }),
    iconButton("archive", "Archives", { href: pageUrl("archives.html", { camera: camera.id }), class: "btn small", "data-role": "link-archives" }));
  const actions = el("div", { class: "cam-actions" }, links);
  const adminRow = el("div", { class: "row" });
  if (isAdmin() && configured) {
    const toggle = iconButton("power", camera.enabled ? "Disable" : "Enable", { class: "small", "data-role": "toggle-enabled" });
    toggle.addEventListener("click", () => pending(toggle, () => setEnabled(camera, !camera.enabled)));
    const edit = iconButton("edit", "Edit", { class: "small", "data-role": "edit-camera" });
    edit.addEventListener("click", () => openForm(camera));
    const remove = iconButton("trash", "Remove", { class: "small danger", "data-role": "delete-camera", title: "Remove from the configuration (its footage is kept)" });
    remove.addEventListener("click", () => deleteCamera(camera, remove));
    adminRow.append(toggle, edit, remove);
  }
  if (isAdmin()) {
    const wipe = iconButton("trash", "Delete footage", { class: "small danger", "data-role": "delete-footage", title: "Delete this camera's recordings (and archives, if you ask)" });
    wipe.addEventListener("click", () => deleteFootage(camera));
    adminRow.append(wipe);
    actions.append(adminRow);
  }

  const facts = el("dl", { class: "facts" },
    fact("Recordings", recordingsText(usage), "usage-recordings"),
    fact("Archives", fmtBytes(usage.archives_bytes), "usage-archives"),
    fact("Retention", retentionText(camera), "retention"),
    fact("Enabled", configured ? (camera.enabled ? "yes" : "no") : "–", "enabled"),
    fact("Recording", recording.enabled === false ? "off" : recording.mode === "continuous" ? `continuous · ${fmtSeconds(recording.segment_seconds)} segments` : recording.enabled ? `on motion · min ${fmtSeconds(recording.min_duration_seconds)}` : "–", "recording"),
    fact("Detector", detector.type ? `${detector.type}${detector.type !== "none" ? ` · ${detector.fps} fps · ${detector.min_area_percent}%` : ""}` : "–", "detector"),
    fact("Decodes", decodeText(camera.detect_decode), "detect-decode"));

  const urls = el("div", {});
  if (camera.record_url) urls.append(el("div", { class: "url", title: "Record stream" }, "record: ", camera.record_url));
  if (camera.detect_url) urls.append(el("div", { class: "url", title: "Detect stream" }, "detect: ", camera.detect_url));

  const card = el("article", { class: `panel cam-card${!configured ? " is-removed" : !camera.enabled ? " is-disabled" : ""}`, dataset: { camera: camera.id } },
    el("div", {},
      el("div", { class: "cam-title" }, el("h3", {}, camera.name || camera.id), titleBadges),
      el("div", { class: "cam-id" }, camera.id),
      errorLine,
      urls),
    el("div", { class: "cam-facts" }, facts, storageOutlook(camera)),
    actions);
  return card;
}

const cards = new Map(); // camera id -> {key, card, badge, errorLine}: unchanged cards are kept as they are

function render() {
  const nodes = [];
  const kept = new Map();
  for (const camera of cameras) {
    // Live status moves the badge only (setStateBadge); anything else shown on the card redraws it.
    const { status, ...shown } = camera;
    const key = JSON.stringify([shown, isoDay(), isAdmin()]);
    let entry = cards.get(camera.id);
    if (!entry || entry.key !== key) {
      stateBadges.delete(camera.id);
      errorLines.delete(camera.id);
      const card = renderCamera(camera);
      entry = { key, card, badge: stateBadges.get(camera.id), errorLine: errorLines.get(camera.id) };
    }
    kept.set(camera.id, entry);
    nodes.push(entry.card);
  }
  cards.clear();
  stateBadges.clear();
  errorLines.clear();
  for (const [id, entry] of kept) {
    cards.set(id, entry);
    if (entry.badge) stateBadges.set(id, entry.badge);
    if (entry.errorLine) errorLines.set(id, entry.errorLine);
  }
  if (!cameras.length) nodes.push(el("div", { class: "empty" }, isAdmin() ? "No camera yet. Use “Add a camera”." : "No camera yet."));
  list.replaceChildren(...nodes);
  for (const [id, status] of events.cameras) setStateBadge(id, status);
  for (const camera of cameras) if (!events.cameras.has(camera.id) && camera.status) setStateBadge(camera.id, camera.status);
  renderTotals();
}

let loads = 0; // an older answer arriving late must not replace a newer one

async function load() {
  const ticket = ++loads;
  const [fresh] = await Promise.all([get("/api/v1/cameras"), loadConfigState()]);
  if (ticket !== loads) return;
  cameras = fresh;
  render();
}

// ---------------------------------------------------------------------------------------------
// changes

function editableShape(camera) {
  const { status, usage, configured, ...rest } = camera;
  return rest;
}

/** The server's rule on camera ids, in words (GET /api/v1/config): shown as the Id field's hint. */
let cameraIdRule = null;

function withHash(body) {
  return api.configHash ? { ...body, config_hash: api.configHash } : body;
}

/** The configuration file's hash, sent back with every change (its problems and needed restarts
 * are shown by the page frame's banner, layout.js). */
async function loadConfigState() {
  const state = await get("/api/v1/config", { quiet: true }).catch(() => null);
  if (state && state.config_hash) api.configHash = state.config_hash;
  if (state && state.camera_id_rule) cameraIdRule = state.camera_id_rule;
}

async function setEnabled(camera, enabled) {
  await api(`/api/v1/cameras/${enc(camera.id)}`, { method: "PUT", body: withHash({ ...editableShape(camera), enabled }) });
  toast(`${camera.name || camera.id} ${enabled ? "enabled" : "disabled"}.`, "ok");
  await load();
}

async function deleteCamera(camera, button) {
  const ok = await confirmDialog(
    `Remove “${camera.name || camera.id}” from the configuration? Its stream stops. Its recordings and archives stay on disk and remain listed here (“Delete footage” removes them).`,
    { title: "Remove camera", ok: "Remove camera" });
  if (!ok) return;
  await pending(button, async () => {
    const query = api.configHash ? `?config_hash=${enc(api.configHash)}` : "";
    await api(`/api/v1/cameras/${enc(camera.id)}${query}`, { method: "DELETE" });
    toast(`${camera.name || camera.id} removed from the configuration; its footage is kept.`, "ok");
    await load();
  });
}

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Delete a camera's footage: the admin types the camera id; archives only when ticked. */
function deleteFootage(camera) {
  const usage = camera.usage || {};
  const label = camera.name || camera.id;
  const typed = el("input", { id: "f-confirm-id", name: "confirm", autocomplete: "off", spellcheck: "false", autocapitalize: "none", placeholder: camera.id, "data-role": "footage-confirm-input" });
  const archives = el("input", { type: "checkbox", id: "f-footage-archives", name: "archives", "data-role": "footage-archives" });
  const submit = el("button", { type: "submit", class: "danger solid", disabled: true, "data-role": "footage-ok" }, "Delete footage");
  const cancel = el("button", { type: "button", "data-role": "footage-cancel" }, "Cancel");
  const errorBox = el("div", { class: "error-box hidden", role: "alert" });
  const form = el("form", { novalidate: true, autocomplete: "off", "data-role": "footage-form" },
    el("p", { class: "dialog-message" },
      `Delete the recordings of “${label}” (${fmtBytes(usage.recordings_bytes)}) from the disk? This cannot be undone. `,
      camera.configured === false ? "" : "The camera stays configured and keeps recording; a clip being recorded is kept."),
    el("label", { class: "check" }, archives, `Also delete its archives (${fmtBytes(usage.archives_bytes)})`),
    el("div", { class: "field confirm-field" },
      el("label", { for: "f-confirm-id" }, "To confirm, type the camera id ", el("code", {}, camera.id)),
      typed),
    errorBox,
    el("div", { class: "dialog-actions" }, cancel, submit));
  const { close } = openDialog(`Delete the footage of ${label}`, () => form);
  const matches = () => typed.value.trim() === camera.id;
  typed.addEventListener("input", () => { submit.disabled = !matches(); });
  cancel.addEventListener("click", close);
  typed.focus();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!matches()) return;
    const withArchives = archives.checked;
    pending(submit, async () => {
      let result;
      try {
        const query = `confirm=${enc(camera.id)}${withArchives ? "&archives=true" : ""}`;
        result = await api(`/api/v1/cameras/${enc(camera.id)}/footage?${query}`, { method: "DELETE", quiet: true });
      } catch (error) {
        errorBox.textContent = error.message;
        errorBox.classList.remove("hidden");
        if (error.status !== 401) toast(error.message, "error");
        return;
      }
      close();
      const r = result || {};
      const kept = [
        r.kept_recording ? `${plural(Number(r.kept_recording), "clip")} being recorded` : null,
        r.kept_archives ? `${plural(Number(r.kept_archives), "archived clip")}` : null,
      ].filter(Boolean);
      toast(`${label}: ${plural(Number(r.deleted) || 0, "clip")} deleted, ${fmtBytes(r.freed_bytes)} freed.${kept.length ? ` Kept: ${kept.join(", ")}.` : ""}`, "ok");
      await load();
    });
  });
}

/** Put a newly typed password into a URL's user-info (the stored one stays as *** otherwise). */
function applyPassword(url, password) {
  if (!password) return url;
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@(.*)$/i.exec(url);
  if (!m) throw new Error("To set a password, write the user name in the URL first: rtsp://user@host/path");
  const user = m[2].split(":")[0];
  if (!user) throw new Error("To set a password, write the user name in the URL first: rtsp://user@host/path");
  return `${m[1]}${user}:${encodeURIComponent(password)}@${m[3]}`;
}

/** A number field's value: null when empty (left as it is), NaN when the browser could not read it. */
function numberOrNull(input) {
  if (input.validity && input.validity.badInput) return NaN;
  const value = input.value;
  if (value === "" || value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : NaN;
}

/**
 * Problems shown in the form: each under the field it belongs to (`data-field` names the field of
 * the API's Camera object, as the server's `problems[].field` does), the others and a count at the
 * top. The rules themselves are the server's: it checks the whole camera and lists every problem.
 */
function formProblems(form, summaryBox) {
  const reset = () => {
    summaryBox.classList.add("hidden");
    summaryBox.replaceChildren();
    for (const node of form.querySelectorAll("[data-role=field-error]")) node.remove();
    for (const node of form.querySelectorAll("[aria-invalid]")) { node.removeAttribute("aria-invalid"); node.removeAttribute("aria-describedby"); }
  };
  const show = (problems) => {
    reset();
    const unplaced = [];
    let placed = 0;
    for (const problem of problems) {
      const box = problem.field ? form.querySelector(`[data-field="${CSS.escape(problem.field)}"]`) : null;
      if (!box) { unplaced.push(problem.message); continue; }
      const id = `err-${problem.field.replace(/[^a-z0-9_-]/gi, "-")}-${placed}`;
      box.append(el("div", { class: "field-error", id, "data-role": "field-error" }, icon("alert"), el("span", {}, problem.message)));
      const control = box.querySelector("input, select, textarea");
      if (control) { control.setAttribute("aria-invalid", "true"); control.setAttribute("aria-describedby", id); }
      placed += 1;
    }
    const lines = [];
    if (placed) lines.push(placed === 1 ? "1 field needs a change: see the message under it." : `${placed} fields need a change: see the messages under them.`);
    lines.push(...unplaced);
    summaryBox.replaceChildren(...lines.map((line) => el("div", {}, line)));
    summaryBox.classList.remove("hidden");
    const first = form.querySelector("[aria-invalid=true]");
    (first || summaryBox).scrollIntoView({ block: "nearest" });
    if (first) first.focus({ preventScroll: true });
  };
  return { show, clear: reset };
}

function openForm(camera) {
  const editing = !!camera;
  const c = camera || { enabled: true, detector: { type: "mog2", fps: 5, min_area_percent: 0.5, warmup_seconds: 3, decode: "all" }, recording: { enabled: true, mode: "events", segment_seconds: 60, pre_roll_seconds: 5, post_roll_seconds: 10, min_duration_seconds: 15, max_duration_seconds: 600 }, live: { fps: 10, width: 640, show_detection: false } };
  const det = c.detector || {}, rec = c.recording || {}, live = c.live || {};
  const input = (name, attrs = {}) => el("input", { id: `f-${name}`, name, ...attrs });
  // `apiField`: the Camera object's field this control edits; the server's problems name it.
  const field = (label, control, hint, apiField) => el("div", { class: "field", "data-field": apiField }, el("label", { for: control.id }, label), control, hint ? el("div", { class: "hint" }, hint) : null);
  const checkField = (name, label, checked, apiField) => el("div", { class: "field", "data-field": apiField },
    el("label", { class: "check" }, el("input", { type: "checkbox", id: `f-${name}`, name, checked: !!checked }), label));
  const num = (name, value, attrs = {}) => input(name, { type: "number", value: value ?? "", step: "any", inputmode: "decimal", ...attrs });
  const errorBox = el("div", { class: "error-box hidden", role: "alert", "data-role": "form-error" });
  const submit = el("button", { type: "submit", class: "primary", "data-role": "save-camera" }, editing ? "Save" : "Add camera");
  const cancel = el("button", { type: "button" }, "Cancel");
  const passwordHint = "The stored password shows as ***: it is kept unless you type a new one here.";

  const typeSelect = el("select", { id: "f-detector-type", name: "detector_type" },
    ...["mog2", "framediff", "none"].map((t) => el("option", { value: t, selected: det.type === t }, t)));
  const choice = (name, value, options) => el("select", { id: `f-${name}`, name },
    ...options.map(([v, label]) => el("option", { value: v, selected: value === v }, label)));
  const decodeSelect = choice("detector_decode", det.decode || "all", [["all", "Every frame"], ["keyframes", "Keyframes only (cheaper)"]]);
  const modeSelect = choice("recording_mode", rec.mode || "events", [["events", "On motion (clips)"], ["continuous", "Continuous (segments)"]]);

  const form = el("form", { novalidate: true, autocomplete: "off" },
    errorBox,
    el("div", { class: "grid-2" },
      field("Id", input("id", { value: c.id || "", disabled: editing, spellcheck: "false", autocapitalize: "none" }), editing ? "The id cannot change (it names the camera's folders)." : cameraIdRule ? `Use ${cameraIdRule}.` : null, "id"),
      field("Name", input("name", { value: c.name || "" }), null, "name")),
    checkField("enabled", "Enabled", c.enabled !== false, "enabled"),
    field("Record URL (main stream)", input("record_url", { value: c.record_url || "", spellcheck: "false", placeholder: "rtsp://user@192.0.2.10:554/stream1" }), null, "record_url"),
    field("Record stream password", input("record_password", { type: "password", autocomplete: "new-password", placeholder: editing ? "unchanged" : "" }), editing ? passwordHint : "Optional: put in the URL's user-info."),
    field("Detect URL (substream, optional)", input("detect_url", { value: c.detect_url || "", spellcheck: "false", placeholder: "same as the record URL" }), null, "detect_url"),
    field("Detect stream password", input("detect_password", { type: "password", autocomplete: "new-password", placeholder: editing ? "unchanged" : "" })),
    el("fieldset", {}, el("legend", {}, "Motion detector"),
      el("div", { class: "grid-2" },
        field("Type", typeSelect, null, "detector.type"),
        field("Analysis rate (fps)", num("detector_fps", det.fps), null, "detector.fps"),
        field("Minimum moving area (%)", num("min_area_percent", det.min_area_percent), null, "detector.min_area_percent"),
        field("Warm-up after connecting (s)", num("warmup_seconds", det.warmup_seconds), null, "detector.warmup_seconds"),
        field("Decode", decodeSelect, "Keyframes only: about half the CPU, motion noticed up to one GOP late (keep pre-roll above GOP + 1 s).", "detector.decode"))),
    el("fieldset", {}, el("legend", {}, "Recording"),
      checkField("recording_enabled", "Record", rec.enabled !== false, "recording.enabled"),
      el("div", { class: "grid-2" },
        field("Mode", modeSelect, null, "recording.mode"),
        field("Segment (s, continuous)", num("segment_seconds", rec.segment_seconds), null, "recording.segment_seconds"),
        field("Pre-roll (s)", num("pre_roll_seconds", rec.pre_roll_seconds), null, "recording.pre_roll_seconds"),
        field("Post-roll (s)", num("post_roll_seconds", rec.post_roll_seconds), null, "recording.post_roll_seconds"),
        field("Minimum clip (s)", num("min_duration_seconds", rec.min_duration_seconds), null, "recording.min_duration_seconds"),
        field("Maximum clip (s)", num("max_duration_seconds", rec.max_duration_seconds), null, "recording.max_duration_seconds")),
      field("Retention (days)", num("retention_days", c.retention_days, { step: "1" }), "0 keeps clips forever; empty uses the server default.", "retention_days")),
    el("fieldset", {}, el("legend", {}, "Live view"),
      el("div", { class: "grid-2" },
        field("Frames per second", num("live_fps", live.fps), null, "live.fps"),
        field("Width (px)", num("live_width", live.width, { step: "1" }), null, "live.width")),
      checkField("show_detection", "Outline moving areas", live.show_detection, "live.show_detection")),
    el("div", { class: "dialog-actions" }, cancel, submit));

  const { close } = openDialog(editing ? `Edit ${c.name || c.id}` : "Add a camera", () => form);
  cancel.addEventListener("click", close);
  const problems = formProblems(form, errorBox);
  const retentionWasSet = c.retention_days !== undefined && c.retention_days !== null;

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    problems.clear();
    const f = form.elements;
    // Only what the browser itself cannot turn into a request is checked here; every rule on the
    // values is the server's, which answers with all the problems at once.
    const local = [];
    const numbers = {};
    const numberFields = { detector_fps: "detector.fps", min_area_percent: "detector.min_area_percent", warmup_seconds: "detector.warmup_seconds", pre_roll_seconds: "recording.pre_roll_seconds", post_roll_seconds: "recording.post_roll_seconds", min_duration_seconds: "recording.min_duration_seconds", max_duration_seconds: "recording.max_duration_seconds", segment_seconds: "recording.segment_seconds", retention_days: "retention_days", live_fps: "live.fps", live_width: "live.width" };
    for (const [name, apiField] of Object.entries(numberFields)) {
      numbers[name] = numberOrNull(f[name]);
      if (Number.isNaN(numbers[name])) local.push({ field: apiField, message: "Not a number: write digits, for example 5 or 0.5." });
    }
    const url = (name, passwordName) => {
      try {
        return applyPassword(f[name].value.trim(), f[passwordName].value);
      } catch (error) {
        local.push({ field: name, message: error.message });
        return f[name].value.trim();
      }
    };
    const recordUrl = url("record_url", "record_password");
    const detectUrl = f.detect_url.value.trim() ? url("detect_url", "detect_password") : "";
    if (local.length) {
      problems.show(local);
      return;
    }
    const id = editing ? c.id : f.id.value.trim();
    const body = {
      ...(editing ? editableShape(c) : {}),
      id,
      name: f.name.value.trim(),
      enabled: f.enabled.checked,
      record_url: recordUrl,
      // On an edit an empty field removes the detect URL (""); null would keep the stored one.
      detect_url: detectUrl || (editing ? "" : null),
      detector: { ...det, type: f.detector_type.value, decode: f.detector_decode.value, fps: numbers.detector_fps, min_area_percent: numbers.min_area_percent, warmup_seconds: numbers.warmup_seconds },
      recording: { ...rec, enabled: f.recording_enabled.checked, mode: f.recording_mode.value, segment_seconds: numbers.segment_seconds, pre_roll_seconds: numbers.pre_roll_seconds, post_roll_seconds: numbers.post_roll_seconds, min_duration_seconds: numbers.min_duration_seconds, max_duration_seconds: numbers.max_duration_seconds },
      // An emptied field gives the camera back to storage.retention_days (null); an untouched one
      // sends its value, which the server writes only if it differs from the one in force.
      retention_days: numbers.retention_days,
      live: { ...live, fps: numbers.live_fps, width: numbers.live_width, show_detection: f.show_detection.checked },
    };
    for (const group of [body.detector, body.recording, body.live]) for (const k of Object.keys(group)) if (group[k] === null) delete group[k];
    if (body.retention_days === null && !(editing && retentionWasSet)) delete body.retention_days;
    pending(submit, async () => {
      try {
        const path = editing ? `/api/v1/cameras/${enc(c.id)}` : "/api/v1/cameras";
        await api(path, { method: editing ? "PUT" : "POST", body: withHash(body), quiet: true });
      } catch (error) {
        const listed = error.body && Array.isArray(error.body.problems) ? error.body.problems : null;
        if (listed && listed.length) {
          problems.show(listed);
          toast(listed.length === 1 ? "Not saved: one value needs a change." : `Not saved: ${listed.length} values need a change.`, "error");
          return;
        }
        const conflict = error.status === 409 ? "\nReload the page to see the current configuration, then try again." : "";
        problems.show([{ field: null, message: `${error.message}${conflict}` }]);
        if (error.status !== 401) toast(error.message, "error");
        return;
      }
      toast(editing ? `${body.name} saved.` : `${body.name} added.`, "ok");
      close();
      await load();
    });
  });
}

async function main() {
  await initPage({ active: "config", title: "Cameras" });
  const add = $("#add-camera");
  if (isAdmin()) {
    add.classList.remove("hidden");
    add.prepend(icon("plus"));
    add.addEventListener("click", () => openForm(null));
  } else {
    add.remove();
  }
  events.on("snapshot", (m) => { for (const s of m.cameras) setStateBadge(s.id, s); });
  events.on("camera", (m) => setStateBadge(m.camera.id, m.camera));
  // A rejected file is shown by the page frame's banner (layout.js); an applied one changes the list.
  events.on("config", (m) => { if (m.status === "applied") load().catch(() => {}); });
  events.on("removed", () => load().catch(() => {}));
  events.start();
  await load();
}

main().catch((error) => { if (!error || !error.shown) console.error(error); });
