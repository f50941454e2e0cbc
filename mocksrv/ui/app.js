// mocksrv inspector: the journal, live. Plain JS modules, no build step, nothing from elsewhere.
// History comes from GET /_mock/requests; new entries are pushed on /_mock/events (SSE).

import { detailOpen, hideDetail, showDetail } from "./detail.js";
import { $, api, clock, el, eventsUrl, ms, stepText } from "./util.js";

const MAX_ENTRIES = 2000; // the page never holds more than this (the journal is bounded too)
const entries = new Map(); // String(id) -> entry, oldest first
const dialects = new Set();
let selectedId = null;
let pending = [];
let flushTimer = 0;

function notice(text) {
  $("notice").textContent = text || "";
}

// ---- table and filters ------------------------------------------------------------------

function order(a, b) {
  if (typeof a.id === "number" && typeof b.id === "number") return b.id - a.id;
  return b.time - a.time;
}

function matches(e) {
  const dialect = $("f-dialect").value;
  const session = $("f-session").value.trim();
  const status = $("f-status").value;
  if (dialect && e.dialect !== dialect) return false;
  if (session && !String(e.session || "").includes(session)) return false;
  const s = e.status || 0;
  if (status === "2xx") return s >= 200 && s < 300;
  if (status === "4xx") return s >= 400 && s < 500;
  if (status === "5xx") return s >= 500;
  if (status === "error") return s >= 400 || s === 0;
  return true;
}

function statusClass(status) {
  if (!status) return "s0";
  return status >= 500 ? "s5" : status >= 400 ? "s4" : "s2";
}

function row(e) {
  const id = String(e.id);
  const ended = e.ended_by && e.ended_by !== "complete" ? ` · ${e.ended_by}` : "";
  const tr = el("tr", { tabindex: "0", "data-id": id, class: statusClass(e.status) });
  if (id === selectedId) tr.setAttribute("aria-current", "true");
  tr.append(
    el("td", { class: "time", text: clock(e.time) }),
    el("td", { text: e.dialect || "—" }),
    el("td", { text: e.method }),
    el("td", { class: "path", text: e.path, title: e.path }),
    el("td", { class: "status", text: (e.status ? String(e.status) : "—") + ended }),
    el("td", { text: e.fixture || "(generated)" }),
    el("td", { text: stepText(e) }),
    el("td", { class: "num", text: ms(e.ttfb_ms) }),
    el("td", { class: "num", text: ms(e.duration_ms) }),
    el("td", { class: "num", text: e.events ? String(e.events) : "" }),
  );
  return tr;
}

function updateCount() {
  const shown = $("rows").childElementCount;
  $("count").textContent = `${shown} shown of ${entries.size}`;
  $("empty").hidden = shown > 0;
}

function renderAll() {
  const list = [...entries.values()].filter(matches).sort(order);
  $("rows").replaceChildren(...list.map(row));
  updateCount();
}

function noteDialect(name) {
  if (!name || dialects.has(name)) return;
  dialects.add(name);
  const select = $("f-dialect");
  const names = [...dialects].sort();
  select.insertBefore(el("option", { value: name, text: name }), select.options[names.indexOf(name) + 1] || null);
}

/** Keep an entry (merged by id); true when it was already known. */
function remember(e) {
  const id = String(e.id);
  const known = entries.has(id);
  entries.set(id, e);
  noteDialect(e.dialect);
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value);
  return known;
}

// Live entries are batched: one DOM update per burst, however fast the traffic.
function enqueue(e) {
  pending.push(e);
  if (!flushTimer) flushTimer = setTimeout(flush, 30);
}

function flush() {
  flushTimer = 0;
  const batch = pending;
  pending = [];
  const body = $("rows");
  let redraw = false;
  for (const e of batch) {
    if (remember(e)) redraw = true;
    else if (matches(e)) body.prepend(row(e));
  }
  while (body.childElementCount > MAX_ENTRIES) body.lastElementChild.remove();
  if (redraw) renderAll();
  else updateCount();
}

function clearAll() {
  entries.clear();
  pending = [];
  select(null, false);
  renderAll();
}

async function loadHistory() {
  try {
    const data = await api("/_mock/requests");
    for (const e of data.requests) remember(e);
    renderAll();
  } catch (err) {
    notice(`Could not read the journal: ${err.message}`);
  }
}

// ---- selection --------------------------------------------------------------------------

function rowOf(id) {
  return id === null ? null : $("rows").querySelector(`tr[data-id="${CSS.escape(id)}"]`);
}

/** Show one entry's details (id) or close them (null); `focus` moves the keyboard focus along. */
function select(id, focus) {
  const previous = rowOf(selectedId);
  if (previous) previous.removeAttribute("aria-current");
  const e = id === null ? null : entries.get(id);
  if (!e) {
    selectedId = null;
    hideDetail();
    if (focus && previous) previous.focus();
    return;
  }
  selectedId = id;
  const tr = rowOf(id);
  if (tr) tr.setAttribute("aria-current", "true");
  showDetail(e, focus, follow);
}

/** The entry that stored a response (a chained request's predecessor); opened when `open`. */
function follow(storedId, open) {
  const found = [...entries.values()].find((x) => x.stored === storedId);
  if (found && open) select(String(found.id), true);
  return Boolean(found);
}

function onRowKey(event) {
  const tr = event.target.closest("tr[data-id]");
  if (!tr) return;
  if (event.key === "Enter" || event.key === " ") {
    event.preventDefault();
    select(tr.dataset.id, true);
  } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const next = event.key === "ArrowDown" ? tr.nextElementSibling : tr.previousElementSibling;
    if (next) next.focus();
  }
}

// ---- scenario switch and reset ----------------------------------------------------------

async function loadScenarios() {
  try {
    const data = await api("/_mock/scenarios");
    const options = data.scenarios.map((name) => el("option", { value: name, text: name }));
    $("scenario").replaceChildren(el("option", { value: "", text: "(none)" }), ...options);
    $("scenario").value = data.active || "";
    $("scenario-note").textContent = data.active ? `active: ${data.active}` : "none active";
  } catch (err) {
    notice(`Could not list scenarios: ${err.message}`);
  }
}

async function switchScenario() {
  const name = $("scenario").value || null;
  $("scenario-note").textContent = "switching…";
  try {
    const body = await api("/_mock/scenario", {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name }),
    });
    $("scenario-note").textContent = body.active ? `active: ${body.active}` : "none active";
  } catch (err) {
    notice(`Could not switch the scenario: ${err.message}`);
    loadScenarios();
  }
}

async function reset() {
  try {
    await api("/_mock/reset", { method: "POST" });
    clearAll();
    notice("");
    await loadScenarios();
  } catch (err) {
    notice(`Could not reset: ${err.message}`);
  }
}

// ---- live stream ------------------------------------------------------------------------

function setConn(state, text) {
  $("conn").dataset.state = state;
  $("conn").textContent = text;
}

function connect() {
  const source = new EventSource(eventsUrl());
  source.addEventListener("open", () => {
    setConn("live", "live");
    loadHistory(); // fills any gap while (re)connecting; entries are merged by id
  });
  source.addEventListener("error", () => {
    if (source.readyState === EventSource.CLOSED) setConn("closed", "disconnected (reload; is ?token= right?)");
    else setConn("connecting", "reconnecting…");
  });
  source.addEventListener("entry", (m) => enqueue(JSON.parse(m.data)));
  source.addEventListener("reset", () => {
    clearAll();
    loadScenarios(); // a reset also ends the run-time scenario switch
  });
  source.addEventListener("scenario", () => loadScenarios()); // switched from elsewhere
  source.addEventListener("dropped", (m) => {
    notice(`${JSON.parse(m.data).count} entries came too fast to push; reloaded from the journal.`);
    loadHistory();
  });
}

function init() {
  $("rows").addEventListener("click", (event) => {
    const tr = event.target.closest("tr[data-id]");
    if (tr) select(tr.dataset.id, false);
  });
  $("rows").addEventListener("keydown", onRowKey);
  $("close").addEventListener("click", () => select(null, true));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && detailOpen()) select(null, true);
  });
  for (const id of ["f-dialect", "f-status"]) $(id).addEventListener("change", renderAll);
  $("f-session").addEventListener("input", renderAll);
  $("scenario").addEventListener("change", switchScenario);
  $("reset").addEventListener("click", reset);
  renderAll();
  loadScenarios();
  connect();
}

init();
