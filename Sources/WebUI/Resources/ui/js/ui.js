// Feedback: toasts, confirmation and form dialogs, buttons that show they are busy.
import { el, clear } from "./dom.js";

let toastBox = null;

/** Show a short message; kind is "info", "ok" or "error". Errors stay longer. */
export function toast(message, kind = "info") {
  if (!toastBox) {
    toastBox = el("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.append(toastBox);
  }
  const node = el("div", { class: `toast ${kind}` }, String(message));
  toastBox.append(node);
  const life = kind === "error" ? 7000 : 3500;
  const remove = () => {
    node.classList.add("leaving");
    setTimeout(() => node.remove(), 320);
  };
  const timer = setTimeout(remove, life);
  node.addEventListener("click", () => { clearTimeout(timer); remove(); });
  return node;
}

/**
 * Ask for confirmation in a modal dialog. Resolves true when confirmed.
 * options: {title, ok, danger}
 */
export function confirmDialog(message, options = {}) {
  return new Promise((resolve) => {
    const okButton = el("button", { type: "submit", class: options.danger === false ? "primary" : "danger solid", value: "ok", "data-role": "confirm-ok" }, options.ok || "Delete");
    const dialog = el("dialog", { class: "confirm-dialog" },
      el("form", { method: "dialog" },
        el("h2", {}, options.title || "Are you sure?"),
        el("p", { class: "dialog-message" }, message),
        el("div", { class: "dialog-actions" },
          el("button", { type: "submit", value: "cancel", "data-role": "confirm-cancel" }, "Cancel"),
          okButton)));
    document.body.append(dialog);
    dialog.addEventListener("close", () => {
      resolve(dialog.returnValue === "ok");
      dialog.remove();
    });
    dialog.showModal();
    okButton.focus();
  });
}

/**
 * A modal dialog around `body` (a node, or a function given the dialog's close function).
 * Returns {dialog, close}.
 */
export function openDialog(title, build) {
  const dialog = el("dialog");
  const body = el("div", { class: "dialog-body" });
  const close = () => dialog.close();
  body.append(el("h2", {}, title));
  const content = build(close);
  if (content) body.append(content);
  dialog.append(body);
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  dialog.showModal();
  return { dialog, close };
}

/**
 * Run `action` with `button` disabled and showing a spinner; returns the action's result
 * (or undefined when it threw: the API layer has already shown the error).
 */
export async function pending(button, action) {
  if (button) {
    if (button.disabled) return undefined;
    button.disabled = true;
    button.classList.add("pending");
    button.setAttribute("aria-busy", "true");
  }
  try {
    return await action();
  } catch (error) {
    if (!error || !error.shown) toast(error && error.message ? error.message : String(error), "error");
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.classList.remove("pending");
      button.removeAttribute("aria-busy");
    }
  }
}

/** Replace the content of `node` with an "empty" notice. */
export function showEmpty(node, text) {
  clear(node).append(el("div", { class: "empty" }, text));
}
