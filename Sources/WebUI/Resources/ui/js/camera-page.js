// Shared by the per-camera history pages: which camera, its name, the links between its pages.
import { get } from "./api.js";
import { el, clear, icon, isoDay, pageUrl, param } from "./dom.js";
import { pageError } from "./layout.js";

/**
 * The camera of ?camera=ID with its name from the list; null (and a message) when unknown. The id
 * is not checked here: only an id the server lists is used, so whatever the address holds never
 * reaches a request (the rule on ids is the server's).
 */
export async function currentCamera() {
  const id = param("camera");
  if (!id) {
    pageError("No camera in the address. Pick one on the Cameras page.");
    return null;
  }
  const cameras = await get("/api/v1/cameras");
  const camera = cameras.find((c) => c.id === id);
  if (!camera) {
    pageError(`Unknown camera “${id}”.`);
    return null;
  }
  return camera;
}

/** Links to the camera's other pages (the current one highlighted). */
export function fillSubnav(nav, camera, current, day) {
  const date = day || isoDay();
  const items = [
    ["timeline", "Timeline", "timeline", pageUrl("timeline.html", { camera: camera.id, date })],
    ["recordings", "Recordings", "grid", pageUrl("recordings.html", { camera: camera.id, date })],
    ["archives", "Archives", "archive", pageUrl("archives.html", { camera: camera.id })],
  ];
  if (camera.configured !== false && camera.enabled) items.unshift(["live", "Live", "live", pageUrl("live.html", { camera: camera.id })]);
  clear(nav);
  for (const [key, label, iconName, href] of items) {
    nav.append(el("a", { class: `btn small${key === current ? " active" : ""}`, href, "aria-current": key === current ? "page" : undefined, "data-role": `subnav-${key}` },
      icon(iconName), el("span", { class: "btn-label" }, label)));
  }
}

export function cameraLabel(camera) {
  return camera.name || camera.id;
}
