// "Export range…": a dialog that asks for a start and an end (local date and time, to the second),
// sends POST /api/v1/exports, shows the server's refusal (400: bad times or range, 422: no footage,
// with what exists nearby) in the dialog, and on success a toast with a link to the Exports page.
import { post } from "./api.js";
import { el } from "./dom.js";
import { toast, openDialog, pending } from "./ui.js";

const pad = (n) => String(n).padStart(2, "0");

/** `YYYY-MM-DDTHH:MM:SS` in the browser's local time, as a datetime-local input takes it. */
export function localInputValue(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The ISO 8601 time (UTC, `Z`) of a datetime-local value; null when it is not one. */
export function isoOfInput(value) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value || "")) return null;
  const date = new Date(value); // no zone: the browser's local time
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/**
 * Opens the dialog for `camera` ({id, name}), prefilled with `range` ({startMs, endMs}).
 * Resolves with the new export's id, or null when closed without exporting.
 */
export function openExportDialog(camera, range) {
  return new Promise((resolve) => {
    let created = null;
    const { dialog } = openDialog(`Export ${camera.name || camera.id}`, (close) => {
      const start = el("input", { type: "datetime-local", step: "1", required: true, name: "start", "data-role": "export-start", value: localInputValue(range.startMs) });
      const end = el("input", { type: "datetime-local", step: "1", required: true, name: "end", "data-role": "export-end", value: localInputValue(range.endMs) });
      const problem = el("div", { class: "form-error hidden", role: "alert", "data-role": "export-error" });
      const submit = el("button", { type: "submit", class: "primary", "data-role": "export-submit" }, "Export");
      const cancel = el("button", { type: "button", "data-role": "export-cancel" }, "Cancel");
      cancel.addEventListener("click", close);
      const form = el("form", { class: "export-form" },
        el("p", { class: "muted" }, "One MP4 of this camera's footage between the two times (your browser's local time), made in the background; at most 24 hours. Follow it on the Exports page."),
        el("label", {}, "Start", start),
        el("label", {}, "End", end),
        problem,
        el("div", { class: "dialog-actions" }, cancel, submit));
      const show = (text) => {
        problem.textContent = text;
        problem.classList.toggle("hidden", !text);
      };
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        show("");
        const startIso = isoOfInput(start.value);
        const endIso = isoOfInput(end.value);
        if (!startIso || !endIso) { show("Enter a date and a time for both the start and the end."); return; }
        pending(submit, async () => {
          try {
            const answer = await post("/api/v1/exports", { camera: camera.id, start: startIso, end: endIso }, { quiet: true });
            created = answer && answer.id;
            close();
            const note = toast(`Export ${created} started: `, "ok");
            note.dataset.role = "export-toast";
            note.append(el("a", { href: "/exports.html", "data-role": "exports-link" }, "follow it on the Exports page"));
          } catch (error) {
            show(error && error.message ? error.message : String(error));
          }
        });
      });
      return form;
    });
    dialog.dataset.role = "export-dialog";
    dialog.addEventListener("close", () => resolve(created));
  });
}
