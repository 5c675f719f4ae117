"""The workshop in a real room, in Chromium (issue 19): the presenter view on a 1024 px projector (no names, no
individual figures, no group under privacy.min_group, text large enough), the voting page on a 390 px phone (nothing
sticks out, sliders and boxes big enough to touch), and a roster-bound vote end to end (signed link, one ballot per
link, a second browser with the same link cannot overwrite it silently, the ballot in the store, the tally exported
with the saved ruleset).

One browser and two servers (a roster vote and a secret ballot) for the whole module.  Screenshots for the docs:
``APPRAISE_WORKSHOP_SCREENSHOTS=docs/screenshots pytest tests/test_workshop_room.py -k screenshots``.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from browser_support import NEEDS_CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
MIN_GROUP = 9          # the demo's teams have 7 to 10 people: some are withheld, some shown
ROSTER = [("p1", "Lina Zhou"), ("p2", "王芳"), ("p3", "Omar Haddad"), ("p4", "陈静"), ("p5", "Ada Park"),
          ("p6", "Tomás Ruiz")]

pytestmark = NEEDS_CHROMIUM

pytest.importorskip("playwright")
pytest.importorskip("uvicorn")
pytest.importorskip("segno")


def make_company(folder: Path, employees: int = 300) -> Path:
    """The demo company scored by a copy of rulesets/sales-team.yaml with privacy.min_group = MIN_GROUP."""
    from appraise.tools.demo import make_company as generate

    folder.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "rulesets" / "sales-team.yaml").read_text(encoding="utf-8")
    text = re.sub(r"^(version: .*)$", rf"\1\nprivacy: {{min_group: {MIN_GROUP}}}", text, count=1, flags=re.M)
    (folder / "sales-team.yaml").write_text(text, encoding="utf-8")
    (cycle,) = generate(folder, employees=employees, quarters=("2026-Q3",), ruleset=folder / "sales-team.yaml")
    return cycle


class Server:
    """A workshop under uvicorn in a thread on a free loopback port, voting as ``mode`` says, ballots in a store."""

    def __init__(self, cycle: Path, store: str, *, mode: str, codes: int = 0, locale: str | None = None):
        from appraise.tools.workshop.app import Tokens, create_app, facilitator_link, presenter_link
        from appraise.tools.workshop.session import Workshop
        from workshop_support import Served

        self.workshop = Workshop.from_cycle(cycle, locale=locale)
        self.codes = self.workshop.start_voting(mode=mode, roster=ROSTER if mode == "roster" else None, codes=codes,
                                                store=store)
        self.tokens = Tokens()
        self.app = create_app(self.workshop, self.tokens)
        self.served = Served(self.app)
        self.base = self.served.base
        self.facilitator = facilitator_link(self.base, self.tokens)
        self.presenter = presenter_link(self.base, self.tokens)

    def link(self, person: str) -> str:
        from appraise.tools.workshop import voting
        from appraise.tools.workshop.app import participant_link

        return participant_link(self.base, voting.sign(self.workshop.secret, self.workshop.session_id, person))

    def ballot_link(self) -> str:
        from appraise.tools.workshop.app import ballot_token, participant_link

        return participant_link(self.base, ballot_token(self.workshop))

    def stop(self) -> None:
        self.served.stop()


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> Path:
    return make_company(tmp_path_factory.mktemp("room") / "company")


@pytest.fixture(scope="module")
def roster_room(company):
    s = Server(company, f"sqlite:///{company.parent / 'roster.db'}", mode="roster")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def secret_room(company, tmp_path_factory):
    # its own copy of the ruleset: the roster room saves into the other one
    folder = tmp_path_factory.mktemp("secret")
    shutil.copytree(company.parent, folder / "company", ignore=shutil.ignore_patterns("*.db", "*.json"))
    s = Server(folder / "company" / company.name, f"sqlite:///{folder / 'secret.db'}", mode="codes", codes=12)
    yield s
    s.stop()


def open_page(browser, url: str, problems: list[str], width: int = 1280, height: int = 900, phone: bool = False,
              scale: int = 1):
    """A page in a fresh context that records console errors and any request off this server."""
    options = {"viewport": {"width": width, "height": height}, "device_scale_factor": scale}
    if phone:
        options.update(is_mobile=True, has_touch=True)
    context = browser.new_context(**options)
    page = context.new_page()
    host = "/".join(url.split("/", 3)[:3])
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if r.url.startswith((host, "data:")) else problems.append(f"network: {r.url}"))
    page.goto(url)
    return page


# every visible piece of text: its effective size in CSS px (SVG text scaled by its chart), and whether it is
# clipped by, or sticks out of, the card it is in
TEXT_SIZES = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (!n.textContent.trim()) continue;
    const e = n.parentElement;
    const r = e.getBoundingClientRect();
    if (!r.width || !r.height || getComputedStyle(e).visibility === "hidden") continue;
    let size = parseFloat(getComputedStyle(e).fontSize);
    if (e instanceof SVGElement) size = parseFloat(e.getAttribute("font-size") || size) * e.getScreenCTM().a;
    out.push({text: n.textContent.trim().slice(0, 40), size: Math.round(size * 10) / 10});
  }
  return out;
}"""

OVERFLOW = """(width) => {
  const bad = [];
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (!r.width) continue;
    if (r.right > width + 0.5 || r.left < -0.5) {
      bad.push(e.tagName + "." + e.className + " " + Math.round(r.left) + ".." + Math.round(r.right));
    }
    const card = e.closest(".card");
    if (card && card !== e && e.closest(".table-wrap") === null) {
      const c = card.getBoundingClientRect();
      if (r.right > c.right + 0.5 || r.left < c.left - 0.5) {
        bad.push("outside its card: " + e.tagName + "." + e.className);
      }
    }
  }
  return {scroll: document.documentElement.scrollWidth, bad: bad.slice(0, 10)};
}"""


def names_and_ids(workshop) -> list[str]:
    return [str(x) for x in workshop.baseline["name"].to_list() + workshop.baseline["id"].to_list() if x]


def test_the_presenter_view_shows_no_names_no_individual_figures_and_no_small_group(browser, secret_room):
    """The projector at 1024 px: aggregates only, means of groups of at least min_group people, text >= 16 px,
    the voting link's QR code; it follows the facilitator's moves."""
    from appraise.tools.workshop.qr import qr

    problems: list[str] = []
    w = secret_room.workshop
    page = open_page(browser, secret_room.presenter, problems, width=1024, height=768)
    page.wait_for_selector("#grade-chart rect")
    text = page.inner_text("body")
    html = page.content()
    shown = [n for n in names_and_ids(w) if re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]
    assert shown == []
    assert page.locator("#people-table").count() == 0 and "people" not in json.dumps(w.presenter_view())
    # no individual figures: no score or bonus of anyone appears (the presenter API carries none either)
    present = json.loads(page.evaluate("async () => JSON.stringify(await api('api/present'))"))
    keys: set[str] = set()

    def walk(x):
        if isinstance(x, dict):
            keys.update(x)
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(present)
    assert keys.isdisjoint({"name", "names", "people", "score0", "bonus0", "grade0", "more_people"})
    everything = json.dumps(present, ensure_ascii=False)
    assert [n for n in names_and_ids(w) if json.dumps(n, ensure_ascii=False) in everything] == []
    # every mean shown is of a group of at least min_group people; the smaller ones show their head count only
    rows = page.evaluate("""() => [...document.querySelectorAll('#breakdowns tbody tr')].map((tr) => ({
        n: Number(tr.cells[1].textContent.replace(/[^0-9]/g, '')), withheld: tr.dataset.withheld === '1',
        cells: [...tr.cells].map((c) => c.textContent)}))""")
    assert rows and any(not r["withheld"] for r in rows)
    teams = next(b for b in present["present"]["impact"]["breakdowns"] if b["attribute"] == "team")
    assert teams["withheld"] > 0                     # the teams of 7 and 8 people
    assert str(MIN_GROUP) in page.inner_text("#breakdowns .hint >> nth=-1") or \
        any(str(MIN_GROUP) in h for h in page.locator("#breakdowns .hint").all_inner_texts())
    for r in rows:
        if r["n"] < MIN_GROUP:
            assert r["withheld"], r
        if r["withheld"]:
            assert not re.search(r"\d+\.\d\d", " ".join(r["cells"][2:])), r
    # legible on a projector: every piece of text at least 16 px, nothing wider than the screen
    small = [t for t in page.evaluate(TEXT_SIZES) if t["size"] < 16]
    assert small == [], small[:5]
    assert page.evaluate(OVERFLOW, 1024)["scroll"] <= 1024
    # the QR code is the secret ballot's voting link, drawn inline
    link = secret_room.ballot_link()
    assert page.locator("#join-code path").get_attribute("d") == qr(link).path
    assert "<img" not in html
    # the Chinese projector stays Chinese after polling (the API answers in the page's language)
    zh = open_page(browser, secret_room.presenter + "&lang=zh-CN", problems, width=1024, height=768)
    zh.wait_for_selector("#grade-chart rect")
    zh.wait_for_timeout(1300)
    assert zh.inner_text('.wrow[data-key="sales_rep/results"] .wlabel') == "业绩贡献"
    zh.context.close()
    # the facilitator moves a weight: the projector follows
    w.move("sales_rep/results", 30)
    page.wait_for_function("() => document.querySelector('#changed-count').textContent !== '0'", timeout=10_000)
    assert page.locator('.wrow[data-key="sales_rep/results"] .wvalue').inner_text() == "30"
    w.reset()
    page.context.close()
    assert not problems, problems


def test_a_secret_ballot_is_tallied_on_the_projector_only_from_min_group_ballots(browser, secret_room):
    w = secret_room.workshop
    start = {k: float(v) for k, v in w.start_weights.items()}
    problems: list[str] = []
    page = open_page(browser, secret_room.ballot_link(), problems, width=390, height=844, phone=True)
    page.wait_for_selector('.row[data-key="sales_rep/results"]')
    assert page.locator("#voter-name").is_hidden() and page.locator("#voter-code").is_visible()
    page.fill("#voter-code", secret_room.codes[0].lower().replace("-", " "))   # typed loosely
    page.click("#submit")
    page.wait_for_selector("#vote-ok")
    assert page.locator("#submit").is_disabled()
    page.context.close()
    proposal = dict(start, **{"sales_rep/results": 40, "sales_rep/process": 25})   # 40 + 25 + 10 + 10 + 15 = 100
    for code in secret_room.codes[1:MIN_GROUP - 1]:
        w.vote_secret(code, proposal)
    presenter = open_page(browser, secret_room.presenter, problems, width=1024, height=768)
    presenter.wait_for_selector("#tally-withheld")
    assert str(MIN_GROUP) in presenter.inner_text("#tally-withheld")
    w.vote_secret(secret_room.codes[MIN_GROUP - 1], proposal)
    presenter.wait_for_selector('#vote-table-inner tr[data-key="sales_rep/results"]', timeout=10_000)
    # 8 ballots of 40 and one of 50 (the start): median 40, and the medians already sum to 100
    assert presenter.inner_text('#vote-table-inner tr[data-key="sales_rep/results"] .adopt') == "40"
    presenter.context.close()
    assert not problems, problems


def test_the_phone_voting_page_fits_and_its_controls_are_big_enough(browser, roster_room):
    problems: list[str] = []
    for lang in ("en", "zh-CN"):
        page = open_page(browser, roster_room.link("p2") + f"&lang={lang}", problems, width=390, height=844,
                         phone=True)
        page.wait_for_selector('.row[data-key="sales_rep/results.revenue"]')
        layout = page.evaluate(OVERFLOW, 390)
        assert layout["scroll"] <= 390 and layout["bad"] == [], layout
        sizes = page.evaluate("""() => [...document.querySelectorAll('input, button')].filter((e) => e.offsetParent)
            .map((e) => ({type: e.type, h: e.getBoundingClientRect().height, w: e.getBoundingClientRect().width}))""")
        assert {s["type"] for s in sizes} >= {"range", "number", "button"}
        assert [s for s in sizes if s["h"] < 44] == []
        assert [s for s in sizes if s["type"] == "range" and s["w"] < 200] == []    # room to move a thumb
        small = [t for t in page.evaluate(TEXT_SIZES) if t["size"] < 14]
        assert small == [], small[:5]
        assert "王芳" in page.inner_text("#voting-as")
        label = page.inner_text('.row[data-key="sales_rep/results"] label')
        assert label == ("业绩贡献" if lang == "zh-CN" else "Business results")    # the ruleset's labels, in the page's
        page.context.close()
    assert not problems, problems


def test_a_roster_bound_vote_end_to_end(browser, roster_room):
    """A signed link votes as its roster member; a second browser with the same link sees that ballot and cannot
    overwrite a newer one; the ballots are in the store with the ruleset version; the facilitator adopts the
    median (whole numbers) and saves; the tally is exported beside the ruleset."""
    from appraise.store.ballots import BallotBox

    problems: list[str] = []
    w = roster_room.workshop
    first = open_page(browser, roster_room.link("p1"), problems, width=390, height=844, phone=True)
    first.wait_for_selector('.row[data-key="sales_rep/results"]')
    assert first.inner_text("#voting-as").endswith("Lina Zhou") and first.locator("#voter-name").is_hidden()
    box = first.locator('.row[data-key="sales_rep/results"] input[type=number]')
    box.fill("60")
    box.press("Enter")
    first.click("#submit")
    first.wait_for_selector("#vote-ok")
    assert w.votes["person:p1"].name == "Lina Zhou" and w.votes["person:p1"].weights["sales_rep/results"] == 60
    # the same link in a second browser shows Lina's ballot (revision 1)
    second = open_page(browser, roster_room.link("p1"), [], width=390, height=844, phone=True)
    second.wait_for_selector('.row[data-key="sales_rep/results"]')
    assert second.locator('.row[data-key="sales_rep/results"] input[type=number]').input_value() == "60"
    # the first browser changes the vote (revision 2) ...
    box.fill("70")
    box.press("Enter")
    first.click("#submit")
    first.wait_for_function("() => document.querySelector('#vote-ok').textContent.includes('2')")
    # ... so the second, still showing revision 1, is refused and shown the ballot that is there
    other = second.locator('.row[data-key="sales_rep/results"] input[type=number]')
    other.fill("10")
    other.press("Enter")
    second_problems: list[str] = []
    second.on("console", lambda m: second_problems.append(m.text) if m.type == "error" else None)
    second.click("#submit")
    second.wait_for_selector("#vote-stale")
    assert other.input_value() == "70"
    assert [p for p in second_problems if "409" not in p] == []    # the refusal is the 409, nothing else
    assert w.votes["person:p1"].weights["sales_rep/results"] == 70 and w.votes["person:p1"].revision == 2
    first.context.close()
    second.context.close()
    # a forged link (another person's id under Lina's signature) opens nothing
    token = roster_room.link("p1").split("token=")[1]
    forged = "r." + __import__("base64").urlsafe_b64encode(b"p2").rstrip(b"=").decode() + "." + token.split(".")[2]
    page = open_page(browser, f"{roster_room.base}/vote?token={forged}", [], width=390, phone=True)
    assert "403" in page.inner_text("body")
    page.context.close()
    start = {k: float(v) for k, v in w.start_weights.items()}
    w.vote("person:p3", "", dict(start, **{"sales_rep/results": 45}), revision=0)
    w.vote("person:p4", "", dict(start, **{"sales_rep/results": 41}), revision=0)
    # the facilitator sees who voted and the tally, adopts (whole numbers) and saves
    page = open_page(browser, roster_room.facilitator, problems)
    page.wait_for_selector('#vote-table-inner tr[data-key="sales_rep/results"]')
    assert "3 of 6" in page.inner_text("#vote-names")
    # worked out by hand: Lina 70 (the page rescaled her siblings to 9/6/6/9), Omar 45 and 陈静 41 with the others
    # at the start (50/15/10/10/15), normalised: Omar's 47.37/15.79/10.53/10.53/15.79 holds every median; whole
    # numbers: floors 47/15/10/10/15 = 97, the 3 points to the largest remainders (.79, .79, .53 — ties: file order)
    adopt = {"sales_rep/results": "47", "sales_rep/process": "16", "sales_rep/strategy": "11",
             "sales_rep/objectives": "10", "sales_rep/feedback": "16"}
    for key, value in adopt.items():
        assert page.inner_text(f'#vote-table-inner tr[data-key="{key}"] .adopt') == value
    page.click("#adopt")
    page.wait_for_function("() => document.querySelector('.row[data-key=\"sales_rep/results\"] input[type=number]')"
                           ".value === '47'")
    assert {k: w.weights[k] for k in adopt} == {k: Decimal(v) for k, v in adopt.items()}
    page.click("#save")
    page.wait_for_selector("#diff")
    page.context.close()
    assert not problems, problems
    exported = w.path.with_name("sales-team.tally-2026.2.json")
    doc = json.loads(exported.read_text(encoding="utf-8"))
    assert doc["ruleset"]["version_after"] == "2026.2" and doc["saved_is_adopted_median"] is True
    assert doc["voters"] == ["Lina Zhou", "Omar Haddad", "陈静"] and doc["eligible"] == 6
    import hashlib

    assert doc["ruleset"]["sha256"] == hashlib.sha256(w.path.read_bytes()).hexdigest()
    stored = BallotBox(roster_room.workshop.box.url)
    try:
        ballots = {b.voter: b for b in stored.ballots(w.session_id)}
        assert ballots["person:p1"].revision == 2 and ballots["person:p1"].ruleset_version == "2026.1"
        assert stored.revisions(w.session_id) == 4
        assert stored.saves(w.session_id)[0]["tally"] == doc
    finally:
        stored.close()


@pytest.mark.skipif(not os.environ.get("APPRAISE_WORKSHOP_SCREENSHOTS"),
                    reason="set APPRAISE_WORKSHOP_SCREENSHOTS=<folder> to write the docs screenshots")
def test_screenshots(browser, secret_room):
    folder = Path(os.environ["APPRAISE_WORKSHOP_SCREENSHOTS"])
    folder.mkdir(parents=True, exist_ok=True)
    w = secret_room.workshop
    start = {k: float(v) for k, v in w.start_weights.items()}
    for i, code in enumerate(secret_room.codes[len(w.votes):len(w.votes) + 4]):
        w.vote_secret(code, dict(start, **{"sales_rep/results": 35 + 5 * i, "sales_rep/feedback": 20 - i}))
    w.move("sales_rep/results", 42)
    problems: list[str] = []
    for lang in ("en", "zh-CN"):
        suffix = "" if lang == "en" else "-zh"
        page = open_page(browser, secret_room.presenter + f"&lang={lang}", problems, width=1024, height=768)
        page.wait_for_selector("#grade-chart rect")
        page.wait_for_timeout(300)
        page.screenshot(path=str(folder / f"workshop-presenter{suffix}.png"), full_page=True)
        page.context.close()
        page = open_page(browser, secret_room.facilitator + f"&lang={lang}", problems, width=1280, height=900)
        page.wait_for_selector("#grade-chart rect")
        page.wait_for_timeout(300)
        page.screenshot(path=str(folder / f"workshop-facilitator{suffix}.png"), full_page=True)
        page.context.close()
        page = open_page(browser, secret_room.ballot_link() + f"&lang={lang}", problems, width=390, height=844,
                         phone=True, scale=2)
        page.wait_for_selector('.row[data-key="sales_rep/results"]')
        page.screenshot(path=str(folder / f"workshop-phone{suffix}.png"), full_page=True)
        page.context.close()
    w.reset()
    assert not problems, problems
