// DOM helpers shared by every page. Server data only ever goes into the page as text
// (textContent / attribute values), never as markup.

/**
 * Build an element: el("a", {href: "/x", class: "btn"}, "text", otherNode).
 * Attribute keys: class, dataset ({...}), on ({click: fn}), hidden, disabled, any other attribute.
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "on") for (const [type, fn] of Object.entries(value)) node.addEventListener(type, fn);
    else if (key === "text") node.textContent = value;
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

const SVG = "http://www.w3.org/2000/svg";
// Icon outlines (24x24, stroked), drawn here so nothing is fetched from elsewhere.
const ICONS = {
  camera: ["M23 7l-7 5 7 5V7z", "M1 5h15v14H1z"],
  live: ["M2 12s3.5-7 10-7 10 7 10 7-3.5 7-10 7S2 12 2 12z", "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z"],
  fullscreen: ["M8 3H3v5", "M16 3h5v5", "M21 16v5h-5", "M3 16v5h5"],
  timeline: ["M3 12h18", "M7 8v8", "M12 6v12", "M17 9v6"],
  grid: ["M3 3h7v7H3z", "M14 3h7v7h-7z", "M3 14h7v7H3z", "M14 14h7v7h-7z"],
  archive: ["M3 4h18v4H3z", "M5 8v12h14V8", "M10 12h4"],
  trash: ["M3 6h18", "M8 6V4h8v2", "M6 6l1 14h10l1-14", "M10 11v6", "M14 11v6"],
  download: ["M12 3v12", "M7 10l5 5 5-5", "M4 21h16"],
  edit: ["M4 20h4L19 9l-4-4L4 16v4z", "M13 7l4 4"],
  play: ["M7 4l13 8-13 8V4z"],
  pause: ["M7 4h3v16H7z", "M14 4h3v16h-3z"],
  prev: ["M19 20L9 12l10-8v16z", "M5 4v16"],
  next: ["M5 4l10 8-10 8V4z", "M19 4v16"],
  left: ["M15 18l-6-6 6-6"],
  right: ["M9 18l6-6-6-6"],
  back: ["M19 12H5", "M12 19l-7-7 7-7"],
  plus: ["M12 5v14", "M5 12h14"],
  power: ["M12 2v10", "M18.4 6.6a9 9 0 1 1-12.8 0"],
  logout: ["M9 21H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2h4", "M16 17l5-5-5-5", "M21 12H9"],
  settings: ["M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z", "M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z"],
  comment: ["M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z"],
  alert: ["M12 3l10 18H2L12 3z", "M12 10v5", "M12 18h.01"],
  hourglass: ["M6 2h12", "M6 22h12", "M7 2v3l5 7 5-7V2", "M7 22v-3l5-7 5 7v3"],
  calendar: ["M3 5h18v16H3z", "M3 10h18", "M8 3v4", "M16 3v4"],
};

export function icon(name, label) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "icon");
  if (label) {
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label);
  } else {
    svg.setAttribute("aria-hidden", "true");
  }
  for (const d of ICONS[name] || []) {
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", d);
    svg.append(path);
  }
  return svg;
}

/** A button or link with an icon and a label (the label hides on narrow screens when `compact`). */
export function iconButton(name, label, attrs = {}, compact = false) {
  const tag = attrs.href ? "a" : "button";
  const node = el(tag, { type: tag === "button" ? "button" : undefined, title: label, ...attrs });
  if (tag === "a" && !String(node.className).includes("btn")) node.classList.add("btn");
  node.append(icon(name), el("span", { class: compact ? "btn-label" : "" }, label));
  return node;
}

// ---------------------------------------------------------------------------------------------
// formatting (times are shown in the browser's local time, which matches the server's local days)

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** YYYY-MM-DD of a Date in local time. */
export function isoDay(date = new Date()) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of a YYYY-MM-DD day, as a Date (null when malformed). */
export function parseDay(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
  if (!m) return null;
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return isoDay(date) === text ? date : null;
}

export function addDays(text, days) {
  const date = parseDay(text) || new Date();
  date.setDate(date.getDate() + days);
  return isoDay(date);
}

export function fmtClock(ms, seconds = true) {
  const d = new Date(ms);
  return seconds ? `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fmtDuration(ms) {
  const total = Math.max(0, Math.round((ms || 0) / 1000));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  if (h) return `${h} h ${pad(m)} min`;
  if (m) return `${m} min ${pad(s)} s`;
  return `${s} s`;
}

export function fmtBytes(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB", "TB", "PB"];
  let value = n / 1024, unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${units[unit]}`;
}

export function fmtLongDay(text) {
  const date = parseDay(text);
  if (!date) return text;
  return date.toLocaleDateString(undefined, { weekday: "long", year: "numeric", month: "long", day: "numeric" });
}

/** Query-string parameter of the current page. */
export function param(name) {
  return new URLSearchParams(location.search).get(name);
}

export function pageUrl(page, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) if (v !== undefined && v !== null && v !== "") query.set(k, v);
  const qs = query.toString();
  return `/${page}${qs ? "?" + qs : ""}`;
}

/**
 * Call `onPicture` once `img` shows a picture. Multipart (MJPEG) images do not reliably fire "load",
 * so the decoded size is also checked a few times a second until the first frame is there.
 */
export function whenPicture(img, onPicture) {
  clearInterval(img._pictureTimer);
  let done = false;
  const check = () => {
    if (done || !(img.naturalWidth > 0)) return;
    done = true;
    clearInterval(img._pictureTimer);
    onPicture();
  };
  img.addEventListener("load", check, { once: true });
  img._pictureTimer = setInterval(check, 250);
  setTimeout(() => clearInterval(img._pictureTimer), 60000);
}
