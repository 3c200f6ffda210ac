// Sign-in page: POST /api/v1/login, then back to the page that asked for it.
import { api } from "./api.js";
import { icon } from "./dom.js";
import { pending } from "./ui.js";

/** Only same-site paths are followed after sign-in (no open redirect). */
function nextTarget() {
  const next = new URLSearchParams(location.search).get("next") || "/";
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\") || next.startsWith("/login.html")) return "/";
  return next;
}

const form = document.getElementById("login-form");
const errorBox = document.getElementById("login-error");
const submit = document.getElementById("login-submit");
document.getElementById("brand").prepend(icon("camera"));

// Already signed in? Go on directly.
api("/api/v1/me", { quiet: true, noRedirect: true }).then((me) => { if (me) location.replace(nextTarget()); }).catch(() => {});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  errorBox.classList.add("hidden");
  const name = form.elements.name.value.trim();
  const password = form.elements.password.value;
  if (!name || !password) {
    errorBox.textContent = "Enter your user name and password.";
    errorBox.classList.remove("hidden");
    return;
  }
  pending(submit, async () => {
    try {
      await api("/api/v1/login", { method: "POST", body: { name, password }, quiet: true, noRedirect: true });
      location.replace(nextTarget());
    } catch (error) {
      errorBox.textContent = error.status === 401 ? "Wrong user name or password." : error.message;
      errorBox.classList.remove("hidden");
      form.elements.password.select();
    }
  });
});
