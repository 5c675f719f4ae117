// Shared by the facilitator's and the presenter's pages: the headline figures, the grade chart, the means by group.
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

// ids: {changes, bonus, population}; population's "re-scored in" line only where the impact carries it
function renderStats(impact, ids) {
  const ch = impact.changed;
  const count = (n) => (n === null ? "–" : num(n, 0));   // null: a handful of people, withheld (presenter)
  document.getElementById(ids.changes).replaceChildren(
    el("div", {class: "label", text: t("grade_changes")}),
    el("div", {class: "value", id: "changed-count", text: count(ch.total)}),
    el("div", {class: "sub"}, el("span", {text: t("changed_of", {n: count(ch.total), total: num(impact.population, 0)}) + " · "}),
      el("span", {class: "up", text: "▲ " + count(ch.up)}), el("span", {text: "  "}),
      el("span", {class: "down", text: "▼ " + count(ch.down)})));
  const b = impact.bonus;
  const bonusBox = document.getElementById(ids.bonus);
  if (b && b.after === null) {
    bonusBox.replaceChildren(
      el("div", {class: "label", text: t("bonus_cost")}),
      el("div", {class: "value", id: "bonus-total", text: "–"}),
      el("div", {class: "sub", text: t("bonus_withheld", {k: impact.min_group})}),
      el("div", {class: "sub", text: t("budget_is", {budget: money(b.budget, b.currency)})}));
  } else if (b) {
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
  const population = [el("div", {class: "label", text: t("population")}), el("div", {class: "value", text: num(impact.population, 0)})];
  if (impact.elapsed_ms !== undefined) population.push(el("div", {class: "sub", id: "elapsed", text: t("rescored_in", {ms: num(impact.elapsed_ms, 1)})}));
  if (impact.unscored > 0) population.push(el("div", {class: "sub over-text", text: t("unscored", {n: impact.unscored})}));
  document.getElementById(ids.population).replaceChildren(...population);
}

// Grade counts before/after.  Text is sized in the chart's own units so that it stays >= 14 px on screen
// down to a chart 460 px wide (the chart is 640 units wide).
function renderGrades(box, grades) {
  const W = 640, H = 250, top = 30, bottom = 38, left = 8, FONT = 20;
  const max = Math.max(1, ...grades.map((g) => Math.max(g.before || 0, g.after || 0)));
  const band = (W - left * 2) / grades.length;
  const barW = Math.min(50, band * 0.34);
  const chart = svg("svg", {viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", id: "grade-chart",
    "aria-label": t("grade_distribution")});
  chart.append(svg("line", {x1: left, x2: W - left, y1: H - bottom, y2: H - bottom, stroke: "#94a3b8"}));
  grades.forEach((g, i) => {
    const cx = left + band * i + band / 2;
    const scale = (v) => (H - top - bottom) * v / max;
    [["before", "#94a3b8", cx - barW - 3], ["after", "#4338ca", cx + 3]].forEach(([key, color, x]) => {
      const hidden = g[key] === null;   // withheld on the presenter view: a handful of people
      const h = hidden ? 0 : scale(g[key]);
      chart.append(svg("rect", {x: x, y: H - bottom - h, width: barW, height: Math.max(h, 0.5), rx: 3, fill: color,
        "data-grade": g.grade, "data-series": key, "data-count": hidden ? "" : g[key]}));
      chart.append(svg("text", {x: x + barW / 2, y: H - bottom - h - 7, "text-anchor": "middle", "font-size": FONT,
        class: key === "before" ? "muted" : ""}, hidden ? "–" : num(g[key], 0)));
    });
    chart.append(svg("text", {x: cx, y: H - 10, "text-anchor": "middle", "font-weight": "600", "font-size": FONT + 2}, g.grade));
  });
  box.replaceChildren(chart);
}

// Mean score by team, region, tenure.  A withheld group (fewer than privacy.min_group people, or one that would
// reveal such a group) shows its head count only.
function renderBreakdowns(box, breakdowns, minGroup) {
  box.replaceChildren(...breakdowns.map((b) => {
    const maxDelta = Math.max(0.01, ...b.rows.map((r) => Math.abs(r.delta || 0)));
    const table = el("table", {"data-attribute": b.attribute},
      el("thead", {}, el("tr", {}, el("th", {text: t("group")}), el("th", {class: "num", text: t("people")}),
        el("th", {class: "num", text: t("before")}), el("th", {class: "num", text: t("after")}),
        el("th", {class: "num", text: t("change")}), el("th", {class: "bar-cell"}))),
      el("tbody", {}, b.rows.map((r) => {
        const label = b.translate ? t(r.group) : (r.group === null ? "–" : r.group);
        if (r.withheld) {
          return el("tr", {class: "withheld", "data-withheld": "1"}, el("td", {text: label}),
            el("td", {class: "num", text: num(r.n, 0)}),
            el("td", {class: "num muted", colspan: "3", text: t("withheld_group", {k: minGroup})}), el("td", {class: "bar-cell"}));
        }
        const bar = el("span", {class: "bar " + (r.delta >= 0 ? "pos" : "neg")});
        bar.style.width = (Math.abs(r.delta || 0) / maxDelta * 60).toFixed(1) + "px";
        return el("tr", {},
          el("td", {text: label}),
          el("td", {class: "num", text: num(r.n, 0)}), el("td", {class: "num", text: fixed(r.before)}),
          el("td", {class: "num", text: fixed(r.after)}),
          el("td", {class: "num " + (r.delta > 0 ? "pos" : r.delta < 0 ? "neg" : ""), text: signed(r.delta)}),
          el("td", {class: "bar-cell"}, bar));
      })));
    const name = T[b.attribute] ? t(b.attribute) : b.attribute;
    return el("section", {class: "card"}, el("h2", {text: t("mean_score_by", {attribute: name})}),
      b.total > b.rows.length ? el("p", {class: "hint", text: t("largest_changes", {shown: b.rows.length, total: b.total})}) : null,
      b.withheld ? el("p", {class: "hint", text: t("withheld_note", {k: minGroup})}) : null,
      el("div", {class: "table-wrap"}, table));
  }));
}

// The tally: median (IQR) and min–max of the normalised ballots, and what adopting sets.
function tallyTable(view, votes, current) {
  const items = votes.items;
  const keys = view.groups.flatMap((g) => g.items).filter((k) => items[k]);
  if (!keys.length) return null;
  return el("table", {id: "vote-table-inner"},
    el("thead", {}, el("tr", {}, el("th", {text: t("item")}),
      current ? el("th", {class: "num", text: t("current")}) : null,
      el("th", {class: "num", text: t("median") + " (" + t("iqr") + ")"}),
      el("th", {class: "num", text: t("range")}), el("th", {class: "num", text: t("adopt_col")}))),
    el("tbody", {}, keys.map((k) => {
      const v = items[k];
      return el("tr", {"data-key": k}, el("td", {class: k.includes(".") ? "sub-item" : "", text: view.labels[k]}),
        current ? el("td", {class: "num", text: num(current[k])}) : null,
        el("td", {class: "num"}, el("span", {class: "median", text: num(v.median, 1)}),
          el("span", {class: "muted", text: " (" + num(v.q1, 1) + "–" + num(v.q3, 1) + ")"})),
        el("td", {class: "num muted", text: num(v.low, 1) + "–" + num(v.high, 1)}),
        el("td", {class: "num adopt", text: num(v.adopt, 0)}));
    })));
}
