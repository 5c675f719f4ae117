"""QR codes of workshop links, drawn as inline SVG: no network, no image file, no script.

The symbol comes from `segno <https://github.com/heuer/segno>`_ (pure Python, ISO/IEC 18004), error
correction level M (15 % of the symbol may be lost: a projector's glare, a phone held at an angle).
The SVG is one ``<path>`` of dark runs on a white square with the standard quiet zone of 4 modules,
scaled by the page (``viewBox``), with crisp edges.
"""
from __future__ import annotations

from dataclasses import dataclass

QUIET_ZONE = 4


@dataclass(frozen=True)
class QR:
    """A QR symbol: its size in modules (quiet zone included) and its dark modules as SVG path data."""

    text: str
    size: int
    path: str

    def svg(self, label: str = "") -> str:
        """The symbol as a standalone ``<svg>`` element (the text and label escaped)."""
        from html import escape

        return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {self.size} {self.size}" role="img" '
                f'aria-label="{escape(label or self.text)}" shape-rendering="crispEdges" class="qr">'
                f'<rect width="{self.size}" height="{self.size}" fill="#fff"/>'
                f'<path d="{self.path}" fill="#000"/></svg>')


def matrix(text: str) -> list[list[bool]]:
    """The symbol's modules (True: dark), without the quiet zone."""
    try:
        import segno
    except ImportError:  # pragma: no cover - the workshop extra installs it
        raise RuntimeError("QR codes need segno: pip install 'appraise[workshop]'") from None
    code = segno.make_qr(text, error="m", boost_error=False)
    return [[bool(m) for m in row] for row in code.matrix]


def qr(text: str) -> QR:
    """``text`` (a link) as a QR symbol."""
    rows = matrix(text)
    parts = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                parts.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return QR(text, len(rows) + 2 * QUIET_ZONE, "".join(parts))
