// The emulator dashboard. It talks only to the emulator that served it (same origin; the page's
// Content-Security-Policy forbids anything else) with the key from the URL fragment, which the
// browser never sends to a server; the key is kept in this tab's session storage only.
// Every value from the API is written with textContent: metadata is user-controlled text.
"use strict";

const KEY_STORE = "tokenlay.dashboard.key";
const state = { key: null, since: null, seenLogIds: new Set(), timer: null };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function svgEl(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
  return node;
}

// User-supplied text (names, ids, metadata) in its own bidi isolate: a U+202E in a user name cannot flip the row around it.
const bidi = text => el("bdi", null, text);

const usd = v => v === null || v === undefined ? "unknown" : Number(v).toFixed(Number(v) !== 0 && Math.abs(Number(v)) < 0.01 ? 6 : 4);
const int = v => Number(v || 0).toLocaleString("en-US");
const pct = (part, whole) => whole ? (100 * part / whole).toFixed(1) + "%" : "0%";

function takeKeyFromFragment() {
  const match = /(?:^#|&)key=([^&]*)/.exec(location.hash);
  if (match) {
    sessionStorage.setItem(KEY_STORE, decodeURIComponent(match[1]));
    // The key leaves the address bar: it must not end up in bookmarks, history or screenshots.
    history.replaceState(null, "", location.pathname + location.search);
  }
  return sessionStorage.getItem(KEY_STORE);
}

class KeyRefused extends Error {}

async function api(path) {
  const response = await fetch(path, { headers: { Authorization: "Bearer " + state.key }, cache: "no-store" });
  if (response.status === 401) throw new KeyRefused("refused");
  if (!response.ok) throw new Error(path + " answered " + response.status);
  return response.json();
}

function showKeyPanel(title, message) {
  document.getElementById("loading").hidden = true;
  document.getElementById("data").hidden = true;
  for (const id of ["totals", "log", "rules"]) document.getElementById(id).replaceChildren();
  for (const id of ["by-user", "by-model", "by-feature", "by-label", "webhooks", "pricing", "keys", "credit-accounts", "credit-tiers", "credit-transactions"]) document.querySelector("#" + id + " tbody").replaceChildren();
  document.getElementById("daily").querySelectorAll("svg").forEach(n => n.remove());
  state.seenLogIds.clear();
  document.getElementById("key-title").textContent = title;
  document.getElementById("key-message").textContent = message;
  document.getElementById("key-panel").hidden = false;
}

function sinceValue() {
  const days = document.getElementById("period").value;
  return days === "all" ? null : new Date(Date.now() - Number(days) * 86400000).toISOString();
}

function sinceParam() {
  const since = sinceValue();
  return since === null ? "" : "?since=" + encodeURIComponent(since);
}

// A plain link cannot carry the key (it travels as a bearer header, never in a URL), so the file is
// fetched with the header and handed to the browser as a Blob to save.
async function downloadCsv() {
  const status = document.getElementById("download-status");
  if (!state.key) return;
  const since = sinceValue();
  const path = "/v1/logs/export?format=csv" + (since === null ? "" : "&since=" + encodeURIComponent(since));
  status.textContent = "preparing…";
  try {
    const response = await fetch(path, { headers: { Authorization: "Bearer " + state.key }, cache: "no-store" });
    if (!response.ok) throw new Error("the export answered " + response.status);
    const blob = await response.blob();
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: "tokenlay-logs-" + new Date().toISOString().slice(0, 10) + ".csv" });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    status.textContent = "downloaded " + int(blob.size) + " bytes";
  } catch (e) {
    status.textContent = "download failed: " + e.message;
  }
}

function renderTotals(usage) {
  const t = usage.totals, o = usage.outcomes;
  const cards = [
    ["Requests", int(t.requests)], ["Input tokens", int(t.input_tokens)], ["Output tokens", int(t.output_tokens)],
    ["Cost (USD)", usd(t.cost_usd)], ["Blocked", pct(o.blocked, o.calls)], ["Downgraded", pct(o.downgraded, o.calls)],
  ];
  document.getElementById("totals").replaceChildren(...cards.map(([name, value]) =>
    el("div", { "data-total": name }, el("dt", null, name), el("dd", null, value))));
}

function barCell(value, max, label) {
  const svg = svgEl("svg", { width: 60, height: 10, role: "img", "aria-label": pct(value, max) + (label || " of the largest") });
  svg.append(svgEl("rect", { class: "bar", x: 0, y: 1, height: 8, width: max > 0 ? Math.max(1, 60 * Math.min(value, max) / max) : 0 }));
  return el("td", null, svg);
}

// A call without a cost: a refused call is not charged; a served one has a price nobody knows.
const costLabel = e => e.cost_usd !== null && e.cost_usd !== undefined ? "$" + usd(e.cost_usd)
  : (e.rule_action === "block" || !e.success ? "no charge" : "cost unknown");

function renderGroup(tableId, rows, nameOf) {
  const max = Math.max(0, ...rows.map(r => Number(r.cost_usd || 0)));
  document.querySelector("#" + tableId + " tbody").replaceChildren(...rows.map(r => el("tr", null,
    el("th", { scope: "row" }, bidi(nameOf(r))),
    el("td", { class: "num" }, int(r.requests)),
    el("td", { class: "num" }, int(Number(r.input_tokens) + Number(r.output_tokens))),
    el("td", { class: "num" }, usd(r.cost_usd)),
    barCell(Number(r.cost_usd || 0), max))));
}

function renderDaily(days) {
  const figure = document.getElementById("daily");
  figure.querySelectorAll("svg, p").forEach(n => n.remove());
  if (days.length === 0) { figure.append(el("p", { class: "hint" }, "No calls in this period.")); return; }
  // Drawn at the figure's own width, one unit a pixel, so the labels keep their CSS size (a fixed
  // 600-unit drawing scaled into a narrow column made them 5 px high).
  const width = Math.max(200, Math.floor(figure.clientWidth || 600)), height = 160, pad = 28, max = Math.max(...days.map(d => Number(d.cost_usd)), 1e-9);
  const step = (width - pad) / days.length, bar = Math.max(2, step * 0.7), every = Math.max(1, Math.ceil(44 / step));
  const svg = svgEl("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `Cost per day over ${days.length} days, highest ${usd(max)} USD` });
  days.forEach((d, i) => {
    const h = (height - pad - 10) * Number(d.cost_usd) / max;
    const rect = svgEl("rect", { class: "bar", x: pad + i * step, y: height - pad - h, width: bar, height: Math.max(h, 0.5) });
    const title = svgEl("title"); title.textContent = `${d.date}: $${usd(d.cost_usd)}, ${int(d.requests)} requests`;
    rect.append(title); svg.append(rect);
    if (i % every === 0) {
      const label = svgEl("text", { x: pad + i * step, y: height - 8 }); label.textContent = d.date.slice(5); svg.append(label);
    }
  });
  const top = svgEl("text", { x: 0, y: 12 }); top.textContent = "$" + usd(max); svg.append(top);
  figure.append(svg);
}

function labelTags(labels) {
  return el("span", { class: "labels", "data-labels": (labels || []).join(",") },
    ...(labels || []).map(l => el("span", { class: "tag label-" + l }, l)));
}

function logEntry(e) {
  const action = e.rule_action || "allow";
  const details = el("details", { "data-id": e.id },
    el("summary", null,
      el("time", { datetime: e.timestamp }, new Date(e.timestamp).toLocaleTimeString()),
      el("span", null, e.user ? bidi(e.user) : "(no user)"),
      el("span", null, bidi(e.model_used || e.model_requested || "")),
      el("span", { class: e.success ? "" : "fail" }, String(e.status)),
      el("span", { class: "tag " + action }, action, e.rule_id ? ": " : null, e.rule_id ? bidi(e.rule_id) : null),
      el("span", null, costLabel(e)),
      labelTags(e.labels)),
    el("dl", null, ...[
      ["Request id", e.id], ["Endpoint", e.endpoint], ["Rule", e.rule_id || "none"], ["Action", action],
      ["Model requested", e.model_requested], ["Model used", e.model_used], ["Tokens", `${int(e.input_tokens)} in, ${int(e.output_tokens)} out`],
      ["Cost (USD)", e.cost_usd === null || e.cost_usd === undefined ? costLabel(e) : usd(e.cost_usd)], ["Latency", Number(e.latency_ms).toFixed(1) + " ms"], ["Status", String(e.status)],
      ["Org", e.org], ["Plan", e.plan], ["Project", e.project], ["Feature", e.feature],
      ["Customer key", e.key_ref ? `${e.key_ref} (${e.key_id})` : null],
      ...Object.entries(e.metadata || {}).map(([k, v]) => ["Metadata " + k, v]),
      ["Labels", (e.labels || []).join(", ")], ["Prompt labels", (e.prompt_labels || []).join(", ")], ["Labels error", e.labels_error],
      ["Error", e.error],
    ].filter(([, v]) => v !== null && v !== undefined && v !== "").flatMap(([k, v]) => [el("dt", null, k), el("dd", null, bidi(String(v)))])));
  return el("li", null, details);
}

async function refreshLog() {
  const label = document.getElementById("label-filter").value;
  const page = await api("/v1/logs?limit=25" + (label ? "&label=" + encodeURIComponent(label) : ""));
  const list = document.getElementById("log");
  const fresh = page.data.filter(e => !state.seenLogIds.has(e.id));
  if (fresh.length === 0) return;
  // Newest first: prepend what arrived, keep entries a reader has opened, cap the list.
  for (const e of fresh.reverse()) { state.seenLogIds.add(e.id); list.prepend(logEntry(e)); }
  while (list.children.length > 50) list.lastElementChild.remove();
  document.getElementById("live").textContent = "updated " + new Date().toLocaleTimeString();
}

function renderRules(rules) {
  const host = document.getElementById("rules");
  if (rules.length === 0) { host.replaceChildren(el("p", { class: "hint" }, "No rules loaded (start the emulator with --rules).")); return; }
  host.replaceChildren(...rules.map(rule => el("div", { class: "rule", "data-rule": rule.id },
    el("h3", null, bidi(rule.id), ` (priority ${rule.priority})`),
    el("p", { class: "hint" }, "if " + JSON.stringify(rule.if) + (rule.model ? `, model ${rule.model}` : "") + `, on limit: ${rule.on_limit_exceeded}`),
    ...rule.limits.map(limit => el("div", { class: "scroll" }, el("table", null,
      el("caption", null, `${limit.type} per ${limit.per}, max ${limit.max} per ${limit.window}` + (limit.resets_at ? `, resets ${new Date(limit.resets_at).toLocaleString()}` : "")),
      // The bar shows what is used, so it sits beside "Current" under a visible "Used", not beside "Remaining".
      el("thead", null, el("tr", null, el("th", { scope: "col" }, limit.per), el("th", { scope: "col" }, "Current"), el("th", { scope: "col" }, "Used"), el("th", { scope: "col" }, "Remaining"))),
      el("tbody", null, ...(limit.closest.length ? limit.closest.map(u => el("tr", null,
        el("th", { scope: "row" }, bidi(u.key)), el("td", { class: "num" }, String(u.current)),
        barCell(Number(u.current), Number(limit.max), " of the limit used"), el("td", { class: "num" }, String(u.remaining))))
        : [el("tr", null, el("td", { colspan: 4 }, "No use yet in this window."))]))))))));
}

function renderWebhooks(deliveries) {
  // The outcome comes second, before the (long) URL, so it is never the column that scrolls out of view.
  document.querySelector("#webhooks tbody").replaceChildren(...(deliveries.length ? deliveries.map(d => el("tr", null,
    el("td", null, new Date(d.attempted_at).toLocaleTimeString()),
    el("td", { class: "wrap" + (d.delivered ? "" : " fail") }, d.delivered ? `delivered (${d.status})` : (d.status ? `failed (${d.status})` : "failed: " + (d.error || "no answer"))),
    el("td", null, d.type), el("td", { class: "wrap" }, bidi(d.rule_id || "")), el("td", { class: "wrap" }, bidi(d.url))))
    : [el("tr", null, el("td", { colspan: 5 }, "No webhook sent yet."))]));
}

function renderKeys(keys) {
  // The API never returns a secret: key_hint is the last four characters, shown as such.
  document.querySelector("#keys tbody").replaceChildren(...(keys.length ? keys.map(k => el("tr", { "data-key": k.id },
    el("th", { scope: "row" }, k.ref_id), el("td", null, k.provider), el("td", null, k.label || ""),
    el("td", { class: "mono" }, "\u2022\u2022\u2022\u2022" + k.key_hint),
    el("td", { class: k.status === "invalid" || k.status === "revoked" ? "fail" : "" }, k.status),
    el("td", null, k.last_used_at ? new Date(k.last_used_at).toLocaleString() : "never"),
    el("td", { class: "num" }, int(k.call_count))))
    : [el("tr", null, el("td", { colspan: 7 }, "No customer key connected."))]));
}

function renderPricing(pricing) {
  const rows = [];
  const overrides = pricing.overrides || {};
  for (const [provider, models] of Object.entries(overrides)) for (const [model, p] of Object.entries(models)) rows.push([provider, model, p, "override"]);
  for (const [provider, models] of Object.entries(pricing.defaults || {})) for (const [model, p] of Object.entries(models)) {
    if (!(overrides[provider] && overrides[provider][model])) rows.push([provider, model, p, "built-in"]);
  }
  document.querySelector("#pricing tbody").replaceChildren(...rows.map(([provider, model, p, source]) => el("tr", null,
    el("td", null, provider), el("th", { scope: "row" }, bidi(model)), el("td", { class: "num" }, String(p.input)), el("td", { class: "num" }, String(p.output)), el("td", null, source))));
}

const credits = v => v === null || v === undefined ? "" : Number(v).toLocaleString("en-US", { maximumFractionDigits: 6 });

async function refreshCredits() {
  const [accounts, tiers] = await Promise.all([api("/v1/credits/accounts?limit=10"), api("/v1/credits/tiers")]);
  document.querySelector("#credit-accounts tbody").replaceChildren(...(accounts.data.length ? accounts.data.map(a => el("tr", { "data-account": a.account },
    el("th", { scope: "row" }, a.account), el("td", { class: "num" + (Number(a.available) <= 0 ? " fail" : "") }, credits(a.available)),
    el("td", { class: "num" }, credits(a.held)), el("td", { class: "num" }, credits(a.settled)), el("td", null, a.tier || ""),
    el("td", null, a.next_refill_at ? new Date(a.next_refill_at).toLocaleString() : "")))
    : [el("tr", null, el("td", { colspan: 6 }, "No credit accounts yet (a grant or a tier creates one)."))]));
  document.querySelector("#credit-tiers tbody").replaceChildren(...(tiers.data.length ? tiers.data.map(t => el("tr", null,
    el("th", { scope: "row" }, t.id), el("td", { class: "num" }, credits(t.allocation)), el("td", null, t.period),
    el("td", { class: "num" }, t.rollover ? credits(t.rollover.max) : "none"),
    el("td", null, (t.alerts || []).map(a => a.below !== undefined && a.below !== null ? "below " + credits(a.below) : "below " + a.below_percent + "%").join(", "))))
    : [el("tr", null, el("td", { colspan: 5 }, "No tiers."))]));
  // The newest transactions of the accounts shown, merged newest first.
  const pages = await Promise.all(accounts.data.slice(0, 5).map(a => api("/v1/credits/accounts/" + encodeURIComponent(a.account) + "/transactions?limit=10")));
  const recent = pages.flatMap(p => p.data).sort((x, y) => (y.created_at || "").localeCompare(x.created_at || "")).slice(0, 15);
  document.querySelector("#credit-transactions tbody").replaceChildren(...(recent.length ? recent.map(t => el("tr", null,
    el("td", null, new Date(t.created_at).toLocaleTimeString()), el("td", null, t.account), el("td", null, t.type),
    el("td", { class: "num" }, credits(t.amount)), el("td", { class: "num" }, credits(t.balance_after)), el("td", null, t.log_id || t.reason || "")))
    : [el("tr", null, el("td", { colspan: 6 }, "No transactions yet."))]));
}

async function refreshAll() {
  const [usage, rules, webhooks, pricing, keys] = await Promise.all([
    api("/v1/usage" + sinceParam()), api("/v1/rules/status"), api("/v1/webhooks/deliveries"), api("/v1/pricing"), api("/v1/keys?limit=100")]);
  // Shown before drawing, so the chart is drawn at the width it really has.
  document.getElementById("loading").hidden = true;
  document.getElementById("key-panel").hidden = true;
  document.getElementById("data").hidden = false;
  renderTotals(usage);
  renderGroup("by-user", usage.by_user, r => r.user || "(no user)");
  renderGroup("by-model", usage.by_model, r => r.model || "(unknown)");
  renderGroup("by-feature", usage.by_feature, r => r.feature || "(no feature)");
  renderGroup("by-label", (usage.by_label || []).map(r => ({ ...r, requests: r.calls })), r => r.label);
  renderDaily(usage.daily);
  renderRules(rules.data);
  renderWebhooks(webhooks.data);
  renderPricing(pricing);
  renderKeys(keys.data);
  await refreshCredits();
  await refreshLog();
}

async function tick() {
  try {
    await refreshAll();
  } catch (e) {
    if (e instanceof KeyRefused) {
      sessionStorage.removeItem(KEY_STORE);
      state.key = null;
      stop();
      showKeyPanel("Key refused", "The emulator refused this key (HTTP 401), so no data is shown. Enter the key the emulator printed when it started (its --key option, tl_local by default).");
      return;
    }
    document.getElementById("live").textContent = "connection lost, retrying…";
  }
}

function stop() { if (state.timer) { clearInterval(state.timer); state.timer = null; } }

function start(key) {
  state.key = key;
  stop();
  tick();
  state.timer = setInterval(tick, 1000);
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("period").addEventListener("change", () => { if (state.key) tick(); });
  document.getElementById("label-filter").addEventListener("change", () => {
    // Another filter: the log starts again with the calls that have the label.
    document.getElementById("log").replaceChildren();
    state.seenLogIds.clear();
    if (state.key) tick();
  });
  document.getElementById("download-csv").addEventListener("click", downloadCsv);
  document.getElementById("key-form").addEventListener("submit", event => {
    event.preventDefault();
    const key = document.getElementById("key-input").value.trim();
    if (!key) return;
    sessionStorage.setItem(KEY_STORE, key);
    document.getElementById("key-input").value = "";
    start(key);
  });
  const key = takeKeyFromFragment();
  if (!key) {
    showKeyPanel("Key needed", "Open the dashboard from the link the emulator printed (it carries the key after #, which your browser never sends to a server), or enter the emulator's key here. Without a key no data is shown.");
    return;
  }
  start(key);
});
