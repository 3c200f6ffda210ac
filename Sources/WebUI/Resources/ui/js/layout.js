// The common page frame: header with navigation, the signed-in user, sign-out, the live-connection
// dot and the update banner. Every page but sign-in calls initPage() first.
import { api, post } from "./api.js";
import { el, icon } from "./dom.js";
import { events } from "./events.js";
import { toast, pending } from "./ui.js";

export let me = null;

export function isAdmin() {
  return !!me && me.role === "admin";
}

/**
 * options: {active: "home"|"config"|..., title, events: bool (show the live dot, start the socket)}
 * Resolves with the signed-in user ({name, role}); redirects to sign-in when there is none.
 */
export async function initPage(options = {}) {
  me = await api("/api/v1/me");
  document.body.classList.toggle("is-admin", isAdmin());
  document.body.classList.toggle("is-viewer", !isAdmin());
  if (options.title) document.title = `${options.title} · vms`;
  if (options.header !== false) {
    document.body.prepend(buildHeader(options.active));
    events.start(); // the header's dot shows the live connection; pages add their own listeners
    checkUpdate(); // not on the full-screen live page, which has no header
  }
  return me;
}

function buildHeader(active) {
  const link = (href, key, label, iconName) =>
    el("a", { href, class: active === key ? "active" : "", "aria-current": active === key ? "page" : undefined }, icon(iconName), " ", label);

  const dot = el("span", { class: "live-dot", title: "Live status: connecting", "data-role": "live-dot" });
  events.onConnection((state) => {
    dot.className = `live-dot ${state === "open" ? "on" : state === "retrying" ? "retry" : ""}`;
    dot.title = state === "open" ? "Live status: connected" : state === "retrying" ? "Live status: reconnecting…" : "Live status: connecting";
  });

  const signOut = el("button", { type: "button", class: "small", "data-role": "sign-out", title: "Sign out" }, icon("logout"), el("span", { class: "btn-label" }, "Sign out"));
  signOut.addEventListener("click", () => pending(signOut, async () => {
    await post("/api/v1/logout", undefined, { quiet: true }).catch(() => {});
    location.assign("/login.html");
  }));

  return el("header", { class: "topbar" },
    el("a", { class: "brand", href: "/" }, icon("camera"), "vms"),
    el("nav", { class: "nav", "aria-label": "Main" },
      link("/", "home", "Live", "live"),
      link("/config.html", "config", "Cameras", "settings")),
    el("div", { class: "userbox" },
      dot,
      el("span", { class: "name", "data-role": "user-name" }, me.name),
      el("span", { class: `role ${me.role === "admin" ? "admin" : ""}`, "data-role": "user-role" }, me.role),
      signOut));
}

async function checkUpdate() {
  let info;
  try {
    info = await api("/api/v1/update", { quiet: true });
  } catch {
    return; // no feed or not reachable: never a reason to bother the user
  }
  if (!info || !info.available) return;
  const dismissedKey = `vms-update-dismissed-${info.latest}`;
  try { if (sessionStorage.getItem(dismissedKey)) return; } catch { /* storage off */ }
  const text = `vms ${info.latest} is available (you have ${info.current}).`;
  const target = typeof info.download_url === "string" && /^https?:\/\//i.test(info.download_url) ? info.download_url : null;
  const main = target
    ? el("a", { href: target, target: "_blank", rel: "noopener noreferrer", "data-role": "update-link" }, text, " Download")
    : el("span", {}, text);
  const close = el("button", { type: "button", class: "small icon-only", title: "Hide until next visit", "aria-label": "Hide" }, "×");
  const banner = el("div", { class: "update-banner", role: "note", "data-role": "update-banner" }, main,
    info.notes ? el("span", { class: "notes" }, String(info.notes).slice(0, 200)) : null, close);
  close.addEventListener("click", () => {
    try { sessionStorage.setItem(dismissedKey, "1"); } catch { /* storage off */ }
    banner.remove();
  });
  document.body.prepend(banner);
}

/** Show a fatal page error in `main` (e.g. an unknown camera). */
export function pageError(message) {
  const main = document.querySelector("main");
  if (main) main.prepend(el("div", { class: "error-box" }, message));
  toast(message, "error");
}
