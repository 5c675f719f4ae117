"""One workshop: the loaded population, the baseline, the current weights, the votes, saving.

:class:`Workshop` is the whole server-side state; the web app only translates
HTTP to its methods.  Inputs are read once (:meth:`Workshop.from_cycle`);
every weight change builds a new immutable plan
(:func:`appraise.tools.workshop.weightset.with_weights`) and re-scores it with
:class:`~appraise.tools.workshop.rescore.Rescorer`.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import stat
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl

from appraise.atomic import write_bytes
from appraise.core.evaluate import evaluate
from appraise.errors import InvalidInput
from appraise.i18n import normalize_locale
from appraise.language.compile import Ruleset, localized
from appraise.tools.workshop import weightset, yamledit
from appraise.tools.workshop.rescore import RESULT_COLUMNS, Rescorer

BREAKDOWN_ATTRIBUTES = ("team", "region")
TENURE_BANDS = ((12, "tenure_0"), (36, "tenure_1"), (60, "tenure_3"))
MAX_GROUP_ROWS = 12
MAX_PEOPLE = 25
MAX_NAME = 60


class SaveRefused(Exception):
    """Saving was refused; ``messages`` say why (validator diagnostics or a changed file)."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


class SaveConflict(SaveRefused):
    """Saving was refused because the file changed since the workshop read it (another workshop saved)."""


LOCK_WAIT = 10.0  # seconds a save waits for another workshop's save of the same folder to finish


@contextmanager
def _folder_lock(folder: Path):
    """An exclusive ``flock`` on ``folder`` itself (no lock file left in a repository): every workshop saving a
    ruleset of that folder takes it, so one compare-and-write finishes before the next compare begins."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): saves of one server are still serialised by the app
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise SaveConflict([f"another workshop has been saving into {folder} for {LOCK_WAIT:.0f} s; "
                                        "try again"]) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass
class Ballot:
    """One participant's latest proposal."""

    voter: str
    name: str
    weights: dict[str, Decimal]
    at: float = field(default_factory=time.time)


class Workshop:
    """The state of one workshop (not thread-safe: the app serialises calls)."""

    def __init__(self, ruleset: Ruleset, inputs, period, context: Mapping[str, Any], *,
                 ruleset_path: str | Path | None = None, budget: Decimal | None = None,
                 locale: str | None = None, cycle_label: str = ""):
        self.ruleset = ruleset
        self.inputs = inputs
        self.period = period
        self.context = dict(context)
        self.path = Path(ruleset_path or ruleset.source) if (ruleset_path or ruleset.source) else None
        self.locale = normalize_locale(locale or ruleset.locale)
        self.cycle_label = cycle_label or period.id
        self.groups = weightset.groups(ruleset)
        self.group_of = {k: g for g in self.groups for k in g.items}
        self.file_weights = weightset.weights(ruleset)
        self.start_weights = dict(self.file_weights)
        self.weights = dict(self.file_weights)
        self.version = ruleset.version
        self._file_sha = hashlib.sha256(self.path.read_bytes()).hexdigest() if self.path else ""
        evaluation = evaluate(ruleset, inputs, period, self.context)
        self.rescorer = Rescorer(evaluation)
        self.fast = self.rescorer.score(ruleset).equals(evaluation.frame.select("id", *RESULT_COLUMNS))
        f = evaluation.frame
        attrs = [a for a in BREAKDOWN_ATTRIBUTES if f"attr.{a}" in f.columns]
        cal = ruleset.calibration
        if not attrs and cal is not None and f"attr.{cal.cohort}" in f.columns:
            attrs = [cal.cohort]
        self.breakdowns = attrs
        self.baseline = f.select(
            "id", "name", *[pl.col(f"attr.{a}").alias(f"attr.{a}") for a in attrs],
            _tenure_band(pl.col("tenure_months")).alias("tenure_band"),
            pl.col("score").alias("score0"), pl.col("grade").alias("grade0"), pl.col("bonus").alias("bonus0"))
        self.baseline_bonus = _money(self.baseline["bonus0"])
        self.budget = Decimal(budget) if budget is not None else self.baseline_bonus
        self.votes: dict[str, Ballot] = {}
        self.result = evaluation.frame.select("id", *RESULT_COLUMNS)
        self.elapsed = 0.0

    @classmethod
    def from_cycle(cls, cycle_path: str | Path, *, budget: Decimal | None = None, locale: str | None = None
                   ) -> Workshop:
        """Read a cycle file's ruleset and sources once (the providers run here, not per slider move)."""
        from appraise.pipeline import load, prepare

        cycle, rs = load(cycle_path)
        inputs = prepare(cycle, rs, overrides=False).inputs  # neither the overrides file nor the store is read
        return cls(rs, inputs, cycle.period, cycle.context, ruleset_path=cycle.ruleset_path, budget=budget,
                   locale=locale or cycle.locale, cycle_label=cycle.period.id)

    # ------------------------------------------------------------ weights and scoring

    def plan(self) -> Ruleset:
        """The immutable plan with the current weights."""
        return weightset.with_weights(self.ruleset, self.weights)

    def rescore(self) -> None:
        """Score everyone under the current weights (fast path, or the full engine if the self-check failed)."""
        t0 = time.perf_counter()
        plan = self.plan()
        if self.fast:
            self.result = self.rescorer.score(plan)
        else:  # only if the start-up self-check found a difference
            frame = evaluate(plan, self.inputs, self.period, self.context).frame
            self.result = self.baseline.select("id").join(frame.select("id", *RESULT_COLUMNS), on="id", how="left")
        self.elapsed = time.perf_counter() - t0

    def move(self, key: str, value) -> None:
        """Set one weight; its siblings share the rest in proportion; re-score."""
        group = self.group_of.get(key)
        if group is None:
            raise KeyError(f"no weight '{key}'")
        if group.fixed:
            raise ValueError(f"'{key}' is the only member of its group and stays at 100")
        self.weights = weightset.move(self.weights, group, key, _finite(key, value))
        self.rescore()

    def set_all(self, new: Mapping[str, Decimal]) -> None:
        """Replace every weight (each group rounded to cents summing to 100); re-score."""
        unknown = sorted(set(new) - set(self.group_of))
        if unknown:
            raise KeyError(f"no weight '{unknown[0]}'")
        out = dict(self.weights)
        for g in self.groups:
            values = {k: _finite(k, new[k]) if k in new else self.weights[k] for k in g.items}
            if any(v < 0 or v > 100 for v in values.values()):
                raise ValueError(f"group '{g.id}': weights are between 0 and 100")
            if sum(values.values()) == 0:
                raise ValueError(f"group '{g.id}' needs at least one weight above 0")
            out.update(weightset.round_to_total(values))
        self.weights = out
        self.rescore()

    def reset(self) -> None:
        """Back to the weights the workshop started with."""
        self.set_all(self.start_weights)

    # ------------------------------------------------------------ votes

    def vote(self, voter: str, name: str, proposal: Mapping[str, Any]) -> Ballot:
        """Record a participant's proposal: one ballot per voter (a participant link), the latest replaces.

        The name is a label the participant types; it identifies nobody, so it
        neither merges nor replaces ballots of other links.
        """
        name = " ".join(str(name or "").split())[:MAX_NAME]
        if not name:
            raise ValueError("name_required")
        weights: dict[str, Decimal] = {}
        for key, value in proposal.items():
            if key not in self.group_of:
                raise ValueError(f"no weight '{key}'")
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                raise ValueError(f"'{key}': {value!r} is not a number") from None
            if not number.is_finite() or number < 0 or number > 100:
                raise ValueError(f"'{key}': weights are between 0 and 100")
            weights[key] = number
        for g in self.groups:
            if not all(k in weights for k in g.items):
                raise ValueError(f"the proposal misses weights of group '{g.id}'")
            if sum(weights[k] for k in g.items) == 0:
                raise ValueError(f"group '{g.id}' needs at least one weight above 0")
        ballot = Ballot(voter, name, weights)
        self.votes[voter] = ballot
        return ballot

    def tally(self) -> dict[str, weightset.ItemTally]:
        """Median and spread per item over the current ballots."""
        return weightset.tally([b.weights for b in self.votes.values()], self.groups)

    def adopt(self) -> None:
        """Set the weights to the median proposal (groups nobody voted on keep theirs)."""
        medians = {k: t.median for k, t in self.tally().items()}
        if not medians:
            raise ValueError("no votes to adopt")
        self.set_all({**self.weights, **medians})

    # ------------------------------------------------------------ saving

    def save(self) -> dict[str, Any]:
        """Write the current weights into the ruleset file (validated first, atomically) and bump its version.

        Returns ``changed``, ``version``, ``diff`` (unified) and ``file``; raises
        :class:`SaveRefused` when the new text would not validate, and
        :class:`SaveConflict` when the file changed on disk since the workshop
        read it (e.g. another workshop on the same ruleset saved first).  The
        file keeps its permission bits.
        """
        if self.path is None:
            raise SaveRefused(["this workshop has no ruleset file to save to"])
        # compare-and-swap: the file is read, compared with what this workshop read at start and replaced while
        # holding the folder's lock, so two workshops on one ruleset cannot both succeed
        with _folder_lock(self.path.parent):
            prepared = self._prepare()
            if prepared is None:
                return {"changed": False, "version": self.version, "diff": "", "file": str(self.path)}
            text, new_text, version = prepared
            data = new_text.encode("utf-8")
            write_bytes(self.path, data, mode=stat.S_IMODE(self.path.stat().st_mode))  # 0600 stays 0600
            self._file_sha = hashlib.sha256(data).hexdigest()
        self.file_weights = dict(self.weights)
        self.version = version
        name = self.path.name
        diff = "".join(difflib.unified_diff(text.splitlines(True), new_text.splitlines(True),
                                            f"a/{name}", f"b/{name}"))
        return {"changed": True, "version": version, "diff": diff, "file": str(self.path)}

    def check(self) -> list[str]:
        """What saving now would be refused for (empty: it would be accepted); writes nothing."""
        try:
            self._prepare()
        except SaveRefused as exc:
            return exc.messages
        return []

    def _prepare(self) -> tuple[str, str, str] | None:
        """(old text, new text, new version), or None when the weights equal the file's."""
        if self.path is None:
            raise SaveRefused(["this workshop has no ruleset file to save to"])
        raw = self.path.read_bytes()
        if hashlib.sha256(raw).hexdigest() != self._file_sha:
            raise SaveConflict([f"{self.path} changed on disk since the workshop read it; "
                               "restart the workshop so nobody's edit is overwritten"])
        changes = {weightset.yaml_path(k): weightset.format_weight(v)
                   for k, v in self.weights.items() if v != self.file_weights[k]}
        if not changes:
            return None
        text = raw.decode("utf-8")
        version = yamledit.bump_version(self.version)
        try:
            new_text = yamledit.rewrite(text, changes, version)
        except yamledit.EditError as exc:
            raise SaveRefused([str(exc)]) from None
        problems = _validate(new_text, str(self.path))
        if problems:
            raise SaveRefused(problems)
        return text, new_text, version

    # ------------------------------------------------------------ what the pages show

    def labels(self, locale: str | None = None) -> dict[str, str]:
        """Item and group labels in ``locale`` (default: the workshop's; the key when a ruleset gives none)."""
        locale = locale or self.locale
        out = {}
        for card in self.ruleset.scorecards:
            out[card.key] = localized(card.label, locale, card.key)
            for d in card.dimensions:
                out[f"{card.key}/{d.key}"] = localized(d.label, locale, d.key)
                for k in d.kpis:
                    out[f"{card.key}/{d.key}.{k.key}"] = localized(k.label, locale, k.key)
        return out

    def weights_view(self, locale: str | None = None) -> dict[str, Any]:
        """Groups, labels and weights: everything a participant may see."""
        return {
            "title": localized(self.ruleset.title, locale or self.locale, self.ruleset.id),
            "version": self.version,
            "cycle": self.cycle_label,
            "groups": [{"id": g.id, "card": g.card, "dimension": g.dimension, "items": list(g.items),
                        "fixed": g.fixed} for g in self.groups],
            "labels": self.labels(locale),
            "weights": {k: float(v) for k, v in self.weights.items()},
            "start": {k: float(v) for k, v in self.start_weights.items()},
        }

    def votes_view(self) -> dict[str, Any]:
        """Who voted (names only) and the median and spread per item."""
        return {
            "names": sorted((b.name for b in self.votes.values()), key=str.casefold),
            "items": {k: {"median": float(t.median), "raw_median": t.raw_median, "q1": t.q1, "q3": t.q3,
                          "low": t.low, "high": t.high, "votes": t.votes} for k, t in self.tally().items()},
        }

    def impact(self, people: bool = True) -> dict[str, Any]:
        """The effect of the current weights against the baseline (facilitator only)."""
        f = self.baseline.hstack(self.result.drop("id").get_columns())
        ranks = {g.grade: i for i, g in enumerate(self.ruleset.grades)}
        f = f.with_columns(pl.col("grade0").replace_strict(ranks, default=None, return_dtype=pl.Int32).alias("_r0"),
                           pl.col("grade").replace_strict(ranks, default=None, return_dtype=pl.Int32).alias("_r1"))
        moved = f.filter(pl.col("_r0") != pl.col("_r1"))
        before = dict(f.group_by("grade0").len().iter_rows())
        after = dict(f.group_by("grade").len().iter_rows())
        bonus = _money(f["bonus"])
        out: dict[str, Any] = {
            "population": f.height,
            "unscored": int(f["score"].null_count() - f["score0"].null_count()),
            "elapsed_ms": round(self.elapsed * 1000, 1),
            "grades": [{"grade": g.grade, "before": before.get(g.grade, 0), "after": after.get(g.grade, 0)}
                       for g in self.ruleset.grades],
            "changed": {"total": moved.height, "up": int((moved["_r1"] < moved["_r0"]).sum()),
                        "down": int((moved["_r1"] > moved["_r0"]).sum())},
            "bonus": {"before": float(self.baseline_bonus), "after": float(bonus), "budget": float(self.budget),
                      "currency": self.ruleset.currency} if self.ruleset.bonus else None,
            "breakdowns": [_breakdown(f, f"attr.{a}", a) for a in self.breakdowns]
            + [_breakdown(f, "tenure_band", "tenure", order=[k for _, k in TENURE_BANDS] + ["tenure_5"])],
        }
        if people:
            top = moved.with_columns((pl.col("score") - pl.col("score0")).abs().alias("_d")) \
                .sort(["_d", "id"], descending=[True, False], nulls_last=True).head(MAX_PEOPLE)
            team = f"attr.{self.breakdowns[0]}" if self.breakdowns else None
            out["people"] = [{"id": r["id"], "name": r["name"], "group": r[team] if team else None,
                              "score0": r["score0"], "score": r["score"], "grade0": r["grade0"], "grade": r["grade"],
                              "bonus0": _float(r["bonus0"]), "bonus": _float(r["bonus"])}
                             for r in top.iter_rows(named=True)]
            out["more_people"] = max(moved.height - MAX_PEOPLE, 0)
            out["people_group"] = self.breakdowns[0] if self.breakdowns else None
        return out


def _finite(key: str, value) -> Decimal:
    """A weight as an exact decimal; NaN, infinity and non-numbers are refused (ValueError)."""
    if isinstance(value, bool):
        raise ValueError(f"'{key}': a weight is a number")
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        raise ValueError(f"'{key}': {str(value)[:40]!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"'{key}': a weight is a finite number between 0 and 100")
    return number


def _validate(text: str, name: str) -> list[str]:
    from appraise.language.load import loads
    from appraise.language.validate import validate_ruleset

    try:
        doc = loads(text, name)
    except InvalidInput as exc:
        return [str(d) for d in exc.diagnostics]
    return [str(d) for d in validate_ruleset(doc) if d.severity == "error"]


def _tenure_band(months: pl.Expr) -> pl.Expr:
    out: Any = pl.when(months.is_null()).then(pl.lit("tenure_none"))  # Then, then ChainedThen
    for limit, key in TENURE_BANDS:
        out = out.when(months < limit).then(pl.lit(key))
    return out.otherwise(pl.lit("tenure_5"))


def _breakdown(f: pl.DataFrame, column: str, attribute: str, order: list[str] | None = None) -> dict[str, Any]:
    g = f.group_by(column).agg(pl.len().alias("n"), pl.col("score0").mean().alias("before"),
                               pl.col("score").mean().alias("after"))
    g = g.with_columns((pl.col("after") - pl.col("before")).alias("delta"))
    total = g.height
    if order is not None:
        rank = {k: i for i, k in enumerate(order + ["tenure_none"])}
        g = g.with_columns(pl.col(column).replace_strict(rank, default=len(rank)).alias("_o")).sort("_o")
    elif total > MAX_GROUP_ROWS:
        g = g.with_columns(pl.col("delta").abs().alias("_o")).sort(["_o", column], descending=[True, False],
                                                                   nulls_last=True).head(MAX_GROUP_ROWS)
    else:
        g = g.sort(column, nulls_last=True)
    rows = [{"group": r[column], "n": r["n"], "before": _round(r["before"]), "after": _round(r["after"]),
             "delta": _round(r["delta"])} for r in g.iter_rows(named=True)]
    return {"attribute": attribute, "rows": rows, "total": total, "translate": order is not None}


def _money(column: pl.Series) -> Decimal:
    total = column.sum()
    return Decimal(str(total)) if total is not None else Decimal(0)


def _float(value) -> float | None:
    return None if value is None else float(value)


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)
