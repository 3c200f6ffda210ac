// Archived clips of a camera, newest day first: play, comment (always shown as text), download with
// the server's informative file name, delete.
import { api, enc, get } from "./api.js";
import { el, clear, iconButton, fmtClock, fmtDuration, fmtLongDay, $ } from "./dom.js";
import { cameraLabel, currentCamera, fillSubnav } from "./camera-page.js";
import { InlinePlayer, deleteClip, thumbnail } from "./clips.js";
import { initPage, isAdmin } from "./layout.js";
import { toast, openDialog, pending } from "./ui.js";

const DAYS_PER_PAGE = 14;
const COMMENT_MAX = 500;
const daysBox = $("#archive-days");
let camera = null;
let days = [];   // newest first
let shown = 0;   // how many days are rendered
let player = null;
let total = 0;

async function loadDays() {
  const list = await get(`/api/v1/cameras/${enc(camera.id)}/days?archived=true`);
  days = [...(list || [])].sort().reverse();
  shown = 0;
  total = 0;
  clear(daysBox);
  if (!days.length) {
    daysBox.append(el("div", { class: "empty" }, "No archived clip yet. Archive a clip from the timeline or the recordings page: archived clips are never removed by retention."));
    $("#summary").textContent = "";
  }
  await showMore();
}

async function showMore() {
  const next = days.slice(shown, shown + DAYS_PER_PAGE);
  shown += next.length;
  const sections = next.map((day) => {
    const section = el("section", { dataset: { day } });
    daysBox.append(section);
    return section;
  });
  await Promise.all(next.map((day, i) => renderDay(day, sections[i])));
  $("#more-box").classList.toggle("hidden", shown >= days.length);
  updateSummary();
}

function updateSummary() {
  const count = daysBox.querySelectorAll("article.card").length;
  $("#summary").textContent = days.length ? `${count} archived clip${count === 1 ? "" : "s"} shown · ${days.length} day${days.length === 1 ? "" : "s"}` : "";
}

async function renderDay(day, section) {
  let clips;
  try {
    clips = await get(`/api/v1/cameras/${enc(camera.id)}/clips?date=${enc(day)}&archived=true`);
  } catch {
    return;
  }
  clips = (clips || []).filter((c) => c.archived !== false).sort((a, b) => b.start_ms - a.start_ms);
  clear(section);
  if (!clips.length) { section.remove(); return; }
  total += clips.length;
  const grid = el("div", { class: "cards" });
  for (const clip of clips) grid.append(clipCard(clip, section));
  section.append(
    el("div", { class: "section-title" }, el("h2", {}, fmtLongDay(day)), el("span", { class: "muted" }, `${clips.length} clip${clips.length > 1 ? "s" : ""}`)),
    grid);
}

function clipCard(clip, section) {
  const play = () => player.show(clip, `${cameraLabel(camera)} · ${fmtLongDay(dayOf(clip))} ${fmtClock(clip.start_ms)} · ${fmtDuration(clip.duration_ms)}`);
  const comment = el("div", { class: "comment", "data-role": "comment" });
  const setComment = (text) => {
    comment.textContent = text || "No comment";
    comment.classList.toggle("empty-comment", !text);
  };
  setComment(clip.comment);

  const actions = el("div", { class: "card-actions" });
  const playButton = iconButton("play", "Play", { class: "small", "data-role": "play-clip" }, true);
  playButton.addEventListener("click", play);
  const download = iconButton("download", "Download", { href: `/api/v1/clips/${clip.id}/download`, class: "btn small", download: "", "data-role": "download-clip" }, true);
  actions.append(playButton, download);
  if (isAdmin()) {
    const edit = iconButton("comment", "Comment", { class: "small", "data-role": "edit-comment" }, true);
    edit.addEventListener("click", () => editComment(clip, setComment));
    const remove = iconButton("trash", "Delete", { class: "small danger", "data-role": "delete-clip" }, true);
    remove.addEventListener("click", async () => {
      if (await deleteClip(clip, remove, "archived clip")) {
        if (player.isPlaying(clip.id)) player.hide();
        card.remove();
        if (!section.querySelector("article.card")) section.remove();
        if (!daysBox.querySelector("article.card")) await loadDays();
        updateSummary();
      }
    });
    actions.append(edit, remove);
  }
  const card = el("article", { class: "card", dataset: { clip: clip.id } },
    thumbnail(clip, { onClick: play, title: "Play" }),
    el("div", { class: "card-body" },
      el("div", { class: "card-title" }, el("h3", { class: "mono" }, fmtClock(clip.start_ms)), el("span", { class: "muted" }, fmtDuration(clip.duration_ms))),
      comment,
      actions));
  return card;
}

function dayOf(clip) {
  const d = new Date(clip.start_ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
}

function editComment(clip, setComment) {
  const textarea = el("textarea", { id: "comment-text", name: "comment", maxlength: COMMENT_MAX, rows: 4, "data-role": "comment-input" });
  textarea.value = clip.comment || "";
  const counter = el("div", { class: "hint" });
  const updateCounter = () => { counter.textContent = `${textarea.value.length} / ${COMMENT_MAX} characters · it is also part of the download's file name`; };
  textarea.addEventListener("input", updateCounter);
  updateCounter();
  const save = el("button", { type: "submit", class: "primary", "data-role": "save-comment" }, "Save");
  const cancel = el("button", { type: "button" }, "Cancel");
  const form = el("form", {},
    el("div", { class: "field" }, el("label", { for: "comment-text" }, `Clip of ${fmtLongDay(dayOf(clip))} ${fmtClock(clip.start_ms)}`), textarea, counter),
    el("div", { class: "dialog-actions" }, cancel, save));
  const { close } = openDialog("Comment", () => form);
  cancel.addEventListener("click", close);
  textarea.focus();
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textarea.value.trim();
    pending(save, async () => {
      const updated = await api(`/api/v1/clips/${clip.id}/comment`, { method: "PUT", body: { comment: text } });
      clip.comment = updated && typeof updated.comment === "string" ? updated.comment : text;
      setComment(clip.comment);
      toast(clip.comment ? "Comment saved." : "Comment removed.", "ok");
      close();
    });
  });
}

async function main() {
  await initPage({ title: "Archives" });
  camera = await currentCamera();
  if (!camera) return;
  document.title = `${cameraLabel(camera)} · Archives · vms`;
  $("#title").textContent = `${cameraLabel(camera)} · Archives`;
  fillSubnav($("#subnav"), camera, "archives");
  player = new InlinePlayer($("#player-slot"));
  const more = $("#load-more");
  more.addEventListener("click", () => pending(more, showMore));
  await loadDays();
}

main().catch((error) => { if (!error || !error.shown) console.error(error); });
