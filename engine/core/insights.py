"""What each employee can act on next: the points to the next grade, the next bonus tier (in the KPI's own unit
and in money), why the bonus changed since the previous period, and the 360 ratings by competency and relation
(self against others) with the raters' comments, under the same anonymity thresholds as the scores.

Computed once here, from the evaluation (and the previous period's stored result), for the pages to show
(:func:`insights` → ``RenderRequest.insights``); nothing here changes a score, a grade or a bonus.  The focus
areas are not here: they are the results' own ``focus_areas`` (the items that lost the most weighted points).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import polars as pl

from appraise.core import bonus as bonus_stage
from appraise.core.frame import F64, MONEY, feedback_of
from appraise.language.compile import Ruleset
from appraise.language.period import Period

if TYPE_CHECKING:
    from appraise.core.evaluate import Evaluation

__all__ = ["BONUS_CHANGE_FIELDS", "FeedbackCells", "bonus_change", "feedback_cells", "feedback_detail", "insights",
           "reach"]

# what :func:`bonus_change` reads of a stored result besides its bonus, grade and score: the fields to ask
# :func:`appraise.store.database.history` for
BONUS_CHANGE_FIELDS = ("bonus_detail", "bonus_gross", "bonus_earned")


def insights(ev: Evaluation, feedback: pl.DataFrame | FeedbackCells | None = None,
             history: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
             ids: Iterable[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per employee id (of ``ids``, default everyone appraised): what is within reach, why the bonus changed
    against the previous period (from ``history``: the store's past results with their ``bonus_detail``, see
    :func:`appraise.store.database.history`), and the 360 detail of ``feedback`` (the provided ratings, or what
    :func:`feedback_cells` kept of them).

    ``{id: {"next_grade": {...}, "next_tier": {...}, "bonus_change": {...}, "feedback": {dimension: {...}}}}``;
    a key is absent when there is nothing to say (top grade, every tier reached, no previous bonus...)."""
    rs, frame = ev.ruleset, ev.frame
    if ids is not None:
        wanted = set(map(str, ids))
        frame = frame.filter(pl.col("id").is_in(list(wanted)))
    out: dict[str, dict[str, Any]] = {str(i): {} for i in frame["id"].to_list()}
    if not out:
        return out
    for row in reach(rs, frame, ev.frame).iter_rows(named=True):
        mine = out[row["id"]]
        if row["next_grade"] is not None:
            mine["next_grade"] = {"grade": row["next_grade"], "min": row["next_grade_min"],
                                  "points": round(max(0.0, row["next_grade_min"] - row["score"]), 2)}
            if row["next_grade_calibrated"]:
                mine["next_grade"]["calibrated"] = {"band": row.get("grade_uncalibrated"), "held": row["grade"]}
            if row["seats"] is not None:
                mine["next_grade"]["seats"] = {k: row[k] for k in _SEATS}
        if row["tier_from"] is not None:
            mine["next_tier"] = {"kpi": row["tier_kpi"], "from": row["tier_from"], "attainment": row["attainment"],
                                 "actual": row["tier_actual"], "needed": row["tier_needed"],
                                 "gap": abs(row["tier_needed"] - row["tier_actual"]),
                                 "direction": row["tier_direction"], "tier": row["tier_number"],
                                 "worth": _text(row["tier_worth"]), "pays": _text(row["tier_pays"]),
                                 "grade": row["grade"]}
    previous_cycle = ev.period.previous().id
    if rs.bonus is not None and history:
        for now in _bonus_facts(rs, frame):
            past = next((r for r in history.get(now["id"]) or () if str(r.get("cycle")) == previous_cycle), None)
            if past is None:
                continue
            change = bonus_change(rs, now, past)
            if change is not None:
                out[now["id"]]["bonus_change"] = change
    for who, dims in feedback_detail(rs, feedback, ev.period, frame.select("id", "scorecard")).items():
        out[who]["feedback"] = dims
    return out


# --------------------------------------------------------------------------- within reach


def reach(ruleset: Ruleset, frame: pl.DataFrame, everyone: pl.DataFrame | None = None) -> pl.DataFrame:
    """Per employee (``id``, ``score``, ``grade``): the next grade up (``next_grade``, its ``next_grade_min``;
    null at the top grade or when a person set the result by an override) — the grade just above the one they
    hold: from the score's band, or, when calibration moved them down (``next_grade_calibrated``), the grade just
    above the calibrated one, whose minimum their score already reaches — and, in a calibrated cohort, what
    calibration lets that grade hold (:func:`grade_seats`: ``seats_grade``, ``seats_share``, ``seats``,
    ``cohort``, ``cohort_size`` and the person's ``place``; ``everyone`` is the frame the cohorts are ranked
    in, default ``frame``); and the next
    bonus tier of the attainment KPI: ``tier_kpi`` (its path), ``tier_from`` (the attainment it starts at),
    ``tier_number`` (1 = the first tier), ``attainment``, ``tier_actual`` and ``tier_needed`` (the KPI's value
    now and the value that reaches the tier, in the KPI's unit; ``tier_direction`` ``higher`` or ``lower``),
    ``tier_worth`` (how much more the bonus would be with the KPI at exactly that value, all else as it is: the
    grade, its multiplier, the cap and the rounding, paid by :func:`appraise.core.bonus.pay` itself) and
    ``tier_pays`` (the tier's own pay before the grade multiplier).  Null where no tier is left or the
    attainment is unknown."""
    cols = ["id", "score", "grade"] + [c for c in ("grade_uncalibrated",) if c in frame.columns]
    f = frame.select(cols + [c for c in ("override.applied",) if c in frame.columns])
    score = pl.col("score")
    # the grade just above the score's own: the lowest minimum above it
    ascending = sorted(ruleset.grades, key=lambda g: g.min)
    name: Any = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.Utf8))  # when/then chains
    low: Any = pl.when(pl.lit(False)).then(pl.lit(None, dtype=F64))
    for grade in ascending:
        name = name.when(score < grade.min).then(pl.lit(grade.grade))
        low = low.when(score < grade.min).then(pl.lit(float(grade.min)))
    by_person = pl.col("override.applied").fill_null(False) if "override.applied" in f.columns else pl.lit(False)
    # calibrated down: the grade just above the one held (its minimum is at or below the score)
    rank_of = {g.grade: i for i, g in enumerate(ruleset.grades)}
    held = frame["grade"].replace_strict(rank_of, default=None, return_dtype=pl.Int64)
    band = frame["grade_uncalibrated"].replace_strict(rank_of, default=None, return_dtype=pl.Int64) \
        if "grade_uncalibrated" in frame.columns else held
    f = f.with_columns(held.alias("_held"), band.alias("_band"))
    down = (pl.col("_held") > pl.col("_band")).fill_null(False) & ~by_person
    above_held = pl.col("_held") - 1
    f = f.with_columns(
        pl.when(by_person | score.is_null()).then(None)
        .when(down).then(above_held.replace_strict({i: g.grade for i, g in enumerate(ruleset.grades)},
                                                   default=None, return_dtype=pl.Utf8))
        .otherwise(name.otherwise(None)).alias("next_grade"),
        pl.when(by_person | score.is_null()).then(None)
        .when(down).then(above_held.replace_strict({i: float(g.min) for i, g in enumerate(ruleset.grades)},
                                                   default=None, return_dtype=F64))
        .otherwise(low.otherwise(None)).alias("next_grade_min"),
        down.alias("next_grade_calibrated")).drop("_held", "_band")
    f = f.hstack(grade_seats(ruleset, frame, f["next_grade"], frame if everyone is None else everyone)
                 .get_columns())
    tier_cols: dict[str, Any] = {"tier_kpi": pl.Utf8, "tier_from": F64, "tier_number": pl.Int64, "attainment": F64,
                 "tier_actual": F64, "tier_needed": F64, "tier_direction": pl.Utf8, "tier_worth": MONEY,
                 "tier_pays": MONEY}
    plan = ruleset.bonus
    if plan is None or not plan.tiers or "bonus.attainment" not in frame.columns:
        return f.with_columns([pl.lit(None, dtype=t).alias(c) for c, t in tier_cols.items()])
    tiers = sorted(plan.tiers, key=lambda t: t.start)
    a = pl.col("bonus.attainment")
    start: Any = pl.when(a.is_null()).then(pl.lit(None, dtype=F64))
    number: Any = pl.when(a.is_null()).then(pl.lit(None, dtype=pl.Int64))
    pays: Any = pl.when(a.is_null()).then(pl.lit(None, dtype=MONEY))
    for i, t in enumerate(tiers, 1):
        start = start.when(a < t.start).then(pl.lit(float(t.start)))
        number = number.when(a < t.start).then(pl.lit(i, dtype=pl.Int64))
        pays = pays.when(a < t.start).then(pl.lit(t.pay, dtype=MONEY))
    # the attainment KPI wherever each scorecard has it (as the bonus stage picks it)
    kpis = [(card.key, k) for card in ruleset.scorecards for k in card.kpis_named(plan.attainment)[:1]
            if f"k.{k.path}.actual" in frame.columns]
    path: Any = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.Utf8))
    actual: Any = pl.when(pl.lit(False)).then(pl.lit(None, dtype=F64))
    target: Any = pl.when(pl.lit(False)).then(pl.lit(None, dtype=F64))
    lower: Any = pl.when(pl.lit(False)).then(pl.lit(None, dtype=pl.Boolean))
    for card, k in kpis:
        on = pl.col("scorecard") == card
        path = path.when(on).then(pl.lit(k.path))
        actual = actual.when(on).then(pl.col(f"k.{k.path}.actual"))
        target = target.when(on).then(pl.col(f"k.{k.path}.target"))
        lower = lower.when(on).then(pl.lit(k.direction == "lower"))
    g = frame.select(
        "id", a.alias("attainment"), start.otherwise(None).alias("tier_from"),
        number.otherwise(None).alias("tier_number"), path.otherwise(None).alias("tier_kpi"),
        actual.otherwise(None).alias("tier_actual"), target.otherwise(None).alias("_target"),
        lower.otherwise(None).alias("_lower"),
        (pays.otherwise(None) * pl.col("bonus.target_cycle")).alias("tier_pays"))
    # the value that reaches the tier: from × target (higher is better), target / from (lower is better)
    g = g.with_columns(pl.when(pl.col("tier_from").is_null() | pl.col("tier_actual").is_null()
                               | pl.col("_target").is_null()).then(None)
                       .when(pl.col("_lower")).then(pl.col("_target") / pl.col("tier_from"))
                       .otherwise(pl.col("tier_from") * pl.col("_target")).alias("tier_needed"),
                       pl.when(pl.col("_lower")).then(pl.lit("lower")).otherwise(pl.lit("higher"))
                       .alias("tier_direction"))
    g = g.with_columns(pl.when(pl.col("tier_needed").is_null()).then(None).otherwise(pl.col("tier_from"))
                       .alias("tier_from"))
    worth = _worth(ruleset, frame, g, kpis)
    return f.hstack(g.select("tier_kpi", "tier_from", "tier_number", "attainment", "tier_actual", "tier_needed",
                             "tier_direction", "tier_pays").get_columns()).with_columns(worth.alias("tier_worth"))


_SEATS = {"seats_grade": pl.Utf8, "seats_share": F64, "seats": pl.Int64, "cohort": pl.Utf8,
          "cohort_size": pl.Int64, "place": pl.Int64}


def grade_seats(ruleset: Ruleset, frame: pl.DataFrame, grade: pl.Series, everyone: pl.DataFrame) -> pl.DataFrame:
    """For each row of ``frame`` and the grade of ``grade`` (same rows): what calibration (SPEC "Grades and
    calibration") lets that grade hold in the person's cohort, when the cohort is calibrated and the grade
    limited: ``seats_grade`` (the highest capped grade at or below it, whose cumulative share binds),
    ``seats_share``, ``seats`` = floor(cohort size × share), ``cohort`` (its value), ``cohort_size``, and the
    person's ``place`` in the cohort ranked as calibration ranks it (score, best first; ties: smaller id first)
    among ``everyone``.  Holding the grade needs ``place ≤ seats``, whatever the score.  Null otherwise (no
    calibration, a cohort too small, a grade nobody limits or that the whole cohort may hold)."""
    cal = ruleset.calibration
    empty = pl.DataFrame({c: pl.Series(c, [None] * frame.height, dtype=t) for c, t in _SEATS.items()})
    if cal is None or "calibrated" not in frame.columns or "cohort_size" not in frame.columns:
        return empty
    cohort = next((c for c in (f"attr.{cal.cohort}", cal.cohort) if c in frame.columns), None)
    if cohort is None or cohort not in everyone.columns:
        return empty
    caps = dict(cal.max_share)
    grades = [g.grade for g in ruleset.grades]
    binding: dict[str, str] = {}   # a grade -> the highest capped grade at or below it
    for i, g in enumerate(grades):
        below = [h for h in grades[i:] if h in caps]
        if below:
            binding[g] = below[0]
    ranked = (everyone.select(pl.col(cohort).cast(pl.Utf8).alias("_c"), "score", "id")
              .sort(["_c", "score", "id"], descending=[False, True, False], nulls_last=True)
              .with_columns((pl.int_range(pl.len(), dtype=pl.Int64).over("_c") + 1).alias("place"))
              .select("id", "place"))
    mine = frame.select("id", pl.col(cohort).cast(pl.Utf8).alias("cohort"), "cohort_size", "calibrated") \
        .with_columns(grade.alias("_g")).join(ranked, on="id", how="left", maintain_order="left")
    which = pl.col("_g").replace_strict(binding, default=None, return_dtype=pl.Utf8)
    share = which.replace_strict({g: float(v) for g, v in caps.items()}, default=None, return_dtype=F64)
    seats: Any = pl.lit(None, dtype=pl.Int64)
    for g, v in caps.items():
        num, den = v.as_integer_ratio()
        seats = pl.when(which == g).then((pl.col("cohort_size").cast(pl.Int64) * num) // den).otherwise(seats)
    mine = mine.with_columns(which.alias("seats_grade"), share.alias("seats_share"), seats.alias("seats"))
    on = pl.col("calibrated").fill_null(False) & pl.col("seats").is_not_null() \
        & (pl.col("seats") < pl.col("cohort_size"))
    return mine.select([pl.when(on).then(pl.col(c).cast(t)).otherwise(None).alias(c) for c, t in _SEATS.items()])


def _worth(ruleset: Ruleset, frame: pl.DataFrame, g: pl.DataFrame, kpis) -> pl.Series:
    """The bonus with the attainment KPI at exactly the next tier's value, less the bonus now (before any
    netting), paid by the bonus stage itself on a copy of the columns it reads."""
    plan = ruleset.bonus
    assert plan is not None
    # (and what an incentive plan settles with: the tenure its guarantee reads, the draw balance carried in, the
    # year paid so far; without them a tier's worth was paid again as if there were no guarantee and no balance)
    reads = ["scorecard", "grade"] + [c for c in (f"money.{plan.target}", f"attr.{plan.target}", "_fnum", "_fden",
                                                  "_paid", "tenure_months", "_draw_open", "_paid_year")
                                      if c in frame.columns]
    paths = list(dict.fromkeys(k.path for _, k in kpis))
    reads += [f"k.{p}.{part}" for p in paths for part in ("attainment", "actual", "target")]
    there = pl.col("_needed").is_not_null()
    copy = frame.select(reads).with_columns(g["tier_needed"].alias("_needed"), g["tier_from"].alias("_from"),
                                            g["tier_kpi"].alias("_kpi"))
    copy = copy.with_columns(
        [pl.when(there & (pl.col("_kpi") == p)).then(pl.col("_from")).otherwise(pl.col(f"k.{p}.attainment"))
         .alias(f"k.{p}.attainment") for p in paths]
        + [pl.when(there & (pl.col("_kpi") == p)).then(pl.col("_needed")).otherwise(pl.col(f"k.{p}.actual"))
           .alias(f"k.{p}.actual") for p in paths]).drop("_needed", "_from", "_kpi")
    then = bonus_stage.pay(ruleset, copy)
    gross = "bonus.gross" if plan.net_of is not None else "bonus"
    return (then[gross] - frame[gross]).alias("tier_worth").cast(MONEY).zip_with(
        g["tier_needed"].is_not_null(), pl.Series([None] * frame.height, dtype=MONEY))


# --------------------------------------------------------------------------- why the bonus changed


_FACTS = ("bonus", "bonus.gross", "bonus.target_cycle", "bonus.tier_pay", "bonus.multiplier", "bonus.excess",
          "bonus.uncapped", "bonus.cap", "bonus.attainment", "bonus.tiers_reached")


def _bonus_facts(ruleset: Ruleset, frame: pl.DataFrame) -> Iterable[dict[str, Any]]:
    """Each employee's bonus steps as :func:`bonus_change` reads them (exact decimals); for an incentive plan
    also each component's ``amount``, ``actual`` and ``attainment`` and what was ``earned`` before the
    guarantee and the draw."""
    parts = [c.key for c in ruleset.bonus.components] if ruleset.bonus is not None else []
    facts = _FACTS + ("bonus.earned",) + tuple(f"bonus.c.{k}.{x}" for k in parts
                                                 for x in ("amount", "actual", "attainment"))
    cols = ["id", "score", "grade"] + [c for c in facts if c in frame.columns]
    for row in frame.select(cols).iter_rows(named=True):
        out = {"id": row["id"], "score": row["score"], "grade": row["grade"], "bonus": row.get("bonus"),
               "gross": row.get("bonus.gross"), "target": row.get("bonus.target_cycle"),
               "tier_pay": row.get("bonus.tier_pay"), "multiplier": row.get("bonus.multiplier"),
               "excess": row.get("bonus.excess"), "uncapped": row.get("bonus.uncapped"), "cap": row.get("bonus.cap"),
               "attainment": row.get("bonus.attainment"), "tiers": row.get("bonus.tiers_reached"),
               "earned": row.get("bonus.earned")}
        if parts:
            out["components"] = {k: {x: row.get(f"bonus.c.{k}.{x}") for x in ("amount", "actual", "attainment")}
                                 for k in parts}
        yield out


def _dec(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _text(value: Decimal | None) -> str | None:
    """A decimal as plain text (``30000``, ``0.5``), None as None."""
    if value is None:
        return None
    d = Decimal(value)
    return format(d.normalize() if d != 0 else Decimal(0), "f")


def bonus_change(ruleset: Ruleset, now: Mapping[str, Any], before: Mapping[str, Any]) -> dict[str, Any] | None:
    """Why the bonus differs from the previous period's, as amounts that explain the difference.

    ``now``: this period's bonus steps (see :func:`_bonus_facts`); ``before``: the previous period's stored
    result (``bonus``, ``grade``, ``score`` and its ``bonus_detail``).  The difference of the bonuses before any
    netting is split, step by step, into the cycle's target bonus (at the old tiers and multiplier), the tiers
    the attainment KPI reached (at the old multiplier), the grade's multiplier, the excess pay, and what the
    cap and netting took (what is left); each at the ruleset's rounding unit, those that round to nothing left
    out, the largest first.  None when either bonus is unknown."""
    plan = ruleset.bonus
    bn, bp = _dec(now.get("bonus")), _dec(before.get("bonus"))
    if plan is None or bn is None or bp is None:
        return None
    unit = plan.rounding if plan.rounding > 0 else Decimal("0.01")
    detail = before.get("bonus_detail") or {}
    out: dict[str, Any] = {"cycle": str(before.get("cycle") or ""), "previous": _text(bp), "now": _text(bn),
                           "change": _text(bn - bp), "score": [before.get("score"), now.get("score")],
                           "grade": [before.get("grade"), now.get("grade")], "effects": []}
    if plan.components:  # the same pay may hide moves (a draw that covered the difference): said too
        out["effects"] = _component_effects(ruleset, unit, now, before, bn, bp)
        return out
    tp = _dec(detail.get("target_cycle") if detail.get("target_cycle") is not None else detail.get("target"))
    tn = _dec(now.get("target"))
    pay_p, pay_n = _dec(detail.get("tier_pay")), _dec(now.get("tier_pay"))
    mp, mn = _dec(detail.get("multiplier")), _dec(now.get("multiplier"))
    xp, xn = _dec(detail.get("excess")), _dec(now.get("excess"))
    gp = _dec(before.get("bonus_gross")) if before.get("bonus_gross") is not None else bp  # (net_of only)
    gn = _dec(now.get("gross")) if now.get("gross") is not None else bn
    if bn == bp or None in (tp, tn, pay_p, pay_n, mp, mn, xp, xn, gp, gn):
        return out  # the same, or a stored result without its steps: the amounts only
    assert tp is not None and tn is not None and pay_p is not None and pay_n is not None and mp is not None \
        and mn is not None and xp is not None and xn is not None and gp is not None and gn is not None
    sp = pay_p / tp if tp else Decimal(0)
    sn = pay_n / tn if tn else Decimal(0)
    kpi = plan.attainment
    effects: list[tuple[Decimal, int, dict[str, Any]]] = []

    def add(order: int, amount: Decimal, **what: Any) -> None:
        rounded = (amount / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit
        if rounded != 0:
            effects.append((rounded, order, {"amount": _text(rounded), **what}))

    add(2, (tn - tp) * sp * mp, kind="target", target=[_text(tp), _text(tn)])
    add(0, tn * (sn - sp) * mp, kind="tiers", kpi=kpi, attainment=[_float(detail.get("attainment")),
                                                                   _float(now.get("attainment"))],
        tiers=[detail.get("tiers_reached"), now.get("tiers")])
    add(1, pay_n * (mn - mp), kind="multiplier", multiplier=[_text(mp), _text(mn)])
    add(3, xn - xp, kind="excess", kpi=kpi, excess=[_text(xp), _text(xn)])
    explained = (tn - tp) * sp * mp + tn * (sn - sp) * mp + pay_n * (mn - mp) + (xn - xp)
    capped = [_capped(detail.get("uncapped"), detail.get("cap")), _capped(now.get("uncapped"), now.get("cap"))]
    if any(capped):
        add(4, (gn - gp) - explained, kind="cap", cap=[_text(_dec(detail.get("cap"))), _text(_dec(now.get("cap")))],
            capped=capped)
    add(5, (bn - gn) - (bp - gp), kind="netting")
    out["effects"] = [e for _, _, e in sorted(effects, key=lambda x: (-abs(x[0]), x[1]))]
    return out


def _component_effects(ruleset: Ruleset, unit: Decimal, now: Mapping[str, Any], before: Mapping[str, Any],
                       bn: Decimal, bp: Decimal) -> list[dict[str, Any]]:
    """An incentive plan's bonus change split into each component's change (what it pays now less what it paid
    in the previous period's stored result), then what the total cap (with the floor at 0 and the rounding),
    netting, and the guarantee and the draw made of the sum: each at the rounding unit, those that round to
    nothing left out, the largest first (ties: components in the plan's order, then those steps).  Empty when
    the stored result lacks a component's amount (a result of another plan)."""
    plan = ruleset.bonus
    assert plan is not None
    detail = before.get("bonus_detail") or {}
    past = detail.get("components") or {}
    mine = now.get("components") or {}
    effects: list[tuple[Decimal, int, dict[str, Any]]] = []

    def add(order: int, amount: Decimal, **what: Any) -> None:
        rounded = (amount / unit).quantize(Decimal(1), rounding=ROUND_HALF_UP) * unit
        if rounded != 0:
            effects.append((rounded, order, {"amount": _text(rounded), **what}))

    sums: list[Decimal] = [Decimal(0), Decimal(0)]
    for i, c in enumerate(plan.components):
        p, n = past.get(c.key) or {}, mine.get(c.key) or {}
        ap, an = _dec(p.get("amount")), _dec(n.get("amount"))
        if ap is None or an is None:
            return []  # a component without an amount (its measure missing) or not in the stored result
        sums = [sums[0] + ap, sums[1] + an]
        add(i, an - ap, kind="component", component=c.key, measure=c.measure, paid=[_text(ap), _text(an)],
            actual=[_text(_dec(p.get("actual"))), _text(_dec(n.get("actual")))],
            attainment=[_float(p.get("attainment")), _float(n.get("attainment"))] if c.target is not None else None)
    order = len(plan.components)
    gp = _dec(before.get("bonus_gross")) if before.get("bonus_gross") is not None else None
    gn = _dec(now.get("gross")) if now.get("gross") is not None else None
    ep = _dec(before.get("bonus_earned")) if before.get("bonus_earned") is not None else None
    en = _dec(now.get("earned")) if now.get("earned") is not None else None
    settled = plan.guarantee is not None or plan.draw is not None
    # after the cap and the rounding: the gross (net_of), else what was earned (guarantee, draw), else the bonus
    net_p = ep if settled else bp
    net_n = en if settled else bn
    if net_p is None or net_n is None:
        return [e for _, _, e in sorted(effects, key=lambda x: (-abs(x[0]), x[1]))]  # components only
    gross_p = gp if plan.net_of is not None else net_p
    gross_n = gn if plan.net_of is not None else net_n
    if gross_p is not None and gross_n is not None:
        capped = [_capped(detail.get("uncapped"), detail.get("cap")), _capped(now.get("uncapped"), now.get("cap"))]
        if any(capped):
            add(order, (gross_n - sums[1]) - (gross_p - sums[0]), kind="cap",
                cap=[_text(_dec(detail.get("cap"))), _text(_dec(now.get("cap")))], capped=capped)
        add(order + 1, (net_n - gross_n) - (net_p - gross_p), kind="netting")
    if settled:
        add(order + 2, (bn - net_n) - (bp - net_p), kind="draw", guarantee=plan.guarantee is not None,
            draw=plan.draw is not None)
    return [e for _, _, e in sorted(effects, key=lambda x: (-abs(x[0]), x[1]))]


def _capped(uncapped: Any, cap: Any) -> bool:
    u, c = _dec(uncapped), _dec(cap)
    return u is not None and c is not None and u > c


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


# --------------------------------------------------------------------------- 360 by competency


@dataclass(frozen=True)
class FeedbackCells:
    """The 360 detail of a cycle in columns, anonymity thresholds already applied (:func:`feedback_cells`): far
    smaller than the ratings, so a run can let the ratings go right after evaluating and keep this for its pages.

    ``cells``: employee, dimension, relation, competency, value (mean rating), raters; ``comments``: employee,
    dimension, relation, comment (no rater)."""

    cells: pl.DataFrame
    comments: pl.DataFrame


_CELLS = {"employee": pl.Utf8, "dimension": pl.Utf8, "relation": pl.Utf8, "competency": pl.Utf8, "value": F64,
          "raters": pl.UInt32}
_COMMENTS = {"employee": pl.Utf8, "dimension": pl.Utf8, "relation": pl.Utf8, "comment": pl.Utf8}


def feedback_cells(ruleset: Ruleset, feedback: pl.DataFrame | None, period: Period,
                   people: pl.DataFrame) -> FeedbackCells:
    """For the employees of ``people`` (``id``, ``scorecard``), per 360 dimension of their scorecard: the mean
    rating (on the dimension's scale; each rater's mean first) of each competency by each relation, only where at
    least the relation's ``min_raters`` raters rated that competency (self: the employee); and the non-blank
    free-text ``comment`` cells of the relations whose raters (those with a rating in the dimension) reach
    ``min_raters``, each rater's text once, without the rater."""
    empty = FeedbackCells(pl.DataFrame(schema=_CELLS), pl.DataFrame(schema=_COMMENTS))
    if feedback is None or feedback.height == 0 or people.height == 0:
        return empty
    fb = feedback
    if "period" in fb.columns:
        periods = [p for p in fb["period"].drop_nulls().unique().to_list() if period.contains(p)]
        fb = fb.filter(pl.col("period").is_null() | pl.col("period").is_in(periods))
    keep = [c for c in ("employee", "rater", "relation", "rating", "competency", "comment") if c in fb.columns]
    fb = fb.select(keep).with_columns(pl.col("employee").cast(pl.Utf8), pl.col("rater").cast(pl.Utf8),
                                      pl.col("relation").cast(pl.Utf8), pl.col("rating").cast(F64, strict=False))
    cells, comments = [empty.cells], [empty.comments]
    for card in ruleset.scorecards:
        ids = people.filter(pl.col("scorecard") == card.key)["id"].cast(pl.Utf8)
        if ids.len() == 0:
            continue
        mine = fb.filter(pl.col("employee").is_in(ids.implode()))
        for d in card.dimensions:
            if d.kind == "feedback360":
                c, said = _dimension_cells(d, mine)
                cells.append(c)
                comments.append(said)
    return FeedbackCells(pl.concat(cells, how="vertical_relaxed"), pl.concat(comments, how="vertical_relaxed"))


def _dimension_cells(d, fb: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    spec = feedback_of(d)
    relations = [r for r, _ in spec.sources] + ([] if "self" in dict(spec.sources) else ["self"])
    rows = fb.filter(pl.col("relation").is_in(relations))
    if spec.competencies and "competency" in rows.columns:
        rows = rows.filter(pl.col("competency").is_in(list(spec.competencies)))
    threshold = pl.col("relation").replace_strict({r: spec.threshold(r) for r in relations}, return_dtype=pl.Int64)
    rated = rows.filter(pl.col("rating").is_not_null())
    dim = pl.lit(d.key).alias("dimension")
    cells = pl.DataFrame(schema=_CELLS)
    if "competency" in rated.columns:
        # each rater's mean, then their mean, exactly (the same bits in any order of the ratings)
        from appraise.core.rollup import mean_of_means, places

        shown = rated.filter(pl.col("competency").is_not_null())
        cells = (mean_of_means(shown, ["employee", "relation", "competency"], places(shown["rating"]))
                 .with_columns(pl.col("raters").cast(pl.UInt32))
                 .filter(pl.col("raters") >= threshold)
                 .select("employee", dim, "relation", "competency", "value", "raters"))
    comments = pl.DataFrame(schema=_COMMENTS)
    if "comment" in rows.columns:
        counts = rated.group_by("employee", "relation").agg(pl.col("rater").n_unique().alias("_raters"))
        comments = (rows.filter(pl.col("comment").is_not_null())
                    .with_columns(pl.col("comment").cast(pl.Utf8).str.strip_chars())
                    .filter(pl.col("comment") != "")
                    .select("employee", "relation", "rater", "comment").unique()
                    .join(counts, on=["employee", "relation"], how="inner")
                    .filter(pl.col("_raters") >= threshold)
                    .select("employee", dim, "relation", "comment"))
    return cells, comments


def feedback_detail(ruleset: Ruleset, feedback: pl.DataFrame | FeedbackCells | None, period: Period,
                    people: pl.DataFrame) -> dict[str, dict[str, Any]]:
    """Per employee of ``people`` (``id``, ``scorecard``), per 360 dimension of their scorecard, what
    :func:`feedback_cells` keeps (given, or worked out from the ratings ``feedback``): each competency's ratings
    by relation shown, ``others`` (the mean of the relations shown other than self, weighted as the dimension
    weighs its sources) and ``self``; the comments by relation, sorted by text.

    ``{id: {dimension: {"scale": 5, "competencies": [{"key", "sources": {relation: rating}, "raters":
    {relation: n}, "others", "self"}], "comments": [{"relation", "texts": [...]}]}}}``"""
    found = feedback if isinstance(feedback, FeedbackCells) else feedback_cells(ruleset, feedback, period, people)
    wanted = people.select(pl.col("id").cast(pl.Utf8).alias("employee"))
    cells = found.cells.join(wanted, on="employee", how="semi")
    said = found.comments.join(wanted, on="employee", how="semi").sort("employee", "dimension", "relation", "comment")
    if cells.height == 0 and said.height == 0:
        return {}
    specs = {}
    card_of = dict(zip(people["id"].cast(pl.Utf8).to_list(), people["scorecard"].to_list(), strict=True))
    for card in ruleset.scorecards:
        for d in card.dimensions:
            if d.kind == "feedback360":
                spec = feedback_of(d)
                relations = [r for r, _ in spec.sources] + ([] if "self" in dict(spec.sources) else ["self"])
                specs[(card.key, d.key)] = (spec, {r: float(w) for r, w in spec.sources},
                                            {r: i for i, r in enumerate(relations)},
                                            {c: i for i, c in enumerate(spec.competencies)})
    out: dict[str, dict[str, Any]] = {}

    def entry(who: str, dim: str) -> dict[str, Any] | None:
        found_spec = specs.get((str(card_of.get(who)), dim))
        if found_spec is None:
            return None
        return out.setdefault(who, {}).setdefault(dim, {"scale": found_spec[0].scale, "competencies": [],
                                                        "comments": []})

    # one row per (employee, dimension, competency), the relations shown as lists in the dimension's order
    position = {}
    for (_, dim), (_, _, order, _) in specs.items():
        position.update({f"{dim}\x00{r}": i for r, i in order.items() if f"{dim}\x00{r}" not in position})
    rows = (cells.with_columns(pl.concat_str("dimension", pl.lit("\x00"), "relation")
                               .replace_strict(position, default=len(position), return_dtype=pl.Int64).alias("_o"))
            .sort("employee", "dimension", "competency", "_o")
            .group_by("employee", "dimension", "competency", maintain_order=True)
            .agg("relation", pl.col("value").round(4), "raters"))
    for who, dim, key, relations, values, raters in rows.iter_rows():
        target = entry(who, dim)
        if target is None:
            continue
        weights = specs[(card_of[who], dim)][1]
        sources = dict(zip(relations, values, strict=True))
        others = [(weights.get(r, 1.0), v) for r, v in sources.items() if r != "self"]
        total = sum(w for w, _ in others)
        target["competencies"].append({
            "key": key, "sources": sources, "raters": dict(zip(relations, raters, strict=True)),
            "others": round(sum(w * v for w, v in others) / total, 4) if total else None,
            "self": sources.get("self")})
    for who, dims in out.items():  # the ruleset's order of competencies when it lists them, else by name
        for dim, target in dims.items():
            listed = specs[(card_of[who], dim)][3]
            if listed:
                target["competencies"].sort(key=lambda c: (listed.get(c["key"], len(listed)), c["key"]))
    grouped: dict[tuple[str, str], dict[str, list[str]]] = {}
    for who, dim, relation, text in said.iter_rows():
        grouped.setdefault((who, dim), {}).setdefault(relation, []).append(text)
    for (who, dim), by_relation in grouped.items():
        target = entry(who, dim)
        if target is None:
            continue
        order = specs[(card_of[who], dim)][2]
        target["comments"] = [{"relation": r, "texts": by_relation[r]}
                              for r in sorted(by_relation, key=lambda r: order.get(r, len(order)))]
    return out
