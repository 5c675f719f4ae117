"""A printable sheet of voting cards: one card per participant with their QR code, link and one-time code.

Self-contained (inline CSS, each QR code an inline SVG; no script, no network), A4 when printed: cards
in a grid of :data:`PER_PAGE` per page (or one per page), a page break between pages, never a card cut in
two; on screen a short hint above them that is not printed.  Every label is in both languages, the
sheet's own first.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from appraise.i18n import normalize_locale
from appraise.tools.workshop import texts
from appraise.tools.workshop.qr import qr

PER_PAGE = 6  # 2 columns x 3 rows of 93 x 86 mm on A4

CSS = """
@page { size: A4 portrait; margin: 10mm; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.4 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei",
       "Noto Sans CJK SC", sans-serif; color: #111; background: #e9ecef; }
.hint { max-width: 190mm; margin: 16px auto; padding: 12px 16px; background: #fff8d6; border: 1px solid #e0c96a;
        border-radius: 6px; }
.hint h1 { font-size: 20px; margin: 0 0 4px; }
.hint p { margin: 4px 0; }
.page { width: 190mm; margin: 0 auto 16px; display: grid; grid-template-columns: 1fr 1fr; gap: 4mm;
        background: #fff; padding: 4mm; }
.page.one { grid-template-columns: 1fr; }
.card { border: 1px dashed #888; border-radius: 3mm; padding: 4mm; height: 86mm; overflow: hidden;
        display: flex; flex-direction: column; justify-content: space-between; break-inside: avoid;
        page-break-inside: avoid; }
.page.one .card { height: 250mm; justify-content: center; gap: 10mm; }
.card p { margin: 0; }
.card .name { font-size: 20px; font-weight: 700; text-align: center; overflow-wrap: anywhere; flex: none;
              display: -webkit-box; -webkit-box-orient: vertical; -webkit-line-clamp: 2; overflow: hidden; }
.card .qr-row { display: flex; align-items: center; gap: 4mm; flex: none; }
.card svg.qr { width: 42mm; height: 42mm; display: block; flex: none; }
.page.one .card svg.qr { width: 100mm; height: 100mm; }
.card .side { display: flex; flex-direction: column; gap: 2mm; min-width: 0; }
.card .scan { font-size: 14px; font-weight: 600; }
.card .who { font-size: 13px; color: #333; }
.card .note { font-size: 12px; color: #333; }
.card .code { font: 700 19px/1.2 ui-monospace, Menlo, Consolas, monospace; white-space: nowrap;
              border: 2px solid #111; border-radius: 2mm; padding: 1mm 2mm; align-self: flex-start; }
.card .link { font: 11px/1.3 ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; overflow-wrap: anywhere;
              word-break: break-all; text-align: center; flex: none; }
.other { display: block; font-size: 0.85em; color: #555; }
@media print {
  body { background: #fff; }
  .hint { display: none; }
  .page { margin: 0; padding: 0; width: 190mm; break-after: page; page-break-after: always; }
  .page:last-child { break-after: auto; page-break-after: auto; }
}
"""


@dataclass(frozen=True)
class Card:
    """One participant's card: who (a roster name, or empty), the link to open, a one-time code if any."""

    name: str
    note_key: str
    url: str
    code: str = ""
    label: str = ""


def _both(key: str, locale: str, **values) -> str:
    """``key`` in the sheet's language, then (smaller) in the other one, as HTML."""
    first = escape(texts.message(key, locale, **values))
    second = escape(texts.message(key, texts.other(locale), **values))
    return first if first == second else f'{first}<span class="other">{second}</span>'


def render(cards: list[Card], locale: str, *, per_page: int = PER_PAGE, title: str = "", nonce: str = "",
           notice_key: str = "") -> str:
    """The sheet as one HTML document (``nonce``: for the page's Content-Security-Policy when served)."""
    if per_page not in (1, PER_PAGE):
        raise ValueError(f"cards per page: 1 or {PER_PAGE}, not {per_page}")
    locale = normalize_locale(locale)
    nonce_attr = f' nonce="{escape(nonce)}"' if nonce else ""
    heading = escape(texts.message("sheet_title", locale)) + (f" · {escape(title)}" if title else "")
    out = ["<!doctype html>", f'<html lang="{locale}">', "<head>", '<meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<meta name="referrer" content="no-referrer">', '<link rel="icon" href="data:,">',
           f"<title>{heading}</title>", f"<style{nonce_attr}>{CSS}</style>", "</head>", "<body>",
           f'<div class="hint"><h1>{heading}</h1><p>{_both("sheet_hint", locale)}</p>'
           + (f'<p>{_both(notice_key, locale)}</p>' if notice_key else "") + "</div>"]
    for start in range(0, len(cards), per_page):
        out.append(f'<section class="page{" one" if per_page == 1 else ""}">')
        for card in cards[start:start + per_page]:
            symbol = qr(card.url)
            parts = ['<article class="card">']
            if card.name:
                parts.append(f'<p class="name">{escape(card.name)}</p>')
            # the QR code, and beside it what to do with it (and the one-time code): a sixth of a page is enough
            parts.append(f'<div class="qr-row">{symbol.svg(card.url)}<div class="side">')
            if card.code:
                parts.append(f'<p class="note">{_both("card_code", locale)}</p><p class="code">{escape(card.code)}</p>')
            parts.append(f'<p class="scan">{_both("card_scan", locale)}</p>'
                         f'<p class="who">{_both(card.note_key, locale, label=card.label)}</p></div></div>')
            parts.append(f'<p class="link">{escape(card.url)}</p>')
            parts.append("</article>")
            out.append("".join(parts))
        out.append("</section>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)
