"""Every page type in a real Chromium: no console error, no network, visible content, contrast, A4 print."""
from __future__ import annotations

import copy
import struct
import zlib

import polars as pl
import pytest

from appraise.core.insights import insights
from appraise.language.ruleset import load_ruleset
from appraise.present.render import render_all
from browser_support import NEEDS_CHROMIUM
from engine_inputs import EXAMPLE, example_inputs, previous_from, run_example

pytestmark = NEEDS_CHROMIUM

PAGES = {
    "dashboard": ("dashboards/E001.html", ["#score", "#grade", "#kpis", "svg[role=img]", "#reach", "#focus",
                                           "table.competencies", "ul.comments", "svg.spark"]),
    "dashboard-calibrated": ("dashboards/E003.html", ["#calibration", "#kpis"]),
    "plan-formal": ("plans/E004.html", ["#formal", "#goals", "#checkpoints"]),
    "plan": ("plans/E001.html", ["h1", ".focus"]),
    "team": ("teams/east-1.html", ["table.heatmap", "svg[role=img]", "#plans"]),
    "index": ("index.html", ["#teams", "svg[role=img]"]),
    # the worked example as it is: teams of 4 and 1, below privacy.min_group (5), so no figures
    "team-small": ("small/teams/east-1.html", ["table.heatmap", "#withheld", "#plans"]),
    "index-small": ("small/index.html", ["#teams", "td.withheld", "#withheld"]),
}

# Contrast of every text node against its effective background (WCAG AA: 4.5, large text 3).
CONTRAST_JS = """
() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(x => parseFloat(x)); return {r:p[0], g:p[1], b:p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bg = el => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c && c.a > 0.5) return c; } return {r:255, g:255, b:255, a:1}; };
  const bad = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode; if (!node.textContent.trim()) continue;
    const el = node.parentElement; if (el.closest('svg')) continue;
    const st = getComputedStyle(el); if (st.visibility === 'hidden' || st.display === 'none') continue;
    const fg = parse(st.color), b = bg(el); const l1 = lum(fg), l2 = lum(b);
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const large = parseFloat(st.fontSize) >= 24 || (parseFloat(st.fontSize) >= 18.66 && parseInt(st.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(node.textContent.trim().slice(0, 40) + ' ' + ratio.toFixed(2));
  }
  return bad;
}
"""


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into rows of raw pixel bytes.

    Rows filtered None, Sub or Up are undone with numpy (Sub is a running sum per channel, modulo 256); Average
    and Paeth rows depend on the byte just decoded to their left, so those go byte by byte (a full-page dashboard
    took ~1.5 s of CPU byte by byte throughout, ~0.6 s so)."""
    import numpy as np

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and color in (2, 6)
            bpp = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(height, stride + 1)
    rows, prev = [], np.zeros(stride, dtype=np.uint8)
    for y in range(height):
        f, line = int(raw[y, 0]), raw[y, 1:]
        if f == 0:
            cur = line
        elif f == 1:
            cur = np.cumsum(line.reshape(width, bpp), axis=0, dtype=np.uint8).reshape(stride)
        elif f == 2:
            cur = line + prev
        else:
            out, up = bytearray(line.tobytes()), prev.tobytes()
            for i in range(stride):
                a = out[i - bpp] if i >= bpp else 0
                b, c = up[i], up[i - bpp] if i >= bpp else 0
                if f == 3:
                    out[i] = (out[i] + (a + b) // 2) & 255
                else:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    out[i] = (out[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            cur = np.frombuffer(bytes(out), dtype=np.uint8)
        rows.append(cur.tobytes())
        prev = cur
    return width, height, rows


def assert_not_blank(png: bytes) -> None:
    width, height, rows = png_pixels(png)
    assert width >= 900 and height > 300
    sample = rows[:: max(1, height // 200)]
    colours = {row[i:i + 3] for row in sample for i in range(0, len(row), 3 * 7)}
    assert len(colours) > 20, f"screenshot looks blank ({len(colours)} colours)"
    lum = [sum(row[i:i + 3]) / 3 for row in sample for i in range(0, len(row), 3 * 11)]
    mean = sum(lum) / len(lum)
    assert sum((v - mean) ** 2 for v in lum) / len(lum) > 100, "screenshot has almost no contrast"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """``<locale>/``: the worked example with E005 moved into east-1, one team of five, so that every
    figure is shown (privacy.min_group is 5); ``<locale>/small/``: the example as it is."""
    _, q2 = run_example("Q2")
    ev, q3 = run_example("Q3", previous=previous_from(q2))
    history = {e["id"]: [{"cycle": "2026-Q2", "score": e["score"], "grade": e["grade"], "bonus": e["bonus"],
                          "kpis": e["kpis"], "bonus_detail": e["bonus_detail"]}] for e in q2["employees"]}
    # what is within reach, the 360 by competency and a comment (the dashboards' issue-18 sections)
    feedback = example_inputs("Q3").feedback.with_columns(
        pl.when(pl.col("rater") == "P00").then(pl.lit("Shares leads with the team.")).otherwise(None).alias("comment"))
    found = insights(ev, feedback, history)
    ruleset = load_ruleset(EXAMPLE / "sales-team.yaml")
    one_team = copy.deepcopy(q3)
    for e in one_team["employees"]:
        e["calibration"]["cohort"] = "east-1"
    out = tmp_path_factory.mktemp("browser")
    for locale in ("en", "zh-CN"):
        render_all(one_team, ruleset, out / locale, history=history, locale=locale, insights=found)
        render_all(q3, ruleset, out / locale / "small", history=history, locale=locale, insights=found)
    return out


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_page_in_chromium(site, browser, kind, locale):
    page_path, selectors = PAGES[kind]
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    problems, requests = [], []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        url = (site / locale / page_path).as_uri()
        page.goto(url, wait_until="load")
        assert problems == []
        assert [r for r in requests if r != url and not r.startswith("data:")] == []
        assert page.locator("html").get_attribute("lang") == locale
        assert page.locator("h1").count() == 1 and page.locator("h1").is_visible()
        for selector in selectors:
            assert page.locator(selector).first.is_visible(), selector
        assert page.title()
        assert page.evaluate(CONTRAST_JS) == []
        for svg in page.locator("svg").all():
            assert svg.get_attribute("role") == "img" and svg.locator("title").count() == 1
        assert_not_blank(page.screenshot(full_page=True))
        # A4 print: navigation hidden, a PDF comes out
        page.emulate_media(media="print")
        nav = page.locator("nav.pages")
        assert nav.count() == 0 or not nav.first.is_visible()
        pdf = page.pdf(format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    finally:
        page.close()


def test_links_between_pages_work(site, browser):
    page = browser.new_page()
    try:
        page.goto((site / "en" / "index.html").as_uri())
        page.click("text=east-1")
        assert page.url.endswith("/teams/east-1.html")
        page.click("text=Chen Jie >> nth=0")
        assert page.url.endswith("/dashboards/E004.html")
        page.click("text=Development plan")
        assert page.url.endswith("/plans/E004.html")
        assert "Chen Jie" in page.locator("h1").inner_text()
    finally:
        page.close()
