// Facilitator page: sliders → /api/weights → impact; votes polled; adopt; save.
const view = BOOT.view;
let weights = Object.assign({}, view.weights);
let votes = BOOT.votes;

document.getElementById("meta").textContent = [view.title, "v" + view.version, view.cycle].join(" · ");
document.getElementById("lang-switch").href = langLink(BOOT.other_lang);
document.getElementById("save-hint").textContent = t("save_hint", {file: BOOT.file});
document.getElementById("presenter-link").href = BOOT.presenter;
document.getElementById("print-link").href = "print" + location.search;   // the same token and language

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
async function replaceAll(path, body) {
  await settled();
  const result = await api(path, body || {});
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
document.getElementById("adopt").addEventListener("click", () => replaceAll("api/adopt", {
  precision: document.getElementById("adopt-cents").checked ? "cents" : "whole"}).catch((e) =>
  showError(document.getElementById("save-result"), e)));
// ---- participant links: one per person (ad-hoc or signed from the roster), or a secret ballot's shared link
function showQR(label, box) {
  api("api/qr?label=" + encodeURIComponent(label)).then((q) => {
    const code = svg("svg", {viewBox: `0 0 ${q.size} ${q.size}`, class: "qr", role: "img", "aria-label": q.url,
      "shape-rendering": "crispEdges"}, undefined);
    code.append(svg("rect", {width: q.size, height: q.size, fill: "#fff"}), svg("path", {d: q.path, fill: "#000"}));
    box.replaceChildren(code);
  }).catch((e) => showError(document.getElementById("save-result"), e));
}
function renderLinks(links) {
  document.getElementById("links-hint").textContent = BOOT.mode === "roster" ? t("roster_links")
    : BOOT.mode === "codes" ? t("ballot_link") : t("links_hint");
  document.getElementById("new-link").classList.toggle("hidden", BOOT.mode !== "links");
  document.getElementById("links").replaceChildren(...links.map((link) => {
    const input = el("input", {readonly: true, value: link.url, "aria-label": t("participant_link") + " " + link.label});
    const qrBox = el("div", {class: "qr-box"});
    const copy = el("button", {type: "button", text: t("copy"), onclick: async (ev) => {
      input.select();
      try { await navigator.clipboard.writeText(input.value); } catch (e) { document.execCommand("copy"); }
      ev.target.textContent = t("copied");
      setTimeout(() => { ev.target.textContent = t("copy"); }, 1500);
    }});
    const qrButton = el("button", {type: "button", class: "qr-button", text: t("qr"),
      onclick: () => (qrBox.firstChild ? qrBox.replaceChildren() : showQR(link.id || link.label, qrBox))});
    const tag = BOOT.mode === "links" ? "#" + link.label : BOOT.mode === "codes" ? t("secret_ballot") : link.label;
    return el("div", {class: "link-item", "data-link": link.id || link.label},
      el("div", {class: "link-box"}, el("span", {class: "small link-label", text: tag}), input, copy, qrButton,
        BOOT.mode === "codes" ? null : el("span", {class: "small", text: link.voted ? t("voted") : t("not_voted")})),
      qrBox);
  }));
}
document.getElementById("new-link").addEventListener("click", async () => {
  try { renderLinks((await api("api/links", {})).links); }
  catch (e) { showError(document.getElementById("save-result"), e); }
});
renderLinks(BOOT.links);

// ---- impact
function renderImpact(impact) {
  renderStats(impact, {changes: "stat-changes", bonus: "stat-bonus", population: "stat-population"});
  renderGrades(document.getElementById("grades"), impact.grades);
  renderBreakdowns(document.getElementById("breakdowns"), impact.breakdowns, impact.min_group);
  renderPeople(impact);
}

function cap(text) { return text.charAt(0).toUpperCase() + text.slice(1); }
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

// ---- votes: all statistics on one scale (each ballot normalised to 100 per group)
function renderVotes() {
  const names = votes.names;
  const box = document.getElementById("vote-names");
  if (!votes.count) box.textContent = t("no_votes");
  else if (votes.mode === "codes") box.textContent = t("n_ballots", {n: num(votes.count, 0)})
    + (votes.codes_left !== null ? " · " + t("codes_left", {n: num(votes.codes_left, 0)}) : "");
  else if (votes.mode === "roster") box.textContent = t("roster_voted", {n: votes.count, total: votes.eligible}) + ": " + names.join(", ");
  else box.textContent = t("n_votes", {n: names.length, names: names.join(", ")});
  if (votes.guesses_refused) box.textContent += " · " + t("guesses_refused", {n: num(votes.guesses_refused, 0)});
  const keys = Object.keys(votes.items);
  document.getElementById("adopt").disabled = keys.length === 0;
  document.getElementById("vote-withheld").replaceChildren(votes.withheld
    ? el("p", {class: "hint", text: t("tally_withheld", {n: votes.count, k: votes.min_group})}) : "");
  const table = tallyTable(view, votes, weights);
  document.getElementById("vote-table").replaceChildren(table ? el("div", {class: "table-wrap"}, table) : "");
  document.getElementById("stats-note").classList.toggle("hidden", !table);
  for (const g of view.groups) for (const k of g.items) {
    const v = votes.items[k];
    const start = el("span", {text: t("start") + " " + num(view.start[k])});
    panel.note(k, v ? [start, " · ", el("span", {class: "median", text: t("median") + " " + num(v.median, 1)}),
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
    box.replaceChildren(el("div", {class: "message ok", text: t("saved", {file: BOOT.file, version: r.version})
      + (r.tally_file ? " " + t("tally_saved", {file: r.tally_file.split(/[\\/]/).pop()}) : "")}), pre);
  } catch (e) { showError(box, e); }
});

panel.update(weights, view.start);
renderImpact(BOOT.impact);
renderVotes();
