// Live status from GET /api/v1/events (WebSocket). One socket per page, reconnected by itself with an
// exponential backoff (0.5 s doubling to 15 s, with jitter). Nothing here polls for status.
//
//   import { events } from "./events.js";
//   events.on("camera", (msg) => ...);      // "snapshot" | "camera" | "removed" | "config" | "export" | "export_removed" | "*"
//   events.onConnection((state) => ...);    // "connecting" | "open" | "retrying"
//   events.start();
import { api } from "./api.js";

const MIN_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;

class EventSocket {
  constructor() {
    this.handlers = new Map();
    this.connectionHandlers = new Set();
    this.socket = null;
    this.delay = MIN_DELAY_MS;
    this.timer = null;
    this.started = false;
    this.state = "connecting";
    this.failures = 0;
    this.cameras = new Map(); // latest status of every camera, by id
  }

  on(type, handler) {
    if (!this.handlers.has(type)) this.handlers.set(type, new Set());
    this.handlers.get(type).add(handler);
    return () => this.handlers.get(type).delete(handler);
  }

  onConnection(handler) {
    this.connectionHandlers.add(handler);
    handler(this.state);
    return () => this.connectionHandlers.delete(handler);
  }

  start() {
    if (this.started) return this;
    this.started = true;
    this.connect();
    // Come back at once when the tab or the network returns, instead of waiting for the backoff.
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && this.state !== "open") this.reconnectNow();
    });
    window.addEventListener("pagehide", () => this.stop());
    return this;
  }

  stop() {
    this.started = false;
    clearTimeout(this.timer);
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close();
      this.socket = null;
    }
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    for (const handler of this.connectionHandlers) handler(state);
  }

  connect() {
    clearTimeout(this.timer);
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let opened = false;
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${location.host}/api/v1/events`);
    } catch {
      this.scheduleReconnect(false);
      return;
    }
    this.socket = socket;
    this.setState(this.failures ? "retrying" : "connecting");
    socket.onopen = () => {
      opened = true;
      this.failures = 0;
      this.delay = MIN_DELAY_MS;
      this.setState("open");
    };
    socket.onmessage = (event) => {
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      if (message && typeof message.type === "string") this.dispatch(message);
    };
    socket.onclose = () => {
      if (this.socket === socket) this.socket = null;
      this.scheduleReconnect(opened);
    };
    socket.onerror = () => { /* onclose follows and schedules the retry */ };
  }

  scheduleReconnect(wasOpen) {
    if (!this.started) return;
    this.failures += 1;
    this.setState("retrying");
    if (!wasOpen && this.failures >= 2) {
      // The upgrade may be refused because the session ended: this request redirects to sign-in on 401.
      api("/api/v1/me", { quiet: true }).catch(() => {});
    }
    const jitter = this.delay * (0.25 * Math.random());
    this.timer = setTimeout(() => this.connect(), this.delay + jitter);
    this.delay = Math.min(MAX_DELAY_MS, this.delay * 2);
  }

  reconnectNow() {
    if (!this.started || this.state === "open") return;
    this.delay = MIN_DELAY_MS;
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close();
      this.socket = null;
    }
    this.connect();
  }

  dispatch(message) {
    if (message.type === "snapshot" && Array.isArray(message.cameras)) {
      this.cameras = new Map(message.cameras.map((c) => [c.id, c]));
    } else if (message.type === "camera" && message.camera) {
      this.cameras.set(message.camera.id, message.camera);
    } else if (message.type === "removed") {
      this.cameras.delete(message.camera_id);
    }
    for (const key of [message.type, "*"]) {
      for (const handler of this.handlers.get(key) || []) {
        try { handler(message); } catch (error) { console.error(error); }
      }
    }
  }
}

export const events = new EventSocket();

/**
 * Badge text and class of a camera status ({state, error, motion, recording}). `short` leaves the
 * reason of a reconnection out (the page shows it on its own line then); `reason` is that text.
 */
export function stateLabel(status, short = false) {
  const state = status && status.state;
  switch (state) {
    case "connected":
      // Connected but not well (damaged video, a full disk): still live, and the problem named.
      if (status.error) return { text: short ? "Warning" : `Connected, but ${status.error}`, cls: "warning", reason: status.error };
      return { text: "Connected", cls: "connected" };
    case "connecting": return { text: "Connecting", cls: "connecting" };
    case "reconnecting": return { text: status.error && !short ? `Reconnecting: ${status.error}` : "Reconnecting", cls: "reconnecting", reason: status.error || "" };
    case "disabled": return { text: "Disabled", cls: "disabled" };
    default: return { text: state ? String(state) : "Unknown", cls: "unknown" };
  }
}
