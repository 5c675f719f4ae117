// Participant page: weights only (no employee data), propose, submit.  A named ballot (roster or ad-hoc link) can be
// changed: the page sends the revision it shows, and a ballot changed meanwhile from another browser is reloaded
// instead of overwritten.  A secret ballot (one-time code) is final.
document.getElementById("lang-switch").href = langLink(BOOT.other_lang);
(async function () {
  const status = document.getElementById("status");
  const say = (cls, text, id) => status.replaceChildren(el("div", {class: "message " + cls, id: id, text: text}));
  let data;
  try {
    data = await api("api/ballot");
  } catch (e) {
    say("error", t("error", {message: e.message}));
    return;
  }
  const view = data.view;
  document.getElementById("meta").textContent = [view.title, "v" + view.version, view.cycle].join(" · ");
  let weights = Object.assign({}, data.ballot ? data.ballot.weights : view.start);
  let revision = data.revision;
  const name = document.getElementById("voter-name");
  const code = document.getElementById("voter-code");
  document.getElementById("name-field").classList.toggle("hidden", data.secret || !!data.person);
  document.getElementById("code-field").classList.toggle("hidden", !data.secret);
  document.getElementById("secret-hint").classList.toggle("hidden", !data.secret);
  document.getElementById("change-hint").classList.toggle("hidden", data.secret);
  if (data.person) document.getElementById("voting-as").textContent = t("voting_as", {name: data.person});
  if (data.ballot) name.value = data.ballot.name;
  const panel = weightPanel(document.getElementById("weights"), view, (group, key, value) => {
    weights = moveWeight(weights, group, key, value);
    panel.update(weights, view.start);
  });
  for (const g of view.groups) for (const k of g.items) panel.note(k, [t("start") + " " + num(view.start[k])]);
  panel.update(weights, view.start);
  const submit = document.getElementById("submit");
  let wait = 0;                       // until when (ms) the server asked this page to wait before another code
  submit.addEventListener("click", async () => {
    if (data.secret && !code.value.trim()) { say("error", t("code_required")); code.focus(); return; }
    if (!data.secret && !data.person && !name.value.trim()) { say("error", t("name_required")); name.focus(); return; }
    const body = data.secret ? {code: code.value, weights} : {name: name.value, weights, revision};
    submit.disabled = true;
    try {
      const r = await api("api/vote", body);
      if (data.secret) {
        say("ok", t("secret_cast"), "vote-ok");
        code.disabled = true;
        return;                       // a code votes once: the button stays disabled
      }
      const first = revision === 0;
      revision = r.revision;
      say("ok", first ? t("vote_recorded", {name: r.name}) : t("vote_updated", {name: r.name, revision: r.revision}), "vote-ok");
    } catch (e) {
      const c = e.data && e.data.code;
      if (c === "vote_stale") {       // another browser with this link voted: show that ballot, do not overwrite it
        const fresh = await api("api/ballot");
        revision = fresh.revision;
        if (fresh.ballot) { weights = Object.assign({}, fresh.ballot.weights); name.value = fresh.ballot.name; }
        panel.update(weights, view.start);
        say("error", t("vote_stale", {revision: fresh.revision}), "vote-stale");
      } else if (c === "code_throttled") {  // too many wrong codes from here: the button waits as the server says
        say("error", e.message, "vote-throttled");
        wait = Date.now() + 1000 * (e.data.seconds || 1);
        setTimeout(() => { if (!code.disabled) submit.disabled = false; }, 1000 * (e.data.seconds || 1));
      } else if (c) say("error", e.message);
      else say("error", t(e.message === "name_required" ? "name_required" : "error", {message: e.message}));
    } finally {
      if (!(data.secret && code.disabled) && Date.now() >= wait) submit.disabled = false;
    }
  });
})();
