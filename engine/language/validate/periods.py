"""Periods that add up: a dimension's ``periods:`` weights in a ruleset, and what a ruleset reads of
shorter periods checked against the cycle that runs it."""
from __future__ import annotations

from appraise.errors import Diagnostic
from appraise.language.load import Document
from appraise.language.period import SUBPERIOD_KEYS
from appraise.language.period import parse as parse_period
from appraise.language.validate.base import RulesetBase


class PeriodChecks(RulesetBase):
    """A dimension's sub-period weights."""

    def check_periods(self, path: tuple, dim_id: str, spec: dict) -> None:
        """``periods:`` weights are keyed for ``every:`` (``01``…``12``, ``Q1``…``Q4``, ``H1``/``H2``) and sum to
        exactly 100."""
        weights, every = spec.get("weights"), spec.get("every")
        if not isinstance(weights, dict):
            return
        keys = SUBPERIOD_KEYS.get(every) if isinstance(every, str) else None
        if keys is not None:
            for key in weights:
                if key not in keys:
                    self.error(path + ("weights", key), f"'{key}' is not a {every} of a year: with every: {every} "
                               "the weights are keyed " + (", ".join(keys) if len(keys) < 5 else
                                                           f"{keys[0]}, {keys[1]} … {keys[-1]}"), key=True,
                               hint=f"key each {every} by its place in the year, e.g. {keys[-1]}",
                               code="periods-key")
        self.weight_sum(path + ("weights",), weights, f"the sub-periods of dimension '{dim_id}'")


def check_cycle_periods(doc: Document, rs_doc: Document, name: str) -> list[Diagnostic]:
    """What the ruleset reads of shorter periods (``periods:`` dimensions, ``bonus.net_of``) must fit this cycle:
    ``every:`` shorter than the cycle, and the weights naming at least one of its sub-periods."""
    try:
        period = parse_period(str(doc.data.get("cycle")))
    except ValueError:
        return []
    from appraise.language.compile import compile_ruleset  # a ruleset checked alone never compiles it

    rs = compile_ruleset(rs_doc)
    out: list[Diagnostic] = []
    for why, rs_id, every in rs.stored_reads():
        what = f"dimension '{why.split(':', 1)[1]}'" if why.startswith("periods:") else "bonus.net_of"
        try:
            subs = period.subperiods(every)
        except ValueError:
            out.append(doc.diag(("cycle",), f"the ruleset ({name}) reads {every}s of ruleset '{rs_id}' in {what}, "
                                f"but {period.id} is a {period.kind}, not made of {every}s",
                                hint=f"run this ruleset for a period longer than a {every} (e.g. a year), or "
                                "read shorter periods", code="cycle-periods"))
            continue
        if why.startswith("periods:"):
            dim = next(d for c in rs.scorecards for d in c.dimensions if d.periods is not None
                       and d.key == why.split(":", 1)[1])
            assert dim.periods is not None  # chosen for its periods: above
            if not dim.periods.parts(period):
                out.append(doc.diag(("cycle",), f"the weights of {what} in the ruleset ({name}) name no {every} of "
                                    f"{period.id} ({', '.join(p.key for p in subs)})",
                                    hint="weigh the sub-periods of this cycle, or run the ruleset for another period",
                                    code="cycle-periods"))
    return out
