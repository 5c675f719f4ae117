"""Diagnostics: every problem appraise reports carries where it is and how to fix it."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Diagnostic:
    """One problem in a file: ``file:line:col: error: message (key.path)``.

    ``line`` and ``col`` are 1-based; 0 means "the whole file".  ``path`` is the
    dotted key path inside the document (``scorecards.sales_rep.dimensions``),
    or for data files a column name.  ``hint`` says what to do about it.
    """

    file: str
    line: int
    col: int
    message: str
    path: str = ""
    severity: str = "error"
    hint: str = ""
    code: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.col}"
        text = f"{where}: {self.severity}: {self.message}"
        if self.hint:
            text += f"; {self.hint}"
        if self.path:
            text += f" ({self.path})"
        return text

    def to_dict(self) -> dict:
        """The JSON shape used by ``--format json`` and ``errors.csv``."""
        return {
            "file": self.file,
            "line": self.line,
            "col": self.col,
            "severity": self.severity,
            "message": self.message,
            "path": self.path,
            "hint": self.hint,
            "code": self.code,
        }


class AppraiseError(Exception):
    """Base class of every error appraise raises on purpose."""


@dataclass
class InvalidInput(AppraiseError):
    """Raised with every diagnostic found, never only the first."""

    diagnostics: list[Diagnostic] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(d) for d in self.diagnostics)


def dotted(path: tuple) -> str:
    """Render a key path tuple as ``a.b[2].c``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
