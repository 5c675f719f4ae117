"""Votes that can be trusted, a presenter view that shows no one, and a workshop reachable from phones (issue 19),
without a browser: roster files, signed links, one-time codes, ballots in the store (with the ruleset version, every
revision, a restart), the tally exported with the saved ruleset, the presenter API, --host, and QR codes that decode
to the link they carry."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("segno")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient  # noqa: E402

import sqlalchemy as sa  # noqa: E402

from appraise.errors import InvalidInput  # noqa: E402
from appraise.store.ballots import BallotBox  # noqa: E402
from appraise.tools.workshop import voting  # noqa: E402
from appraise.tools.workshop.app import Tokens, ballot_token, create_app, host_warning, listen, participant_link  # noqa: E402
from appraise.tools.workshop.qr import QUIET_ZONE, qr  # noqa: E402
from appraise.tools.workshop.session import Workshop  # noqa: E402
from workshop_support import EXAMPLE, client, fresh_workshop, read_example  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = "sales_rep/results"
PEOPLE = [("E1", "Li Wei"), ("E2", "王芳"), ("e3", "Omar")]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    return read_example(tmp_path_factory, "votes")


@pytest.fixture
def workshop(loaded, tmp_path) -> Workshop:
    return fresh_workshop(loaded, tmp_path)


def proposal(w: Workshop, **changes) -> dict[str, float]:
    return dict({k: float(v) for k, v in w.start_weights.items()}, **changes)


# ---------------------------------------------------------------- the roster and signed links

def test_a_roster_file_is_read_and_its_problems_are_located_in_both_languages(tmp_path):
    good = tmp_path / "people.csv"
    good.write_text("\ufeffid,name,email\nE1,Li  Wei,a@x\nE2,,b@x\n\n", encoding="utf-8")
    assert voting.read_roster(good) == [("E1", "Li Wei"), ("E2", "E2")]     # an empty name is the id
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name\nE1,A\n,B\ne1,C\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as exc:
        voting.read_roster(bad)
    text = str(exc.value)
    assert f"{bad}:3:1: error: empty id; give every person an id" in text
    assert f"{bad}:4:1" in text and "'e1' is repeated (row 2)" in text
    # written in English, shown in the user's language (the command line translates each message)
    from appraise.i18n import translate

    [empty, repeated] = exc.value.diagnostics
    assert (translate(empty.message, "zh-CN"), translate(empty.hint, "zh-CN")) == \
        ("id 为空", "请为每人填写 id（例如员工编号）")
    assert translate(repeated.message, "zh-CN") == "id“e1”重复（第 2 行）"
    nocol = tmp_path / "nocol.csv"
    nocol.write_text("employee,name\nE1,A\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"no column 'id'; its header is employee,name; write 'id,name'"):
        voting.read_roster(nocol)


def test_signed_links_cannot_be_forged_or_carried_to_another_session():
    secret, other = b"k" * 32, b"q" * 32
    token = voting.sign(secret, "S1", "E1")
    assert voting.verify(secret, "S1", token) == "E1"
    assert voting.verify(secret, "S2", token) is None           # another session
    assert voting.verify(other, "S1", token) is None            # another secret (a restart without --resume)
    prefix, who, mac = token.split(".")
    forged = ".".join([prefix, voting.sign(secret, "S1", "E2").split(".")[1], mac])
    assert voting.verify(secret, "S1", forged) is None          # E1's signature on E2's id
    assert voting.verify(secret, "S1", token[:-2]) is None
    for junk in ("", "r..", "r.!!.!!", "x." + token[2:], token + ".x", "r." + "A" * 700 + ".B"):
        assert voting.verify(secret, "S1", junk) is None


def test_a_roster_member_votes_as_themselves_and_a_stale_page_cannot_overwrite(workshop):
    workshop.start_voting(mode="roster", roster=PEOPLE, store=workshop.store_url)
    app = create_app(workshop)
    li = client(app, voting.sign(workshop.secret, workshop.session_id, "E1"))
    assert li.get("/vote").status_code == 200
    ballot = li.get("/api/ballot").json()
    assert (ballot["person"], ballot["revision"], ballot["ballot"]) == ("Li Wei", 0, None)
    # the name is the roster's, whatever is typed; the revision the page shows is required
    assert li.post("/api/vote", json={"name": "Bob", "weights": proposal(workshop)}).status_code == 400
    r = li.post("/api/vote", json={"name": "Bob", "weights": proposal(workshop, **{RESULTS: 30}), "revision": 0})
    assert r.json() == {"name": "Li Wei", "revision": 1}
    # a second browser with the same link, showing revision 1, changes the vote: allowed (documented)
    second = client(app, voting.sign(workshop.secret, workshop.session_id, "E1"))
    assert second.post("/api/vote", json={"weights": proposal(workshop, **{RESULTS: 40}), "revision": 1}).json() \
        == {"name": "Li Wei", "revision": 2}
    # the first page still shows revision 1: refused, in the page's language, and nothing changes
    r = li.post("/api/vote", json={"weights": proposal(workshop, **{RESULTS: 90}), "revision": 1},
                params={"lang": "zh-CN"})
    assert r.status_code == 409 and r.json()["code"] == "vote_stale" and "第 2 版" in r.json()["error"]
    assert workshop.votes["person:E1"].weights[RESULTS] == 40 and len(workshop.votes) == 1
    # links of people not on the roster, and ad-hoc links, open nothing; none can be issued in a roster vote
    assert client(app, voting.sign(workshop.secret, workshop.session_id, "E9")).get("/vote").status_code == 403
    owner = client(app, app.state.tokens.facilitator)
    assert owner.post("/api/links", json={}).status_code == 409
    links = owner.get("/api/links").json()["links"]
    assert [(x["label"], x["voted"]) for x in links] == [("Li Wei", True), ("王芳", False), ("Omar", False)]
    votes = owner.get("/api/votes").json()
    assert (votes["names"], votes["eligible"], votes["count"]) == (["Li Wei"], 3, 1)
    # each person's link as a QR code on the facilitator's screen (to scan from it); the facilitator cannot vote
    code = owner.get("/api/qr", params={"label": "e3"}).json()
    assert code["url"] == links[2]["url"] and code["path"] == qr(links[2]["url"]).path
    assert owner.post("/api/vote", json={"name": "F", "weights": proposal(workshop), "revision": 0}).status_code == 403
    # the store holds both revisions, with the ruleset version they were cast on
    box = BallotBox(workshop.store_url)
    try:
        with box.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT voter, name, revision, ruleset_version FROM workshop_ballots "
                                        "ORDER BY id")).all()
        assert rows == [("person:E1", "Li Wei", 1, "2026.1"), ("person:E1", "Li Wei", 2, "2026.1")]
    finally:
        box.close()


def test_a_secret_ballot_casts_one_ballot_per_code_and_stores_no_voter(workshop):
    codes = workshop.start_voting(mode="codes", codes=6, store=workshop.store_url)
    assert len(set(codes)) == 6 and all(re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", c) for c in codes)
    app = create_app(workshop)
    room = client(app, ballot_token(workshop))          # the one link everybody opens (the QR code)
    assert room.get("/vote").status_code == 200
    assert room.get("/api/ballot").json()["secret"] is True
    vote = {"weights": proposal(workshop, **{RESULTS: 60})}
    assert room.post("/api/vote", json=vote).json()["code"] == "code_required"
    assert room.post("/api/vote", json=dict(vote, code=codes[0].lower().replace("-", " "))).status_code == 200
    r = room.post("/api/vote", json=dict(vote, code=codes[0]))
    assert r.status_code == 409 and r.json()["code"] == "code_spent"
    assert room.post("/api/vote", json=dict(vote, code="AAAA-AAAA")).status_code == 403
    assert room.post("/api/vote", json=dict(vote, name="x", revision=0, code="")).status_code == 400
    # the facilitator sees how many voted, not the tally of fewer than min_group ballots (nor can adopt it)
    owner = client(app, app.state.tokens.facilitator)
    votes = owner.get("/api/votes").json()
    assert (votes["count"], votes["names"], votes["items"]) == (1, [], {})
    assert (votes["withheld"], votes["codes_left"]) == (True, 5)
    assert owner.post("/api/adopt", json={}).status_code == 400
    for code in codes[1:5]:   # 40 + 25 + 10 + 10 + 15 = 100
        workshop.vote_secret(code, proposal(workshop, **{RESULTS: 40, "sales_rep/process": 25}))
    # results: 60 of 110 → 54.5, then 40 four times: the median is 40
    assert owner.get("/api/votes").json()["items"][RESULTS]["median"] == 40
    # nothing in the store links a code to its ballot: no voter, name or time, codes only as keyed hashes
    db = Path(workshop.store_url.removeprefix("sqlite:///")).read_bytes()
    assert not any(c.encode() in db or c.replace("-", "").encode() in db for c in codes)
    box = BallotBox(workshop.store_url)
    try:
        with box.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT DISTINCT voter, name, cast_at FROM workshop_ballots")).all() == \
                [(None, None, None)]
            assert conn.execute(sa.text("SELECT count(*) FROM workshop_codes WHERE spent")).scalar() == 5
    finally:
        box.close()


def test_ballots_survive_a_restart_and_old_links_keep_working(workshop, loaded):
    workshop.start_voting(mode="roster", roster=PEOPLE, store=workshop.store_url)
    link = voting.sign(workshop.secret, workshop.session_id, "E2")
    workshop.vote("person:E2", "", proposal(workshop, **{RESULTS: 20}), revision=0)
    again = Workshop(loaded.ruleset, loaded.inputs, loaded.period, loaded.context, ruleset_path=workshop.path)
    again.start_voting(store=workshop.store_url, resume=workshop.session_id)
    assert again.mode == "roster" and again.votes["person:E2"].revision == 1
    assert again.votes["person:E2"].weights[RESULTS] == 20
    app = create_app(again)
    assert client(app, link).get("/api/ballot").json()["ballot"]["name"] == "王芳"
    with pytest.raises(InvalidInput, match="no workshop session 'nope'"):
        again.start_voting(store=workshop.store_url, resume="nope")


def test_saving_exports_the_tally_with_the_ruleset_and_keeps_it_in_the_store(workshop):
    workshop.start_voting(mode="links", store=workshop.store_url)
    workshop.min_group = 3
    for i, value in enumerate((30, 60, 70)):
        workshop.vote(str(i + 1), f"P{i}", proposal(workshop, **{RESULTS: value}))
    workshop.adopt()
    saved = workshop.save()
    exported = Path(saved["tally_file"])
    assert exported.name == "sales-team.tally-2026.2.json" and exported.parent == workshop.path.parent
    doc = json.loads(exported.read_text(encoding="utf-8"))
    assert doc["ruleset"] == {"id": workshop.ruleset.id, "file": "sales-team.yaml", "version_before": "2026.1",
                              "version_after": "2026.2",
                              "sha256": hashlib.sha256(workshop.path.read_bytes()).hexdigest()}
    assert doc["ballots"] == 3 and doc["voters"] == ["P0", "P1", "P2"] and doc["saved_is_adopted_median"]
    assert doc["ballots_by_ruleset_version"] == {"2026.1": 3}
    # results with the other four dimensions at their 50 points: 30/80 = 37.5 %, 60/110 = 54.5455 %, 70/120 =
    # 58.3333 %: median 54.5455, first quartile (inclusive) 37.5 + (54.5455 − 37.5)/2 = 46.0227
    assert doc["tally"][RESULTS]["median"] == "54.5455" and doc["tally"][RESULTS]["q1"] == "46.0227"
    # every median is P1's ballot (54.55/13.64/9.09/9.09/13.64): whole numbers 54/14/9/9/14 (the two .64s round up)
    dims = ("sales_rep/results", "sales_rep/process", "sales_rep/strategy", "sales_rep/objectives",
            "sales_rep/feedback")
    assert [doc["saved_weights"][k] for k in dims] == ["54", "14", "9", "9", "14"]
    assert len(doc["proposals"]) == 3 and "name" not in json.dumps(doc["proposals"])   # from min_group ballots on
    assert sorted(p[RESULTS] for p in doc["proposals"]) == ["37.5", "54.5455", "58.3333"]
    box = BallotBox(workshop.store_url)
    try:
        assert box.saves(workshop.session_id)[0]["tally"] == doc
    finally:
        box.close()
    # a ballot cast after the save is cast on the new version
    assert workshop.vote("1", "P0", proposal(workshop)).ruleset_version == "2026.2"


# ---------------------------------------------------------------- the presenter view

def test_the_presenter_link_opens_only_aggregates(workshop):
    workshop.start_voting()
    tokens = Tokens()
    app = create_app(workshop, tokens)
    screen = client(app, tokens.presenter)
    assert screen.get("/present").status_code == 200
    for path in ("/", "/vote"):
        assert screen.get(path).status_code == 403
    for api in ("state", "votes", "links", "ballot", "check"):
        assert screen.get(f"/api/{api}").status_code == 403
    assert screen.post("/api/weights", json={"key": RESULTS, "value": 10}).status_code == 403
    body = screen.get("/api/present").json()
    text = json.dumps(body, ensure_ascii=False)
    names = workshop.baseline["name"].to_list() + workshop.baseline["id"].to_list()
    assert [n for n in names if json.dumps(n, ensure_ascii=False) in text] == []
    assert "people" not in body["present"]["impact"] and "names" not in body["present"]["votes"]
    # the example's teams have 1 to 3 people: with min_group 5 no team's mean is shown, only head counts
    teams = body["present"]["impact"]["breakdowns"][0]
    assert teams["attribute"] == "team" and teams["withheld"] == teams["total"]
    assert all(r["withheld"] and r["before"] is None and r["after"] is None for r in teams["rows"])


def test_the_projector_withholds_results_of_a_small_population_and_the_cost_of_a_few_people(workshop):
    workshop.start_voting()
    assert workshop.presenter_view()["impact"]["bonus"]["after"] is not None   # nothing moved
    workshop.move(RESULTS, 20)            # one person drops from S to A (their bonus changes), nobody else's
    moved = sum(1 for a, b in zip(workshop.baseline["bonus0"], workshop.result["bonus"]) if a != b)
    assert moved == 1
    assert workshop.presenter_view()["impact"]["bonus"]["after"] is None     # it would be their pay change
    assert workshop.impact()["bonus"]["after"] is not None                    # the facilitator still sees it
    workshop.min_group = 6                                                    # more than the 5 people scored
    assert workshop.presenter_view()["impact"] is None


# ---------------------------------------------------------------- phones: --host, QR codes

def test_listening_on_another_address_keeps_the_facilitator_on_this_computer(workshop):
    listening = listen("127.0.0.2", 0)
    try:
        addresses = sorted(s.getsockname()[0] for s in listening.sockets)
        assert addresses == ["127.0.0.1", "127.0.0.2"]
        assert len({s.getsockname()[1] for s in listening.sockets}) == 1
        assert listening.public_base == f"http://127.0.0.2:{listening.port}"
    finally:
        for s in listening.sockets:
            s.close()
    warning = host_warning(listening)
    assert "WARNING: listening on 127.0.0.2" in warning[0] and "plain HTTP" in warning[0]
    assert "警告" in warning[1] and "未加密" in warning[1]
    assert host_warning(listen_and_close("127.0.0.1")) == []
    with pytest.raises(ValueError, match="IP address"):
        listen("my-laptop.local")
    workshop.start_voting(mode="codes", codes=1)
    tokens = Tokens()
    app = create_app(workshop, tokens, hosts=frozenset({"127.0.0.2"}), public_base="http://127.0.0.2:9")
    far = TestClient(app, base_url="http://127.0.0.2:9", client=("127.0.0.2", 40000))
    assert far.get("/present", params={"token": tokens.presenter}).status_code == 200
    assert far.get("/vote", params={"token": ballot_token(workshop)}).status_code == 200
    r = far.get("/", params={"token": tokens.facilitator})
    assert r.status_code == 403 and "only on the computer running the workshop" in r.text
    near = TestClient(app, base_url="http://127.0.0.1:9", client=("127.0.0.1", 40000))
    assert near.get("/", params={"token": tokens.facilitator}).status_code == 200
    evil = TestClient(app, base_url="http://attacker.example:9", client=("127.0.0.1", 40000))
    assert evil.get("/present", params={"token": tokens.presenter}).status_code == 403
    # participants' links (and the QR code) use the address they can reach
    join = near.get("/api/present", headers={"X-Appraise-Token": tokens.presenter}).json()["join"]
    assert join["url"] == participant_link("http://127.0.0.2:9", ballot_token(workshop))


def listen_and_close(host: str):
    listening = listen(host, 0)
    for s in listening.sockets:
        s.close()
    return listening


def _raster(path: str, size: int, scale: int = 4):
    """The SVG path of :func:`qr` drawn back into pixels (dark 0, light 255), independently of the encoder."""
    import numpy as np

    modules = np.zeros((size, size), dtype=np.uint8)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path):
        modules[int(y), int(x):int(x) + int(w)] = 1
    return ((1 - np.kron(modules, np.ones((scale, scale), dtype=np.uint8))) * 255).astype(np.uint8), modules


@pytest.mark.parametrize("text", [
    "http://192.168.1.20:8765/vote?token=Qm9i.x",
    participant_link("http://127.0.0.1:65535", voting.sign(b"s" * 32, "2026-Q3-0123456789", "员工-00042")),
])
def test_the_qr_code_decodes_to_the_link(text):
    zxing = pytest.importorskip("zxingcpp")   # an independent decoder (ZXing's C++ port)
    code = qr(text)
    image, modules = _raster(code.path, code.size)
    # the quiet zone is light, and the three finder patterns sit in the corners (ISO/IEC 18004 §6.3.3)
    q, n = QUIET_ZONE, code.size - 2 * QUIET_ZONE
    assert modules[:q].sum() == modules[-q:].sum() == modules[:, :q].sum() == modules[:, -q:].sum() == 0
    finder = [[1] * 7] + [[1, 0, 0, 0, 0, 0, 1]] + [[1, 0, 1, 1, 1, 0, 1]] * 3 + [[1, 0, 0, 0, 0, 0, 1]] + [[1] * 7]
    for y, x in ((q, q), (q, q + n - 7), (q + n - 7, q)):
        assert modules[y:y + 7, x:x + 7].tolist() == finder
    assert (n - 17) % 4 == 0                                 # a symbol of version (n - 17) / 4
    found = zxing.read_barcodes(image)
    assert [(r.text, r.format.name) for r in found] == [(text, "QRCode")]
    assert code.svg().startswith("<svg") and "<script" not in code.svg("<script>")


# ---------------------------------------------------------------- the command line

def test_cli_host_warns_and_prints_the_room_link_and_codes(tmp_path):
    import httpx

    folder = tmp_path / "example"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("out"))
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "appraise", "workshop", str(folder / "cycle-q3.yaml"),
                             "--no-browser", "--host", "127.0.0.2", "--codes", "3"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        lines: list[str] = []
        deadline = time.time() + 60
        while time.time() < deadline and not any("Press Ctrl+C" in line for line in lines):
            lines.append(proc.stdout.readline())
        text = "".join(lines)
        assert "WARNING: listening on 127.0.0.2:" in text and "警告" in text
        facilitator = re.search(r"facilitator:\s+(http://127\.0\.0\.1:\d+/\?token=\S+)", text).group(1)
        presenter = re.search(r"presenter:\s+(http://127\.0\.0\.2:\d+/present\?token=\S+)", text).group(1)
        room = re.search(r"voting link:\s+(http://127\.0\.0\.2:\d+/vote\?token=\S+)", text).group(1)
        assert len(re.findall(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}\b", text)) == 3
        assert "--resume " in text and (folder / "out" / "appraise.db").exists()   # the cycle's store
        assert httpx.get(facilitator).status_code == 200
        assert httpx.get(presenter).status_code == 200 and httpx.get(room).status_code == 200
        # the facilitator's page over the other address is refused (a client that is not this computer's loopback)
        far = facilitator.replace("127.0.0.1", "127.0.0.2")
        with httpx.Client(transport=httpx.HTTPTransport(local_address="127.0.0.3")) as other:
            assert other.get(far).status_code == 403
    finally:
        proc.terminate()
        proc.wait(10)
