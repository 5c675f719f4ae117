// Participant page: weights only (no employee data), propose, submit; resubmitting replaces the vote.
document.getElementById("lang-switch").href = langLink(BOOT.other_lang);
(async function () {
  const status = document.getElementById("status");
  let data;
  try {
    data = await api("api/ballot");
  } catch (e) {
    status.replaceChildren(el("div", {class: "message error", text: t("error", {message: e.message})}));
    return;
  }
  const view = data.view;
  document.getElementById("meta").textContent = [view.title, "v" + view.version, view.cycle].join(" · ");
  let weights = Object.assign({}, data.ballot ? data.ballot.weights : view.start);
  const name = document.getElementById("voter-name");
  if (data.ballot) name.value = data.ballot.name;
  const panel = weightPanel(document.getElementById("weights"), view, (group, key, value) => {
    weights = moveWeight(weights, group, key, value);
    panel.update(weights, view.start);
  });
  for (const g of view.groups) for (const k of g.items) panel.note(k, [t("start") + " " + num(view.start[k])]);
  panel.update(weights, view.start);
  document.getElementById("submit").addEventListener("click", async () => {
    if (!name.value.trim()) {
      status.replaceChildren(el("div", {class: "message error", text: t("name_required")}));
      name.focus();
      return;
    }
    try {
      const r = await api("api/vote", {name: name.value, weights});
      status.replaceChildren(el("div", {class: "message ok", id: "vote-ok", text: t("vote_recorded", {name: r.name})}));
    } catch (e) {
      status.replaceChildren(el("div", {class: "message error", text: t(e.message === "name_required" ? "name_required" : "error", {message: e.message})}));
    }
  });
})();
