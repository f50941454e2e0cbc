// Small helpers of the inspector page: API calls, safe DOM building, formatting.

export const $ = (id) => document.getElementById(id);

const token = new URLSearchParams(location.search).get("token") || "";

/** The event stream URL: EventSource cannot send headers, so the token rides in the query. */
export function eventsUrl() {
  return `/_mock/events${token ? `?token=${encodeURIComponent(token)}` : ""}`;
}

/** fetch() of a control route, with the admin token; rejects with the server's message.
 * Calls that change state go as JSON and same-origin: the server refuses anything else. */
export async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (token) headers["X-Mock-Admin-Token"] = token;
  const method = (options.method || "GET").toUpperCase();
  if (method === "POST" || method === "PUT") headers["Content-Type"] = "application/json";
  const request = Object.assign({ credentials: "same-origin", mode: "same-origin" }, options, { headers });
  const response = await fetch(path, request);
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      message = (body.error && body.error.message) || message;
    } catch (_) { /* not JSON: keep the status line */ }
    throw new Error(message);
  }
  return response.json();
}

/** Build an element. Every text goes in through textContent: request bodies are untrusted. */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export function ms(value) {
  if (value === null || value === undefined) return "";
  return value < 1000 ? `${value.toFixed(1)} ms` : `${(value / 1000).toFixed(2)} s`;
}

export function clock(seconds) {
  const d = new Date(seconds * 1000);
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function parsed(data) {
  try { return JSON.parse(data); } catch (_) { return data; }
}

export function pretty(value) {
  if (value === null || value === undefined) return "(none)";
  if (typeof value === "string") return value;
  if (typeof value === "object" && "text" in value && "bytes" in value) {
    // A body the journal kept as text (too large, or not JSON).
    let text = value.text;
    if (!value.truncated) text = pretty(parsed(text));
    return value.truncated ? `${text}\n… (${value.bytes} bytes in all, truncated)` : text;
  }
  return JSON.stringify(value, null, 2);
}

/** Scenario, step and injected faults of an entry, in one short line. */
export function stepText(e) {
  const parts = [];
  if (e.scenario) parts.push(e.scenario);
  if (e.step !== null && e.step !== undefined) parts.push(`#${e.step}`);
  if (e.faults && e.faults.length) parts.push(`[${e.faults.join(", ")}]`);
  return parts.join(" ");
}

// The words a stream event carries (whatever the dialect calls them), else its type, else its data.
const TEXT_KEYS = new Set(["content", "text", "thinking", "reasoning_content", "partial_json", "arguments", "delta"]);

export function gist(data) {
  const value = parsed(data);
  if (typeof value !== "object" || value === null) return String(value);
  const found = [];
  const walk = (node, depth) => {
    if (depth > 8 || found.length > 4 || node === null || typeof node !== "object") return;
    for (const [key, child] of Object.entries(node)) {
      if (typeof child === "string" && TEXT_KEYS.has(key) && child) found.push(child);
      else walk(child, depth + 1);
    }
  };
  walk(value, 0);
  if (found.length) return JSON.stringify(found.join(""));
  return value.type || value.object || data;
}
