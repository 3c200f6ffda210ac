// A month calendar that marks the days having recordings; clicking a day calls onPick("YYYY-MM-DD").
import { el, clear, icon, isoDay, parseDay } from "./dom.js";

export class Calendar {
  constructor(container, onPick) {
    this.container = container;
    this.onPick = onPick;
    this.days = new Set();
    this.selected = isoDay();
    const today = new Date();
    this.month = new Date(today.getFullYear(), today.getMonth(), 1);
  }

  setDays(days) {
    this.days = new Set(days || []);
    this.render();
  }

  select(day) {
    this.selected = day;
    const date = parseDay(day);
    if (date) this.month = new Date(date.getFullYear(), date.getMonth(), 1);
    this.render();
  }

  shift(months) {
    this.month = new Date(this.month.getFullYear(), this.month.getMonth() + months, 1);
    this.render();
  }

  render() {
    const prev = el("button", { type: "button", class: "small icon-only", title: "Previous month", "aria-label": "Previous month" }, icon("left"));
    const next = el("button", { type: "button", class: "small icon-only", title: "Next month", "aria-label": "Next month" }, icon("right"));
    prev.addEventListener("click", () => this.shift(-1));
    next.addEventListener("click", () => this.shift(1));
    const label = this.month.toLocaleDateString(undefined, { month: "long", year: "numeric" });
    const grid = el("div", { class: "cal-grid", role: "grid" });
    // Weekday names starting on Monday, in the browser's language.
    for (let i = 0; i < 7; i++) {
      const d = new Date(2024, 0, 1 + i); // 2024-01-01 was a Monday
      grid.append(el("div", { class: "dow" }, d.toLocaleDateString(undefined, { weekday: "narrow" })));
    }
    const first = this.month;
    const offset = (first.getDay() + 6) % 7;
    for (let i = 0; i < offset; i++) grid.append(el("span"));
    const today = isoDay();
    const count = new Date(first.getFullYear(), first.getMonth() + 1, 0).getDate();
    for (let day = 1; day <= count; day++) {
      const key = isoDay(new Date(first.getFullYear(), first.getMonth(), day));
      const classes = [this.days.has(key) ? "has" : "none"];
      if (key === today) classes.push("today");
      if (key === this.selected) classes.push("selected");
      const button = el("button", {
        type: "button", class: classes.join(" "), dataset: { day: key },
        title: this.days.has(key) ? `${key}: recordings` : key,
        "aria-pressed": key === this.selected ? "true" : "false",
      }, String(day));
      button.addEventListener("click", () => { this.select(key); this.onPick(key); });
      grid.append(button);
    }
    clear(this.container).append(
      el("div", { class: "cal-head" }, prev, el("strong", {}, label), next),
      grid);
  }
}
