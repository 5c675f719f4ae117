"""The workshop in a real Chromium: a slider moves the grade distribution, two participants vote and
the facilitator sees the median, saving changes only the weight lines and the version.

The docs' screenshots are taken by ``tests/test_workshop_room.py``.
"""
from __future__ import annotations

import re
import shutil
import threading
import time
from pathlib import Path

import pytest

from browser_support import NEEDS_CHROMIUM

ROOT = Path(__file__).resolve().parents[1]

pytestmark = NEEDS_CHROMIUM

pytest.importorskip("playwright")
pytest.importorskip("uvicorn")


def make_company(folder: Path, employees: int) -> Path:
    """A synthetic company scored by a private copy of rulesets/sales-team.yaml; returns the cycle file."""
    from appraise.tools.demo import make_company as generate

    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "rulesets" / "sales-team.yaml", folder / "sales-team.yaml")
    (cycle,) = generate(folder, employees=employees, quarters=("2026-Q3",), ruleset=folder / "sales-team.yaml")
    return cycle


class Server:
    """The workshop app under uvicorn in a thread, on a free loopback port."""

    def __init__(self, cycle: Path):
        from appraise.tools.workshop.app import Tokens, create_app, facilitator_link
        from appraise.tools.workshop.session import Workshop
        from workshop_support import Served

        self.workshop = Workshop.from_cycle(cycle)
        self.tokens = Tokens()
        self.served = Served(create_app(self.workshop, self.tokens))
        self.base = self.served.base
        self.facilitator = facilitator_link(self.base, self.tokens)

    def participant(self) -> str:
        """A new participant link (one per person: each holds one ballot)."""
        from appraise.tools.workshop.app import participant_link

        return participant_link(self.base, self.tokens.issue())

    def stop(self) -> None:
        self.served.stop()


@pytest.fixture
def server(tmp_path):
    s = Server(make_company(tmp_path / "company", 300))
    yield s
    s.stop()


def open_page(browser, url: str, problems: list[str], width: int = 1440, height: int = 1000):
    """A page in a fresh context (its own cookies) that records console errors and any off-host request."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    base = url.split("/", 3)[:3]
    host = "/".join(base)
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: None if r.url.startswith((host, "data:")) else problems.append(f"network: {r.url}"))
    page.goto(url)
    return page


def grade_counts(page) -> dict[str, dict[str, int]]:
    """Before/after counts per grade, read in one go (the chart is redrawn on every response)."""
    return page.evaluate("""() => {
        const out = {};
        for (const r of document.querySelectorAll('#grade-chart rect')) {
            (out[r.dataset.series] = out[r.dataset.series] || {})[r.dataset.grade] = Number(r.dataset.count);
        }
        return out;
    }""")


def set_weight(page, key: str, value: float) -> None:
    box = page.locator(f'.row[data-key="{key}"] input[type=number]')
    box.fill(str(value))
    box.press("Enter")


def test_moving_a_slider_changes_the_grade_distribution(browser, server):
    problems: list[str] = []
    page = open_page(browser, server.facilitator, problems)
    page.wait_for_selector("#grade-chart rect")
    counts = grade_counts(page)
    assert counts["before"] == counts["after"]
    assert page.locator("#changed-count").inner_text() == "0"
    slider = page.locator('.row[data-key="sales_rep/feedback"] input[type=range]')
    slider.focus()
    for _ in range(50):          # +25 points, one input event per key press
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('#changed-count').textContent !== '0'")
    page.wait_for_function(
        "() => document.querySelector('.row[data-key=\"sales_rep/feedback\"] input[type=number]').value === '40'")
    # the last move reaches the server (networkidle alone returns at once once reached: racy under load)
    deadline = time.time() + 30
    while server.workshop.weights["sales_rep/feedback"] != 40 and time.time() < deadline:
        time.sleep(0.05)
    page.wait_for_load_state("networkidle")  # the last re-score has come back
    counts = grade_counts(page)
    assert counts["after"] != counts["before"]
    assert sum(counts["after"].values()) == sum(counts["before"].values())
    # the siblings followed, and the group still sums to 100
    total = page.locator('[data-group="sales_rep"] .total').inner_text()
    assert total.replace(" ", "") in ("Σ100", "Σ100.00")
    assert server.workshop.weights["sales_rep/feedback"] == 40
    assert page.locator("#people-table tbody tr").count() > 0     # names: facilitator only
    assert not problems, problems


def test_two_participants_vote_and_the_median_appears(browser, server):
    problems: list[str] = []
    for name, value in (("李伟", 30), ("Wang Fang", 60)):
        page = open_page(browser, server.participant(), problems, width=900)
        page.wait_for_selector('.row[data-key="sales_rep/results"]')
        content = page.content()
        assert not [n for n in server.workshop.baseline["name"].head(30) if n in content]  # no individual data
        page.fill("#voter-name", name)
        set_weight(page, "sales_rep/results", value)
        page.click("#submit")
        page.wait_for_selector("#vote-ok")
        page.context.close()
    assert sorted(b.name for b in server.workshop.votes.values()) == ["Wang Fang", "李伟"]
    page = open_page(browser, server.facilitator, problems)
    cell = page.locator('#vote-table-inner tr[data-key="sales_rep/results"] .median')
    cell.wait_for()
    assert cell.inner_text() == "45"
    assert "2" in page.locator("#vote-names").inner_text()
    assert "45" in page.locator('.row[data-key="sales_rep/results"] .note .median').inner_text()
    page.click("#adopt")
    page.wait_for_function(
        "() => document.querySelector('.row[data-key=\"sales_rep/results\"] input[type=number]').value === '45'")
    assert server.workshop.weights["sales_rep/results"] == 45
    assert not problems, problems


def test_saving_changes_only_the_weight_lines(browser, server):
    problems: list[str] = []
    path = server.workshop.path
    before = path.read_text(encoding="utf-8")
    page = open_page(browser, server.facilitator, problems)
    page.wait_for_selector("#grade-chart rect")
    set_weight(page, "sales_rep/results", 56)
    page.wait_for_function(
        "() => document.querySelector('.row[data-key=\"sales_rep/process\"] input[type=number]').value === '13.2'")
    set_weight(page, "sales_rep/process.visits", 35)
    page.wait_for_function(
        "() => document.querySelector('.row[data-key=\"sales_rep/process.lead_conversion\"] input[type=number]')"
        ".value === '65'")
    page.click("#save")
    page.wait_for_selector("#diff")
    assert "2026.2" in page.locator("#save-result .message").inner_text()
    after = path.read_text(encoding="utf-8")
    old, new = before.split("\n"), after.split("\n")
    assert len(old) == len(new)
    changed = [(a, b) for a, b in zip(old, new) if a != b]
    expected = {
        'version: "2026.1"': 'version: "2026.2"',
        "        weight: 50": "        weight: 56",          # results
    }
    for a, b in changed:
        assert re.search(r"\bweight: [0-9.]+|^version: ", a), f"unexpected change: {a!r} → {b!r}"
        assert re.sub(r"[0-9.]+", "#", a) == re.sub(r"[0-9.]+", "#", b), f"more than a number changed: {a!r}"
        if a in expected:
            assert b == expected[a]
    assert ("          lead_conversion: {weight: 50, target: 0.25, curve: {cap: 1.2}}",
            "          lead_conversion: {weight: 65, target: 0.25, curve: {cap: 1.2}}") in changed
    assert ("          visits:          {weight: 50, target: 60, curve: {cap: 1.2}}",
            "          visits:          {weight: 35, target: 60, curve: {cap: 1.2}}") in changed
    # results, process, strategy, objectives, feedback, two KPI lines, version
    assert len(changed) == 8
    assert [line for line in old if line.lstrip().startswith("#")] == \
        [line for line in new if line.lstrip().startswith("#")]
    diff = page.locator("#diff").inner_text()
    assert '+version: "2026.2"' in diff and "-        weight: 50" in diff
    assert not problems, problems


def test_save_waits_for_moves_still_on_their_way(browser, server):
    """Saving right after moving weights saves the weights on screen, even while the server is still
    re-scoring: one move in flight, the next one queued behind it, Save clicked at once."""
    problems: list[str] = []
    workshop = server.workshop
    rescore = workshop.rescore

    def slow_rescore() -> None:
        time.sleep(0.8)
        rescore()

    page = open_page(browser, server.facilitator, problems)
    page.wait_for_selector("#grade-chart rect")
    workshop.rescore = slow_rescore
    try:
        set_weight(page, "sales_rep/results", 56)            # in flight for 0.8 s
        set_weight(page, "sales_rep/process.visits", 35)     # queued on the page behind it
        page.click("#save")
        page.wait_for_selector("#diff")
    finally:
        workshop.rescore = rescore
    saved = workshop.path.read_text(encoding="utf-8")
    assert "          visits:          {weight: 35, target: 60, curve: {cap: 1.2}}" in saved
    assert "        weight: 56" in saved
    assert workshop.weights["sales_rep/process.visits"] == 35
    shown = page.locator('.row[data-key="sales_rep/process.visits"] input[type=number]').input_value()
    assert shown == "35"
    assert not problems, problems


def test_a_page_on_another_local_port_cannot_drive_the_workshop(browser, server):
    """Issue 16's attack in a real browser: the facilitator has the workshop open; a page served from
    another port of 127.0.0.1 (same site, so SameSite cookies would go along) sends no-cors text/plain
    POSTs to move a weight and save.  No token lives in a cookie, so they arrive without one: 403."""
    problems: list[str] = []
    page = open_page(browser, server.facilitator, problems)
    page.wait_for_selector("#grade-chart rect")
    context = page.context
    assert context.cookies() == []
    path = server.workshop.path
    before, weights = path.read_bytes(), dict(server.workshop.weights)
    # a real server on another loopback port (a routed page would not count as loopback for Chromium)
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Other(BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"<!doctype html><title>another local app</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Other)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    other = f"http://127.0.0.1:{httpd.server_address[1]}/"
    evil = context.new_page()
    answers = []
    evil.on("response", lambda r: answers.append((r.url.split("?")[0], r.status)) if "/api/" in r.url else None)
    evil.goto(other)
    evil.evaluate("""async (base) => {
        const opts = {method: "POST", mode: "no-cors", credentials: "include",
                      headers: {"Content-Type": "text/plain"}};
        // an opaque 403 may surface as a network error (Chromium's opaque response blocking): sent all the same
        const move = '{"key": "sales_rep/results", "value": 5}';
        try { await fetch(base + "/api/weights", Object.assign({body: move}, opts)); } catch (e) {}
        try { await fetch(base + "/api/save", Object.assign({body: "{}"}, opts)); } catch (e) {}
    }""", server.base)
    evil.wait_for_load_state("networkidle")
    httpd.shutdown()
    assert sorted(answers) == [(server.base + "/api/save", 403), (server.base + "/api/weights", 403)]
    assert server.workshop.weights == weights and path.read_bytes() == before
    # the facilitator's own page still works, language switch included (it keeps the token)
    page.click("#lang-switch")
    page.wait_for_selector("#grade-chart rect")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    page.click("#new-link")
    page.wait_for_selector('#links [data-link="1"]')
    assert not problems, problems
