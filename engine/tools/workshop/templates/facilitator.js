// Facilitator page: sliders → /api/weights → impact; votes polled; adopt; save.
const view = BOOT.view;
let weights = Object.assign({}, view.weights);
let votes = BOOT.votes;
const SVG = "http://www.w3.org/2000/svg";

document.getElementById("meta").textContent = [view.title, "v" + view.version, view.cycle].join(" · ");
document.getElementById("lang-switch").href = langLink(BOOT.other_lang);
document.getElementById("save-hint").textContent = t("save_hint", {file: BOOT.file});

// ---- weights: move locally at once, let the server re-score; one request in flight, the latest wins
let inflight = false;
let pending = null;
let waiters = [];
// resolves once every weight moved on the page has reached the server (save, reset and adopt wait for it)
function settled() {
  return !inflight && !pending ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
}
const panel = weightPanel(document.getElementById("weights"), view, (group, key, value) => {
  weights = moveWeight(weights, group, key, value);
  panel.update(weights, view.start);
  pending = {key, value};
  pump();
});
async function pump() {
  if (inflight || !pending) return;
  const body = pending;
  pending = null;
  inflight = true;
  try {
    const result = await api("api/weights", body);
    if (!pending) { weights = result.weights; panel.update(weights, view.start); scheduleCheck(); }
    renderImpact(result.impact);
  } catch (e) {
    showError(document.getElementById("save-result"), e);
  } finally {
    inflight = false;
    pump();
    if (!inflight && !pending) { const ready = waiters; waiters = []; ready.forEach((resolve) => resolve()); }
  }
}
async function replaceAll(path) {
  await settled();
  const result = await api(path, {});
  weights = result.weights;
  panel.update(weights, view.start);
  renderImpact(result.impact);
  scheduleCheck();
}
// would saving be refused (e.g. a rule's shift: takes more points than a dimension has left)? say so early
let checkTimer = null;
function scheduleCheck() {
  clearTimeout(checkTimer);
  checkTimer = setTimeout(async () => {
    try {
      const r = await api("api/check");
      const box = document.getElementById("check-result");
      box.replaceChildren(r.problems.length ? el("div", {class: "message error"}, el("div", {text: t("would_be_refused")}),
        el("ul", {}, r.problems.map((m) => el("li", {text: m})))) : "");
    } catch (e) { /* advisory only */ }
  }, 400);
}
document.getElementById("reset").addEventListener("click", () => replaceAll("api/reset").catch((e) =>
  showError(document.getElementById("save-result"), e)));
document.getElementById("adopt").addEventListener("click", () => replaceAll("api/adopt").catch((e) =>
  showError(document.getElementById("save-result"), e)));
// ---- participant links: one per person, each holds one ballot
function renderLinks(links) {
  document.getElementById("links").replaceChildren(...links.map((link) => {
    const input = el("input", {readonly: true, value: link.url, "aria-label": t("participant_link") + " " + link.label});
    const copy = el("button", {type: "button", text: t("copy"), onclick: async (ev) => {
      input.select();
      try { await navigator.clipboard.writeText(input.value); } catch (e) { document.execCommand("copy"); }
      ev.target.textContent = t("copied");
      setTimeout(() => { ev.target.textContent = t("copy"); }, 1500);
    }});
    return el("div", {class: "link-box", "data-link": link.label}, el("span", {class: "small", text: "#" + link.label}),
      input, copy, el("span", {class: "small", text: link.voted ? t("voted") : t("not_voted")}));
  }));
}
document.getElementById("new-link").addEventListener("click", async () => {
  try { renderLinks((await api("api/links", {})).links); }
  catch (e) { showError(document.getElementById("save-result"), e); }
});
renderLinks(BOOT.links);

// ---- impact
function renderImpact(impact) {
  const ch = impact.changed;
  document.getElementById("stat-changes").replaceChildren(
    el("div", {class: "label", text: t("grade_changes")}),
    el("div", {class: "value", id: "changed-count", text: num(ch.total, 0)}),
    el("div", {class: "sub"}, el("span", {text: t("changed_of", {n: num(ch.total, 0), total: num(impact.population, 0)}) + " · "}),
      el("span", {class: "up", text: "▲ " + num(ch.up, 0)}), el("span", {text: "  "}),
      el("span", {class: "down", text: "▼ " + num(ch.down, 0)})));
  const b = impact.bonus;
  const bonusBox = document.getElementById("stat-bonus");
  if (b) {
    const share = b.budget > 0 ? b.after / b.budget : 0;
    const over = b.after > b.budget;
    const bar = el("div", {class: "budget-bar" + (over ? " over" : "")}, el("span"));
    bar.firstChild.style.width = Math.min(100, share * 100).toFixed(1) + "%";
    bonusBox.replaceChildren(
      el("div", {class: "label", text: t("bonus_cost")}),
      el("div", {class: "value", id: "bonus-total", text: money(b.after, b.currency)}),
      el("div", {class: "sub", text: t("of_budget", {pct: num(share * 100, 1) + "%", budget: money(b.budget, b.currency)})}),
      bar,
      el("div", {class: "sub " + (over ? "over-text" : "under-text"),
        text: b.after === b.budget ? "" : t(over ? "over_budget" : "under_budget", {amount: money(Math.abs(b.after - b.budget), b.currency)})}));
  } else {
    bonusBox.replaceChildren(el("div", {class: "label", text: t("bonus_cost")}), el("div", {class: "value", text: "–"}));
  }
  document.getElementById("stat-population").replaceChildren(
    el("div", {class: "label", text: t("population")}),
    el("div", {class: "value", text: num(impact.population, 0)}),
    el("div", {class: "sub", id: "elapsed", text: t("rescored_in", {ms: num(impact.elapsed_ms, 1)})}),
    impact.unscored > 0 ? el("div", {class: "sub over-text", text: t("unscored", {n: impact.unscored})}) : "");
  renderGrades(impact.grades);
  renderBreakdowns(impact.breakdowns);
  renderPeople(impact);
}

function cap(text) { return text.charAt(0).toUpperCase() + text.slice(1); }
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}
function renderGrades(grades) {
  const W = 640, H = 230, top = 22, bottom = 28, left = 8;
  const max = Math.max(1, ...grades.map((g) => Math.max(g.before, g.after)));
  const band = (W - left * 2) / grades.length;
  const barW = Math.min(46, band * 0.32);
  const chart = svg("svg", {viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", id: "grade-chart",
    "aria-label": t("grade_distribution")});
  chart.append(svg("line", {x1: left, x2: W - left, y1: H - bottom, y2: H - bottom, stroke: "#cbd5e1"}));
  grades.forEach((g, i) => {
    const cx = left + band * i + band / 2;
    const scale = (v) => (H - top - bottom) * v / max;
    [["before", "#cbd5e1", cx - barW - 2], ["after", "#4338ca", cx + 2]].forEach(([key, color, x]) => {
      const h = scale(g[key]);
      chart.append(svg("rect", {x: x, y: H - bottom - h, width: barW, height: Math.max(h, 0.5), rx: 3, fill: color,
        "data-grade": g.grade, "data-series": key, "data-count": g[key]}));
      chart.append(svg("text", {x: x + barW / 2, y: H - bottom - h - 5, "text-anchor": "middle",
        class: key === "before" ? "muted" : ""}, num(g[key], 0)));
    });
    chart.append(svg("text", {x: cx, y: H - 9, "text-anchor": "middle", "font-weight": "600"}, g.grade));
  });
  document.getElementById("grades").replaceChildren(chart);
}
function renderBreakdowns(breakdowns) {
  const box = document.getElementById("breakdowns");
  box.replaceChildren(...breakdowns.map((b) => {
    const maxDelta = Math.max(0.01, ...b.rows.map((r) => Math.abs(r.delta || 0)));
    const table = el("table", {"data-attribute": b.attribute},
      el("thead", {}, el("tr", {}, el("th", {text: t("group")}), el("th", {class: "num", text: t("people")}),
        el("th", {class: "num", text: t("before")}), el("th", {class: "num", text: t("after")}),
        el("th", {class: "num", text: t("change")}), el("th", {}))),
      el("tbody", {}, b.rows.map((r) => {
        const bar = el("span", {class: "bar " + (r.delta >= 0 ? "pos" : "neg")});
        bar.style.width = (Math.abs(r.delta || 0) / maxDelta * 60).toFixed(1) + "px";
        return el("tr", {},
          el("td", {text: b.translate ? t(r.group) : (r.group === null ? "–" : r.group)}),
          el("td", {class: "num", text: num(r.n, 0)}), el("td", {class: "num", text: fixed(r.before)}),
          el("td", {class: "num", text: fixed(r.after)}),
          el("td", {class: "num " + (r.delta > 0 ? "pos" : r.delta < 0 ? "neg" : ""), text: signed(r.delta)}),
          el("td", {}, bar));
      })));
    const name = T[b.attribute] ? t(b.attribute) : b.attribute;
    return el("section", {class: "card"}, el("h2", {text: t("mean_score_by", {attribute: name})}),
      b.total > b.rows.length ? el("p", {class: "hint", text: t("largest_changes", {shown: b.rows.length, total: b.total})}) : null,
      table);
  }));
}
function renderPeople(impact) {
  const box = document.getElementById("people");
  const people = impact.people || [];
  if (!people.length) { box.replaceChildren(el("p", {class: "small", text: t("nobody_changes")})); return; }
  const currency = impact.bonus ? impact.bonus.currency : "CNY";
  box.replaceChildren(el("table", {id: "people-table"},
    el("thead", {}, el("tr", {}, el("th", {text: t("name")}), el("th", {text: impact.people_group ? cap(T[impact.people_group] ? t(impact.people_group) : impact.people_group) : ""}),
      el("th", {class: "num", text: t("score")}), el("th", {class: "num", text: t("grade")}),
      el("th", {class: "num", text: t("bonus")}))),
    el("tbody", {}, people.map((p) => el("tr", {},
      el("td", {text: p.name || p.id}), el("td", {text: p.group || ""}),
      el("td", {class: "num", text: fixed(p.score0) + " → " + fixed(p.score)}),
      el("td", {class: "num"}, el("span", {class: "pill", text: p.grade0 || "–"}), " → ",
        el("span", {class: "pill " + (impact.grades.findIndex((g) => g.grade === p.grade)
          < impact.grades.findIndex((g) => g.grade === p.grade0) ? "up" : "down"), text: p.grade || "–"})),
      el("td", {class: "num", text: money(p.bonus0, currency) + " → " + money(p.bonus, currency)}))))),
    impact.more_people ? el("p", {class: "small", text: t("more_people", {n: num(impact.more_people, 0)})}) : "");
}

// ---- votes
function renderVotes() {
  const names = votes.names;
  document.getElementById("vote-names").textContent = names.length
    ? t("n_votes", {n: names.length, names: names.join(", ")}) : t("no_votes");
  document.getElementById("adopt").disabled = names.length === 0;
  const items = votes.items;
  const keys = view.groups.flatMap((g) => g.items).filter((k) => items[k]);
  const table = keys.length ? el("table", {id: "vote-table-inner"},
    el("thead", {}, el("tr", {}, el("th", {text: t("item")}), el("th", {class: "num", text: t("current")}),
      el("th", {class: "num", text: t("median")}), el("th", {class: "num", text: t("iqr")}),
      el("th", {class: "num", text: t("range")}))),
    el("tbody", {}, keys.map((k) => {
      const v = items[k];
      return el("tr", {"data-key": k}, el("td", {text: (k.includes(".") ? "  · " : "") + view.labels[k]}),
        el("td", {class: "num", text: num(weights[k])}), el("td", {class: "num median", text: num(v.median)}),
        el("td", {class: "num", text: num(v.q1, 1) + "–" + num(v.q3, 1)}),
        el("td", {class: "num", text: num(v.low, 1) + "–" + num(v.high, 1)}));
    }))) : "";
  document.getElementById("vote-table").replaceChildren(table);
  for (const g of view.groups) for (const k of g.items) {
    const v = items[k];
    const start = el("span", {text: t("start") + " " + num(view.start[k])});
    panel.note(k, v ? [start, " · ", el("span", {class: "median", text: t("median") + " " + num(v.median)}),
      " (" + t("iqr") + " " + num(v.q1, 1) + "–" + num(v.q3, 1) + ", n=" + v.votes + ")"] : [start]);
  }
}
async function pollVotes() {
  try {
    const fresh = await api("api/votes");
    if (JSON.stringify(fresh) !== JSON.stringify(votes)) {
      votes = fresh;
      renderVotes();
      renderLinks((await api("api/links")).links);
    }
  } catch (e) { /* the server may be gone; keep the page */ }
}
setInterval(pollVotes, 2000);

// ---- save
function showError(box, e) {
  const messages = (e.data && e.data.messages) || [];
  box.replaceChildren(el("div", {class: "message error"},
    el("div", {text: e.data && e.data.error === "save_refused" ? t("save_refused")
      : e.data && e.data.error === "save_conflict" ? t("save_conflict") : t("error", {message: e.message})}),
    messages.length ? el("ul", {}, messages.map((m) => el("li", {text: m}))) : null));
}
document.getElementById("save").addEventListener("click", async () => {
  const box = document.getElementById("save-result");
  try {
    await settled();
    const r = await api("api/save", {});
    document.getElementById("check-result").replaceChildren();
    if (!r.changed) { box.replaceChildren(el("div", {class: "message ok", text: t("nothing_to_save")})); return; }
    view.version = r.version;
    document.getElementById("meta").textContent = [view.title, "v" + view.version, view.cycle].join(" · ");
    const pre = el("pre", {class: "diff", id: "diff"}, r.diff.split("\n").map((line) => el("span", {
      class: line.startsWith("@@") ? "hunk" : line.startsWith("+") && !line.startsWith("+++") ? "add"
        : line.startsWith("-") && !line.startsWith("---") ? "del" : "", text: line + "\n"})));
    box.replaceChildren(el("div", {class: "message ok", text: t("saved", {file: BOOT.file, version: r.version})}), pre);
  } catch (e) { showError(box, e); }
});

panel.update(weights, view.start);
renderImpact(BOOT.impact);
renderVotes();
