"""The workshop in a real room, the last gaps: guessing one-time codes is slowed and then refused (without locking
out a room behind one address), a printable A4 sheet of voting cards whose QR codes decode to each person's link,
and the server on ``--host 0.0.0.0`` and ``--host ::1`` (tests connect to loopback addresses only).

Every clock is injected: nothing here waits for time to pass.  Screenshots of the sheet for the docs:
``APPRAISE_WORKSHOP_SCREENSHOTS=docs/screenshots pytest tests/test_workshop_print.py -k sheet_in_chromium``.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("segno")

from appraise.tools.workshop import sheet, voting  # noqa: E402
from appraise.tools.workshop.app import (  # noqa: E402
    Tokens,
    ballot_token,
    create_app,
    host_warning,
    listen,
    participant_link,
    presenter_link,
    serve,
)
from appraise.tools.workshop.session import Workshop  # noqa: E402
from browser_support import CHROMIUM, launch  # noqa: E402
from workshop_support import BASE, EXAMPLE, Served, client, fresh_workshop, read_example  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = "sales_rep/results"
# 7 people: two printed pages of 6 cards
PEOPLE = [("E1", "Li Wei"), ("E2", "王芳"), ("e3", "Omar Haddad"), ("E4", "陈静"), ("E5", "Ada Park"),
          ("E6", "Tomás Ruiz"), ("员工-7", "张伟")]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    return read_example(tmp_path_factory, "print")


@pytest.fixture
def workshop(loaded, tmp_path) -> Workshop:
    return fresh_workshop(loaded, tmp_path)


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def wrong_like(code: str, codes: list[str]) -> str:
    """A code with the same first four characters as ``code`` that was not issued (someone mistyping it)."""
    for tail in ("0000", "1111", "2222"):
        guess = f"{code[:4]}-{tail}"
        if guess not in codes:
            return guess
    raise AssertionError("unreachable")


# ---------------------------------------------------------------- guessing one-time codes

def test_wrong_codes_are_slowed_then_refused_per_typist_and_a_right_code_still_works(workshop):
    codes = workshop.start_voting(mode="codes", codes=4)
    clock = workshop.guesses.clock = Clock()
    app = create_app(workshop)
    ballot = {"weights": {k: float(v) for k, v in workshop.start_weights.items()}}
    nat = client(app, ballot_token(workshop), "10.0.0.7")      # the room's Wi-Fi: everyone shares one address
    typo = wrong_like(codes[0], codes)

    def vote(code, who=nat):
        return who.post("/api/vote", json=dict(ballot, code=code))

    # three wrong codes are only wrong (403); the fourth try at once must wait 5 s (429, Retry-After)
    assert [vote(typo).status_code for _ in range(3)] == [403, 403, 403]
    r = vote(typo)
    assert (r.status_code, r.headers["retry-after"], r.json()["code"], r.json()["seconds"]) == \
        (429, "5", "code_throttled", 5)
    assert "try again in 5 s" in r.json()["error"] and "5 秒后再试" in r.json()["error"]   # both languages
    # someone else behind the same address, with their own (right) code, is not held up
    assert vote(codes[1]).status_code == 200
    # waiting is not counted as a wrong code: after 5 s the typist is heard; the next wait doubles to 10 s
    clock.now += 4
    assert vote(typo).status_code == 429 and vote(typo).headers["retry-after"] == "1"
    clock.now += 1
    assert vote(typo).status_code == 403
    assert vote(typo).headers["retry-after"] == "10"
    clock.now += 10
    assert vote(codes[0]).status_code == 200                   # they found their real code: it counts
    # a spent code is a wrong code too; 3 + 1 + 1 (spent) wrong so far from this typist: the wait is 20 s
    assert vote(codes[0]).status_code == 409
    assert vote(typo).headers["retry-after"] == "20"
    # ten wrong codes in ten minutes: refused until the first is ten minutes old, however long one waits between
    for wait in (20, 40, 60, 60, 60):
        clock.now += wait
        assert vote(typo).status_code in (403, 409)
    first = 1000.0
    r = vote(typo)
    assert r.status_code == 429 and int(r.headers["retry-after"]) == math.ceil(first + 600 - clock.now)
    clock.now += 60
    assert vote(typo).status_code == 429
    # other addresses and other codes go through all along
    assert vote(codes[2], client(app, ballot_token(workshop), "10.0.0.8")).status_code == 200
    # the facilitator sees how many tries were refused (every 429 above: 1 + 2 + 1 + 1 + 1 + 1 = 7)
    votes = client(app, app.state.tokens.facilitator).get("/api/votes").json()
    assert (votes["count"], votes["guesses_refused"], votes["codes_left"]) == (3, 7, 1)
    assert client(app, app.state.tokens.presenter).get("/api/present").json()["present"]["votes"].get(
        "guesses_refused") is None   # not on the projector


def test_one_address_trying_codes_at_random_is_refused_after_the_generous_limit():
    clock = Clock()
    g = voting.Guesses(clock)
    # a room of 50 behind one address, each mistyping their own code once: nobody waits
    for i in range(50):
        code = f"{voting.CODE_ALPHABET[i // 32]}{voting.CODE_ALPHABET[i % 32]}AA-0000"
        assert g.wait("10.0.0.7", code) == 0
        g.failed("10.0.0.7", code)
        clock.now += 1
    assert g.refused == 0
    # someone trying random codes from there: 100 wrong codes in ten minutes, then that address is refused
    for i in range(50, 100):
        code = f"{voting.CODE_ALPHABET[i // 32]}{voting.CODE_ALPHABET[i % 32]}BB-0000"
        assert g.wait("10.0.0.7", code) == 0
        g.failed("10.0.0.7", code)
    assert g.wait("10.0.0.7", "ZZZZ-ZZZZ") == math.ceil(1000 + 600 - clock.now) == 550
    assert g.wait("10.0.0.9", "ZZZZ-ZZZZ") == 0                 # another address is not
    clock.now += 550                                          # the first wrong code is forgotten
    assert g.wait("10.0.0.7", "ZZZZ-ZZZZ") == 0
    assert g.refused == 1


# ---------------------------------------------------------------- the printable sheet of voting cards

def _raster(path: str, size: int, scale: int = 4):
    """An SVG path of :func:`qr` drawn back into pixels (dark 0, light 255), independently of the encoder."""
    import numpy as np

    modules = np.zeros((size, size), dtype=np.uint8)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path):
        modules[int(y), int(x):int(x) + int(w)] = 1
    return ((1 - np.kron(modules, np.ones((scale, scale), dtype=np.uint8))) * 255).astype(np.uint8)


def decode_cards(html: str) -> list[dict]:
    """Each card of a sheet: the name, link and code printed on it, and what its QR code decodes to (ZXing)."""
    import html as html_lib

    zxing = pytest.importorskip("zxingcpp")
    out = []
    for card in re.findall(r'<article class="card">(.*?)</article>', html, flags=re.S):
        size = int(re.search(r'viewBox="0 0 (\d+) \1"', card).group(1))
        found = zxing.read_barcodes(_raster(re.search(r'<path d="([^"]+)"', card).group(1), size))
        name = re.search(r'<p class="name">(.*?)</p>', card)
        code = re.search(r'<p class="code">(.*?)</p>', card)
        out.append({"name": html_lib.unescape(name.group(1)) if name else "",
                    "link": html_lib.unescape(re.search(r'<p class="link">(.*?)</p>', card).group(1)),
                    "code": code.group(1) if code else "", "qr": [r.text for r in found]})
    return out


def test_the_roster_sheet_has_a_card_per_person_whose_qr_code_opens_their_own_ballot(workshop):
    workshop.start_voting(mode="roster", roster=PEOPLE)
    app = create_app(workshop)
    owner = client(app, app.state.tokens.facilitator)
    r = owner.get("/print", params={"token": app.state.tokens.facilitator, "lang": "zh-CN"})
    assert r.status_code == 200 and "style-src 'nonce-" in r.headers["content-security-policy"]
    html = r.text
    cards = decode_cards(html)
    assert [c["name"] for c in cards] == [name for _, name in PEOPLE]          # roster order, names escaped
    # what a roster says is text, never markup
    escaped = sheet.render([sheet.Card("<b>Omar</b> & co", "card_personal", "http://127.0.0.1:1/vote?token=r.x&y")],
                           "en")
    assert "<b>Omar" not in escaped and decode_cards(escaped)[0]["name"] == "<b>Omar</b> & co"
    assert "token=r.x&amp;y" in escaped
    for (pid, name), card in zip(PEOPLE, cards):
        assert card["qr"] == [card["link"]]                                   # the QR code is the printed link
        token = card["link"].removeprefix(f"{BASE}/vote?token=")
        assert voting.verify(workshop.secret, workshop.session_id, token) == pid
        # the link opens that person's ballot (and only theirs)
        assert client(app, token).get("/api/ballot").json()["person"] == name
        assert card["code"] == ""
    # A4 print CSS: no hint or other chrome on paper, pages of 6 cards with a break between, no card cut in two
    css = re.search(r"<style[^>]*>(.*?)</style>", html, flags=re.S).group(1)
    assert "@page { size: A4" in css and "break-inside: avoid" in css
    assert re.search(r"@media print \{.*\.hint \{ display: none; \}.*break-after: page", css, flags=re.S)
    assert html.count('<section class="page">') == math.ceil(len(PEOPLE) / 6) == 2
    # bilingual, the chosen language first; self-contained: no script, nothing loaded from anywhere
    assert '<html lang="zh-CN">' in html and "用手机相机扫码投票" in html and "Scan with your phone" in html
    assert html.index("用手机相机扫码投票") < html.index("Scan with your phone")
    assert "<script" not in html and not re.search(r'(src|href)="(?!data:)', html)
    one = owner.get("/print", params={"token": app.state.tokens.facilitator, "per_page": "1"}).text
    assert one.count('<section class="page one">') == len(PEOPLE)
    assert owner.get("/print", params={"token": app.state.tokens.facilitator, "per_page": "3"}).status_code == 400
    # the facilitator's page links to it; the cards are credentials: only the facilitator's link opens the sheet
    assert 'id="print-link"' in owner.get("/", params={"token": app.state.tokens.facilitator}).text
    for token in (app.state.tokens.presenter, voting.sign(workshop.secret, workshop.session_id, "E1")):
        assert client(app, token).get("/print", params={"token": token}).status_code == 403


def test_a_secret_ballot_prints_a_card_per_code_and_the_command_writes_the_sheet(workshop, tmp_path, monkeypatch):
    import uvicorn

    codes = workshop.start_voting(mode="codes", codes=3)
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)   # print, do not serve
    lines: list[str] = []
    target = tmp_path / "cards.html"
    serve(workshop, host="127.0.0.1", echo=lines.append, codes=codes, print_to=target)
    assert any(str(target) in line for line in lines) and target.stat().st_mode & 0o077 == 0
    cards = decode_cards(target.read_text(encoding="utf-8"))
    room = re.search(r"voting link:\s+(\S+)", "\n".join(lines)).group(1)
    assert room.endswith(participant_link("", ballot_token(workshop)))
    assert sorted(c["code"] for c in cards) == sorted(codes)
    assert all(c["qr"] == [c["link"]] == [room] and c["name"] == "" for c in cards)
    # the facilitator's page of a server that did not issue the codes (they are stored as hashes) says so
    later = create_app(workshop)
    html = client(later, later.state.tokens.facilitator).get(
        "/print", params={"token": later.state.tokens.facilitator}).text
    assert [c["code"] for c in decode_cards(html)] == [""] and "--print-roster FILE.html" in html


def test_the_command_writes_the_roster_cards_before_it_serves(tmp_path, monkeypatch):
    import uvicorn
    from click.testing import CliRunner

    from appraise.cli import main

    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("out"))
    (tmp_path / "people.csv").write_text("id,name\nE1,Li Wei\nE2,王芳\n", encoding="utf-8")
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets=None: None)   # print, do not serve
    cards_file = tmp_path / "cards.html"
    result = CliRunner().invoke(main, ["workshop", str(folder / "cycle-q3.yaml"), "--no-browser", "--no-store",
                                       "--roster", str(tmp_path / "people.csv"), "--print-roster", str(cards_file),
                                       "--cards-per-page", "1"])
    assert result.exit_code == 0, result.output
    links = dict(re.findall(r"^  (.+) \(E\d\): (http://\S+)$", result.output, flags=re.M))
    cards = decode_cards(cards_file.read_text(encoding="utf-8"))
    assert {c["name"]: c["qr"][0] for c in cards} == links and len(links) == 2     # the printed links, as scanned
    assert cards_file.read_text(encoding="utf-8").count('<section class="page one">') == 2
    bad = CliRunner().invoke(main, ["workshop", str(folder / "cycle-q3.yaml"), "--no-browser", "--no-store",
                                    "--print-roster", str(tmp_path / "people.csv" / "cards.html")])
    assert bad.exit_code == 2 and "cannot write the voting cards" in bad.output


@pytest.mark.browser
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is absent")
def test_the_sheet_in_chromium_prints_two_a4_pages_without_chrome(workshop, loaded, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    workshop.start_voting(mode="roster", roster=PEOPLE)
    tokens = Tokens()
    app = create_app(workshop, tokens)
    owner = client(app, tokens.facilitator)
    shots = Path(os.environ.get("APPRAISE_WORKSHOP_SCREENSHOTS") or tmp_path)
    with playwright.sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            requests: list[str] = []
            page.on("request", lambda r: None if r.url.startswith(("data:", "about:")) else requests.append(r.url))
            for lang, name in (("en", "workshop-cards.png"), ("zh-CN", "workshop-cards-zh.png")):
                page.set_content(owner.get("/print", params={"token": tokens.facilitator, "lang": lang}).text)
                page.screenshot(path=str(shots / name), full_page=True)
                # on paper: no hint; every page section breaks after itself; the QR codes keep their size
                page.emulate_media(media="print")
                assert page.eval_on_selector(".hint", "e => getComputedStyle(e).display") == "none"
                assert page.eval_on_selector_all(".page", "s => s.map(e => getComputedStyle(e).breakAfter)") == \
                    ["page", "auto"]
                assert page.eval_on_selector_all(".card", "s => s.map(e => getComputedStyle(e).breakInside)") == \
                    ["avoid"] * len(PEOPLE)
                # nothing on a card is cut off by its fixed height (6 cards fill an A4 page)
                assert page.eval_on_selector_all(".card", "s => s.filter(e => e.scrollHeight > e.clientHeight + 1)"
                                                 ".length") == 0
                pdf = page.pdf(format="A4", prefer_css_page_size=True)
                assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 2      # 7 cards: 6 + 1
                page.emulate_media(media="screen")
            assert requests == []
            # a phone whose owner mistypes their code: after 3 wrong codes the page says to wait, in both
            # languages, and its button waits too (the server's clock is injected: no real time passes there)
            room = Workshop(loaded.ruleset, loaded.inputs, loaded.period, loaded.context)
            codes = room.start_voting(mode="codes", codes=2)
            room.guesses.clock = Clock()
            with serving(room, "127.0.0.1") as (listening, _):
                phone = browser.new_page(viewport={"width": 390, "height": 844})
                phone.goto(participant_link(listening.local_base, ballot_token(room)))
                for _ in range(4):
                    phone.fill("#voter-code", wrong_like(codes[0], codes))
                    phone.click("#submit")
                    phone.wait_for_function("() => !document.querySelector('#submit').disabled || "
                                            "document.querySelector('#vote-throttled')")
                message = phone.text_content("#vote-throttled")
                assert "try again in 5 s" in message and "5 秒后再试" in message
                assert phone.is_disabled("#submit") and room.guesses.refused == 1
        finally:
            browser.close()


# ---------------------------------------------------------------- --host 0.0.0.0 and ::1

@contextmanager
def serving(workshop: Workshop, host: str):
    """The workshop under uvicorn on ``listen(host)``'s sockets in a thread; yields (listening, tokens)."""
    listening = listen(host, 0)
    tokens = Tokens()
    served = Served(create_app(workshop, tokens, hosts=listening.hosts, public_base=listening.public_base),
                    listening.sockets)
    try:
        yield listening, tokens
    finally:
        served.stop()


def _local(address: str) -> bool:
    """``address`` is one of this computer's (a socket can be bound to it)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.bind((address.strip("[]"), 0))
            return True
        except OSError:
            return False


def test_on_every_interface_the_server_answers_on_loopback_and_links_name_a_reachable_address(workshop):
    import httpx

    workshop.start_voting(mode="codes", codes=1)
    with serving(workshop, "0.0.0.0") as (listening, tokens):
        assert [s.getsockname()[0] for s in listening.sockets] == ["0.0.0.0"]
        shown = listening.public_host
        assert shown and shown not in ("0.0.0.0", "[::]")
        assert _local(shown) or shown == socket.gethostname()          # this computer, by address or by name
        base = f"http://127.0.0.1:{listening.port}"
        r = httpx.get(f"{base}/api/present", headers={"X-Appraise-Token": tokens.presenter})
        join = r.json()["join"]["url"]
        assert r.status_code == 200 and join == participant_link(f"http://{shown}:{listening.port}",
                                                                 ballot_token(workshop))
        assert "0.0.0.0" not in join and httpx.get(join.replace(f"{shown}:", "127.0.0.1:", 1)).status_code == 200
        # the projector's QR code carries that link
        zxing = pytest.importorskip("zxingcpp")
        code = r.json()["join"]["qr"]
        assert [b.text for b in zxing.read_barcodes(_raster(code["path"], code["size"]))] == [join]
        assert host_warning(listening)                                  # every interface: the warning
        # the facilitator's page answers here (a loopback client)
        assert httpx.get(f"{base}/", params={"token": tokens.facilitator}).status_code == 200


def test_on_ipv6_loopback_the_server_answers_on_both_loopbacks(workshop):
    import httpx

    if not socket.has_ipv6 or not _local("::1"):
        pytest.skip("this kernel has no IPv6 loopback")
    workshop.start_voting(mode="codes", codes=1)
    with serving(workshop, "::1") as (listening, tokens):
        assert sorted(s.getsockname()[0] for s in listening.sockets) == ["127.0.0.1", "::1"]
        assert listening.public_base == f"http://[::1]:{listening.port}" and host_warning(listening) == []
        present = presenter_link(listening.public_base, tokens)
        assert httpx.get(present).status_code == 200
        r = httpx.get(f"http://[::1]:{listening.port}/api/present", headers={"X-Appraise-Token": tokens.presenter})
        assert r.json()["join"]["url"] == participant_link(listening.public_base, ballot_token(workshop))
        assert httpx.get(r.json()["join"]["url"]).status_code == 200
        assert httpx.get(present.replace("[::1]", "127.0.0.1")).status_code == 200
        assert httpx.get(f"http://[::1]:{listening.port}/", params={"token": tokens.facilitator}).status_code == 200
