// The one way pages talk to the server: JSON in and out, errors shown as toasts,
// 401 sends the browser to the sign-in page and back here afterwards.
import { toast } from "./ui.js";

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
    this.shown = false;
  }
}

export function loginUrl() {
  const next = location.pathname + location.search;
  return `/login.html?next=${encodeURIComponent(next)}`;
}

let redirecting = false;

/**
 * api(path, {method, body, quiet, headers}) → parsed JSON (or null for 204 / empty bodies).
 * `quiet`: do not toast errors (the caller shows them itself). Throws ApiError on failure.
 */
export async function api(path, options = {}) {
  const { method = "GET", body, quiet = false, headers = {} } = options;
  const init = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json", ...headers },
    cache: "no-store",
  };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    const failure = new ApiError(0, "The server cannot be reached. Check that vms is running.");
    if (!quiet) { toast(failure.message, "error"); failure.shown = true; }
    throw failure;
  }
  if (response.status === 401 && !options.noRedirect) {
    if (!redirecting) {
      redirecting = true;
      location.assign(loginUrl());
    }
    const failure = new ApiError(401, "Please sign in.");
    failure.shown = true;
    throw failure;
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!response.ok) {
    let message = (data && typeof data.error === "string" && data.error) || "";
    if (!message) {
      message = {
        400: "The server refused this request (bad input).",
        403: "You are not allowed to do this.",
        404: "Not found: it may have been deleted meanwhile.",
        409: "Conflict: try again in a moment.",
      }[response.status] || `The server answered ${response.status} ${response.statusText}.`;
    }
    const failure = new ApiError(response.status, message, data);
    if (!quiet) { toast(message, "error"); failure.shown = true; }
    throw failure;
  }
  if (response.headers.get("X-Config-Hash")) api.configHash = response.headers.get("X-Config-Hash");
  return data;
}

api.configHash = null;

export const get = (path, options) => api(path, options);
export const post = (path, body, options = {}) => api(path, { ...options, method: "POST", body });
export const put = (path, body, options = {}) => api(path, { ...options, method: "PUT", body });
export const del = (path, options = {}) => api(path, { ...options, method: "DELETE" });

export const enc = encodeURIComponent;
