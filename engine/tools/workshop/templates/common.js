"use strict";
// Shared by both pages: wording, number formats, DOM helpers, the weight sliders.
const BOOT = JSON.parse(document.getElementById("boot").textContent);
const T = BOOT.texts;
const LANG = BOOT.lang;
// The page's own link carries its token; every API call sends it in a header (never a cookie: cookies
// reach every port of this host, so another local server could read them and its pages could use them).
const TOKEN = new URLSearchParams(location.search).get("token") || "";
// the language switch keeps the token
function langLink(lang) {
  const q = new URLSearchParams(location.search);
  q.set("lang", lang);
  return "?" + q.toString();
}

function t(key, values) {
  let s = T[key] || key;
  for (const [k, v] of Object.entries(values || {})) s = s.split("{" + k + "}").join(String(v));
  return s;
}
function num(x, digits) {
  if (x === null || x === undefined) return "–";
  return new Intl.NumberFormat(LANG, {maximumFractionDigits: digits === undefined ? 2 : digits}).format(x);
}
function fixed(x, digits) {
  if (x === null || x === undefined) return "–";
  const d = digits === undefined ? 2 : digits;
  return new Intl.NumberFormat(LANG, {minimumFractionDigits: d, maximumFractionDigits: d}).format(x);
}
function signed(x, digits) {
  if (x === null || x === undefined) return "–";
  return (x > 0 ? "+" : x < 0 ? "−" : "±") + fixed(Math.abs(x), digits);
}
function money(x, currency) {
  if (x === null || x === undefined) return "–";
  return new Intl.NumberFormat(LANG, {style: "currency", currency: currency || "CNY", maximumFractionDigits: 0}).format(x);
}
function el(tag, attrs, ...kids) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined) node.append(kid);
  return node;
}
async function api(path, body) {
  const init = {credentials: "omit", headers: {"Accept": "application/json", "X-Appraise-Token": TOKEN}};
  if (body !== undefined) {
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  // the page's language goes along: labels and messages in the answer are in it
  const url = new URL(path, location.href);
  url.search = new URLSearchParams(Object.assign(Object.fromEntries(url.searchParams), {lang: LANG})).toString();
  const response = await fetch(url.pathname + url.search, init);
  const data = await response.json().catch(() => ({error: response.statusText}));
  if (!response.ok) {
    const error = new Error(data.error || response.statusText);
    error.data = data;
    throw error;
  }
  return data;
}

// Mirrors appraise.workshop.weightset: set one weight, siblings share the rest in proportion,
// round to cents so the group sums to exactly 100 (largest remainder; the moved item keeps its value).
function roundToTotal(values, keep) {
  const keys = Object.keys(values);
  const sum = keys.reduce((a, k) => a + values[k], 0);
  const scaled = {};
  for (const k of keys) scaled[k] = sum > 0 ? values[k] * 100 / sum : 0;
  const units = {};
  for (const k of keys) units[k] = Math.floor(scaled[k] * 100 + 1e-7);
  let missing = 10000 - keys.reduce((a, k) => a + units[k], 0);
  const order = keys.slice().sort((a, b) => ((a === keep) - (b === keep))
    || ((scaled[b] * 100 - units[b]) - (scaled[a] * 100 - units[a])) || (keys.indexOf(a) - keys.indexOf(b)));
  for (const k of order) { if (missing <= 0) break; units[k] += 1; missing -= 1; }
  const out = {};
  for (const k of keys) out[k] = units[k] / 100;
  return out;
}
function moveWeight(weights, group, key, value) {
  value = Math.min(100, Math.max(0, Math.round(value * 100) / 100));
  const others = group.items.filter((k) => k !== key);
  const rest = others.reduce((a, k) => a + weights[k], 0);
  const values = {};
  for (const k of group.items) {
    values[k] = k === key ? value : rest > 0 ? weights[k] * (100 - value) / rest : (100 - value) / others.length;
  }
  return Object.assign({}, weights, roundToTotal(values, key));
}

// The slider panel: one block per group (a scorecard's dimensions, then each dimension's KPIs).
function weightPanel(container, view, onMove) {
  const rows = {};
  const totals = {};
  const multipleCards = new Set(view.groups.map((g) => g.card)).size > 1;
  let lastCard = null;
  for (const group of view.groups) {
    if (multipleCards && group.card !== lastCard) {
      container.append(el("div", {class: "scorecard-title", text: view.labels[group.card]}));
    }
    lastCard = group.card;
    const title = group.dimension === null ? t("dimensions")
      : t("kpis_of", {dimension: view.labels[group.card + "/" + group.dimension]});
    const total = el("span", {class: "total", text: "Σ 100"});
    totals[group.id] = total;
    const block = el("div", {class: "group" + (group.dimension === null ? "" : " kpis"), "data-group": group.id},
      el("h3", {}, el("span", {text: title}), total));
    for (const key of group.items) {
      const id = "w-" + key.replace(/[^A-Za-z0-9_-]/g, "_");
      const range = el("input", {type: "range", min: "0", max: "100", step: "0.5", id: id, "data-key": key,
        "aria-label": view.labels[key], disabled: group.fixed});
      const box = el("input", {type: "number", min: "0", max: "100", step: "0.01", "data-key": key,
        "aria-label": view.labels[key], disabled: group.fixed});
      const note = el("div", {class: "note"});
      range.addEventListener("input", () => onMove(group, key, parseFloat(range.value)));
      box.addEventListener("change", () => { const v = parseFloat(box.value); if (!isNaN(v)) onMove(group, key, v); });
      const row = el("div", {class: "row", "data-key": key}, el("label", {for: id, text: view.labels[key], title: view.labels[key]}),
        range, box, note);
      rows[key] = {row, range, box, note};
      block.append(row);
    }
    container.append(block);
  }
  return {
    update(weights, start) {
      for (const [key, r] of Object.entries(rows)) {
        const w = weights[key];
        if (document.activeElement !== r.range) r.range.value = String(w);
        if (document.activeElement !== r.box) r.box.value = String(w);
        r.row.classList.toggle("changed", start !== undefined && Math.abs(w - start[key]) > 1e-9);
      }
      for (const group of view.groups) {
        const sum = group.items.reduce((a, k) => a + weights[k], 0);
        totals[group.id].textContent = "Σ " + num(sum, 2);
      }
    },
    note(key, nodes) {
      const r = rows[key];
      r.note.replaceChildren(...nodes);
    },
  };
}
