// The common page frame: header with navigation, the signed-in user, sign-out, the live-connection
// dot, the update banner and the configuration banner (a rejected YAML file, a restart needed).
// Every page but sign-in calls initPage() first.
import { api, post } from "./api.js";
import { el, clear, icon } from "./dom.js";
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
    const header = buildHeader(options.active);
    document.body.prepend(header);
    header.after(configBanner.node);
    events.start(); // the header's dot shows the live connection; pages add their own listeners
    checkUpdate(); // not on the full-screen live page, which has no header
  } else {
    configBanner.node.classList.add("floating");
    document.body.append(configBanner.node);
  }
  configBanner.start();
  return me;
}

// ---------------------------------------------------------------------------------------------
// configuration banner: GET /api/v1/config on load and whenever the socket (re)opens, then the
// socket's "config" messages ({status, problems, restart_needed}). Problems are shown as text.

const MAX_PROBLEMS_SHOWN = 6;

class ConfigBanner {
  constructor() {
    this.node = el("div", { class: "config-banners", "data-role": "config-banners" });
    this.rejected = el("div", { class: "config-banner rejected hidden", role: "alert", "data-role": "config-banner" });
    this.restart = el("div", { class: "config-banner restart hidden", role: "status", "data-role": "restart-banner" });
    this.node.append(this.rejected, this.restart);
    this.path = "";
    this.version = 0; // bumped by every socket message: an older GET answer must not undo it
    this.started = false;
  }

  start() {
    if (this.started) return;
    this.started = true;
    events.on("config", (message) => {
      this.version += 1;
      const problems = Array.isArray(message.problems) ? message.problems : [];
      if (message.status === "rejected") {
        this.showProblems(problems.length ? problems : ["(the server gave no details)"]);
      } else if (message.status === "applied") {
        this.showProblems([]);
        // A rejected file says nothing about restarts: only an applied one updates that notice.
        this.showRestart(Array.isArray(message.restart_needed) ? message.restart_needed : []);
      }
    });
    // Messages sent while the socket was down are lost: ask again on every (re)connection.
    events.onConnection((state) => { if (state === "open") this.refresh(); });
    events.start();
    this.refresh();
  }

  async refresh() {
    const version = this.version;
    let state;
    try {
      state = await api("/api/v1/config", { quiet: true });
    } catch {
      return; // the page works without it; the socket still brings changes
    }
    if (!state || version !== this.version) return;
    if (typeof state.path === "string") this.path = state.path;
    if (typeof state.config_hash === "string" && !api.configHash) api.configHash = state.config_hash;
    let problems = Array.isArray(state.problems) ? state.problems : [];
    if (state.applied === false && !problems.length) problems = ["(the server gave no details)"];
    this.showProblems(problems);
    if (state.applied !== false) this.showRestart(Array.isArray(state.restart_needed) ? state.restart_needed : []);
  }

  showProblems(problems) {
    clear(this.rejected);
    this.rejected.classList.toggle("hidden", !problems.length);
    document.body.classList.toggle("config-rejected", problems.length > 0);
    if (!problems.length) return;
    this.rejected.title = this.path;
    this.rejected.append(
      el("div", { class: "config-banner-head" },
        icon("alert"),
        el("strong", {}, "Configuration file rejected."),
        el("span", {}, " vms keeps running with the last valid configuration; this notice goes away once the file is fixed.")));
    const list = el("ul", { class: "config-problems", "data-role": "config-problems" });
    const lines = problems.map((p) => String(p));
    for (const line of lines.slice(0, MAX_PROBLEMS_SHOWN)) list.append(el("li", {}, line));
    this.rejected.append(list);
    if (lines.length > MAX_PROBLEMS_SHOWN) {
      const rest = el("ul", { class: "config-problems" }, ...lines.slice(MAX_PROBLEMS_SHOWN).map((line) => el("li", {}, line)));
      this.rejected.append(el("details", {}, el("summary", {}, `${lines.length - MAX_PROBLEMS_SHOWN} more`), rest));
    }
  }

  showRestart(settings) {
    clear(this.restart);
    const names = settings.map((s) => String(s));
    this.restart.classList.toggle("hidden", !names.length);
    if (!names.length) return;
    this.restart.append(icon("power"), el("span", {},
      "Restart vms to apply the change of ", el("span", { class: "mono" }, names.join(", ")),
      ": these settings cannot change while it runs."));
  }
}

const configBanner = new ConfigBanner();

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
      link("/config.html", "config", "Cameras", "settings"),
      link("/exports.html", "exports", "Exports", "download")),
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
