// Presenter page (the projector): aggregates only.  No names, no individual figures, groups of at least
// privacy.min_group people; it follows the facilitator's moves by polling /api/present.
document.getElementById("lang-switch").href = langLink(BOOT.other_lang);
let shown = "";

function groupTitle(view, group) {
  return group.dimension === null ? t("dimensions") : t("kpis_of", {dimension: view.labels[group.card + "/" + group.dimension]});
}
function renderWeights(view) {
  const multipleCards = new Set(view.groups.map((g) => g.card)).size > 1;
  let lastCard = null;
  const blocks = [];
  for (const group of view.groups) {
    if (multipleCards && group.card !== lastCard) blocks.push(el("div", {class: "scorecard-title", text: view.labels[group.card]}));
    lastCard = group.card;
    blocks.push(el("div", {class: "wgroup" + (group.dimension === null ? "" : " kpis")},
      el("h3", {text: groupTitle(view, group)}),
      group.items.map((k) => {
        const w = view.weights[k];
        const fill = el("span");
        fill.style.width = Math.max(0, Math.min(100, w)) + "%";
        const changed = Math.abs(w - view.start[k]) > 1e-9;
        return el("div", {class: "wrow" + (changed ? " changed" : ""), "data-key": k},
          el("span", {class: "wlabel", text: view.labels[k]}), el("span", {class: "wbar"}, fill),
          el("span", {class: "wvalue", text: num(w)}),
          el("span", {class: "wstart", text: changed ? t("start") + " " + num(view.start[k]) : ""}));
      })));
  }
  document.getElementById("weight-bars").replaceChildren(...blocks);
}
function renderTally(view, votes) {
  document.getElementById("vote-count").textContent = votes.count ? t("n_ballots", {n: num(votes.count, 0)}) : t("no_votes");
  const table = tallyTable(view, votes, null);
  document.getElementById("tally").replaceChildren(votes.withheld
    ? el("p", {class: "hint", id: "tally-withheld", text: t("tally_withheld", {n: votes.count, k: votes.min_group})})
    : table ? el("div", {class: "table-wrap"}, table) : "");
  document.getElementById("stats-note").classList.toggle("hidden", !table);
}
function renderJoin(join) {
  const box = document.getElementById("join");
  box.classList.toggle("hidden", !join);
  if (!join) return;
  const code = svg("svg", {viewBox: `0 0 ${join.qr.size} ${join.qr.size}`, class: "qr", id: "join-code", role: "img",
    "aria-label": join.url, "shape-rendering": "crispEdges"});
  code.append(svg("rect", {width: join.qr.size, height: join.qr.size, fill: "#fff"}), svg("path", {d: join.qr.path, fill: "#000"}));
  document.getElementById("join-qr").replaceChildren(code);
  document.getElementById("join-url").textContent = join.url.split("?")[0];
}
function render(data) {
  const key = JSON.stringify(data);
  if (key === shown) return;
  shown = key;
  const p = data.present;
  const view = p.view;
  document.getElementById("meta").textContent = [view.title, "v" + view.version, view.cycle].join(" · ");
  renderWeights(view);
  renderTally(view, p.votes);
  renderJoin(data.join);
  const withheld = document.getElementById("results-withheld");
  withheld.classList.toggle("hidden", !!p.impact);
  withheld.textContent = p.impact ? "" : t("results_withheld", {k: p.min_group});
  for (const id of ["stats", "grades-card", "breakdowns"]) document.getElementById(id).classList.toggle("hidden", !p.impact);
  if (!p.impact) return;
  renderStats(p.impact, {changes: "stat-changes", bonus: "stat-bonus", population: "stat-population"});
  renderGrades(document.getElementById("grades"), p.impact.grades);
  renderBreakdowns(document.getElementById("breakdowns"), p.impact.breakdowns, p.min_group);
}
render({present: BOOT.present, join: BOOT.join});
let polling = false;
setInterval(async () => {
  if (polling) return;
  polling = true;
  try { render(await api("api/present")); } catch (e) { /* the server may be gone; keep the last picture */ }
  finally { polling = false; }
}, 1000);
