"""Where the generator's choices come from: a seeded ``random.Random`` or hypothesis' ``draw``.

Everything the generator decides goes through one small interface, :class:`Chooser`, whose only
primitive is :meth:`Chooser.integer`.  :class:`RandomChooser` answers from ``random.Random(seed)``
(plain scripts, reproducible by seed); :class:`DrawChooser` answers from a hypothesis ``draw``
(property tests: derandomized in CI, shrinkable).  Every derived choice is built so that the
*smallest* integer is the *simplest* answer (first option, ``False``, fewest items), which is the
direction hypothesis shrinks in.

Bulk data (hundreds of cells) should not be drawn one cell at a time from hypothesis: its per-example
budget of choices is a few thousand and each draw costs time.  :meth:`Chooser.fork` hands back a
:class:`RandomChooser` seeded from one choice of this chooser, for exactly that.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, TypeVar

T = TypeVar("T")


class Chooser:
    """The generator's source of choices; subclasses implement :meth:`integer` only."""

    def integer(self, lo: int, hi: int) -> int:  # pragma: no cover - abstract
        """A whole number in ``[lo, hi]`` (both included); ``lo`` is the simplest."""
        raise NotImplementedError

    def choice(self, options: Sequence[T]) -> T:
        """One of ``options``; the first is the simplest."""
        return options[self.integer(0, len(options) - 1)]

    def weighted(self, options: Sequence[tuple[T, int]]) -> T:
        """One of ``(value, weight)`` options with whole-number weights; the first is the simplest."""
        total = sum(w for _, w in options)
        pick = self.integer(0, total - 1)
        for value, w in options:
            if pick < w:
                return value
            pick -= w
        raise AssertionError("unreachable")

    def chance(self, p: float) -> bool:
        """True with probability ``p``; False is the simplest."""
        if p <= 0:
            return False
        if p >= 1:
            return True
        # a range of 100: hypothesis draws it about uniformly (wide ranges lean hard towards small numbers)
        return self.integer(0, 99) >= round(100 * (1 - p))

    def sample(self, options: Sequence[T], lo: int, hi: int) -> list[T]:
        """Between ``lo`` and ``hi`` distinct items of ``options``, kept in their order."""
        hi = min(hi, len(options))
        k = self.integer(min(lo, hi), hi)
        left = list(range(len(options)))
        picked = []
        for _ in range(k):
            picked.append(left.pop(self.integer(0, len(left) - 1)))
        return [options[i] for i in sorted(picked)]

    def decimal(self, lo: str | Decimal, hi: str | Decimal, places: int = 2) -> Decimal:
        """A decimal in ``[lo, hi]`` with at most ``places`` decimals (exact, for YAML weights and pay)."""
        unit = Decimal(1).scaleb(-places)
        a, b = int(Decimal(lo) / unit), int(Decimal(hi) / unit)
        return (self.integer(a, b) * unit).normalize()

    def fork(self) -> RandomChooser:
        """A seeded :class:`RandomChooser` for bulk choices (data rows), its seed chosen here."""
        return RandomChooser(self.integer(0, 2**32 - 1))


class RandomChooser(Chooser):
    """Choices from ``random.Random(seed)``: the same seed gives the same case."""

    def __init__(self, seed: int | str = 0):
        self.seed = seed
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        # random() scaled is ~3x faster than randint; ranges here are far below 2**53, so it stays uniform
        # enough (the differential test draws hundreds of thousands of cells per run)
        return lo + int(self.rng.random() * (hi - lo + 1))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def __repr__(self) -> str:
        return f"RandomChooser({self.seed!r})"


class DrawChooser(Chooser):
    """Choices from hypothesis: ``DrawChooser(draw)`` inside ``@st.composite`` or with ``st.data().draw``."""

    def __init__(self, draw: Callable[[Any], Any]):
        from hypothesis import strategies as st

        self._draw = draw
        self._st = st
        self._history = hashlib.sha256()

    def integer(self, lo: int, hi: int) -> int:
        if lo == hi:
            return lo
        value = self._draw(self._st.integers(lo, hi))
        self._history.update(f"{value},".encode())
        return value

    def fork(self) -> RandomChooser:
        # hypothesis leans towards small seeds (many examples would share their data): the seed also
        # mixes in every choice made so far, which keeps it reproducible from the same draws
        drawn = self.integer(0, 2**32 - 1)
        return RandomChooser(int.from_bytes(self._history.digest()[:8], "big") ^ drawn)
