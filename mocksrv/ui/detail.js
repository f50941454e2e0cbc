// The detail panel: one journal entry's summary, request, and answer (body or stream timeline).

import { $, el, gist, ms, parsed, pretty, stepText } from "./util.js";

/** "continues": the predecessor's id, a button opening its entry when the page holds it. */
function chainLink(e, follow) {
  const target = follow && follow(e.continues, false);
  if (!target) return el("dd", { text: `${e.continues} (not in this page's history)` });
  const button = el("button", { type: "button", class: "link", "data-continues": e.continues, text: e.continues });
  button.addEventListener("click", () => follow(e.continues, true));
  return el("dd", {}, button);
}

function summary(e, follow) {
  const items = [
    ["status", `${e.status || "—"}${e.ended_by ? ` (${e.ended_by})` : ""}`],
    ["request", `${e.method} ${e.path}`],
    ["dialect", e.dialect || "—"],
    ["session", e.session || "—"],
    ["fixture", e.fixture || "(generated)"],
    ["scenario / step", stepText(e) || "—"],
    ["TTFB / duration", `${ms(e.ttfb_ms)} / ${ms(e.duration_ms)}`],
    ["events", String(e.events || 0)],
    ["time", new Date(e.time * 1000).toISOString()],
  ];
  if (e.stored) items.push(["stored as", e.stored]);
  if (e.violations && e.violations.length) items.push(["schema", e.violations.join("; ")]);
  const shown = items.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: v })]);
  if (e.continues) shown.push(el("dt", { text: "continues" }), chainLink(e, follow));
  return shown;
}

/** One line per event: its time, a bar placing it on the request's time line, its gist; open for all. */
function timeline(e, response) {
  const events = response.events;
  const span = Math.max(e.duration_ms || 0, ...events.map((ev) => ev.t_ms), 1);
  const shown = response.omitted ? `, the first ${events.length} shown` : "";
  const list = el("ol", { class: "events", "aria-label": "Stream events with their time from the request" });
  for (const ev of events) {
    const tick = el("span", { class: "tick" });
    tick.style.left = `${Math.min((ev.t_ms / span) * 100, 100).toFixed(2)}%`;
    const line = el(
      "summary",
      {},
      el("span", { class: "t", text: `+${ms(ev.t_ms)}` }),
      el("span", { class: "track", "aria-hidden": "true" }, tick),
      el("span", { class: "name", text: ev.event || "data" }),
      el("code", { class: "data", text: gist(ev.data) }),
    );
    const full = el("pre", { class: "code", text: pretty(parsed(ev.data)) + (ev.truncated ? "\n… (truncated)" : "") });
    list.append(el("li", {}, el("details", {}, line, full)));
  }
  return [el("p", { class: "note", text: `${e.events} events${shown}; 0 to ${ms(span)}` }), list];
}

function responseView(e) {
  const response = e.response;
  if (!response) return [el("p", { class: "note", text: "No response was captured (the connection ended first)." })];
  if (response.events) return timeline(e, response);
  return [el("pre", { class: "code", tabindex: "0", text: pretty(response.body) })];
}

/** `follow(storedId, open)`: whether the entry that stored `storedId` is known; opens it if `open`. */
export function showDetail(e, focus, follow) {
  $("detail-title").textContent = `${e.method} ${e.path} → ${e.status || "—"}`;
  $("summary").replaceChildren(...summary(e, follow));
  const request = e.request || {};
  const query = request.query && Object.keys(request.query).length ? `\n\nquery: ${pretty(request.query)}` : "";
  $("req-headers").textContent = pretty(request.headers) + query;
  $("req-body").textContent = pretty(request.body);
  $("resp-title").textContent = e.response && e.response.events ? "Response stream" : "Response body";
  $("response").replaceChildren(...responseView(e));
  $("detail").hidden = false;
  document.querySelector(".layout").classList.add("with-detail");
  if (focus) $("detail-title").focus();
}

export function hideDetail() {
  $("detail").hidden = true;
  document.querySelector(".layout").classList.remove("with-detail");
}

export function detailOpen() {
  return !$("detail").hidden;
}
