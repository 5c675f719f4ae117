"""Every difference between an engine's results document and the reference's, one line each.

Numbers agree within half a unit of the 4th decimal (the engine writes 4 decimals, the reference exact
values; a relative 1e-9 more for very large amounts), reported scores and override scores at 2 decimals,
bonus amounts as exact strings, lists exactly.  A KPI present on one side only agrees when the other side
would give it weight 0 (the SPEC lets a KPI dropped by a rule be left out); a ``lost_points`` item present on
one side only agrees when it is below the 4th decimal.
"""
from __future__ import annotations

_NUMERIC = ("actual", "target", "attainment", "score", "weight")
_EXACT = ("scorecard", "grade", "grade_uncalibrated", "bonus", "bonus_gross", "bonus_paid",
          "bonus_earned", "bonus_draw_balance", "bonus_ytd", "bonus_draw", "bonus_guarantee",  # (incentive plans)
          "plan", "tenure_months", "name")  # (a formal improvement plan; whole months from the hire date; as written)
_LISTS = ("rules_fired", "missing", "outcomes", "focus_areas")


def compare(engine_doc: dict, reference_doc: dict, *, partial: bool = False) -> list[str]:
    """Differences between ``engine_doc`` and ``reference_doc``, each naming the employee and key path.

    ``partial=True`` checks only what ``engine_doc`` holds (for an expected document that lists a subset of
    the keys, like the SPEC's worked example); otherwise a key the reference writes must be in ``engine_doc``.
    """
    out: list[str] = []
    for key in ("cycle",):
        if engine_doc.get(key) != reference_doc.get(key):
            out.append(f"{key}: engine {engine_doc.get(key)!r} != reference {reference_doc.get(key)!r}")
    if (engine_doc.get("ruleset") or {}).get("id") != (reference_doc.get("ruleset") or {}).get("id"):
        out.append(f"ruleset.id: engine {(engine_doc.get('ruleset') or {}).get('id')!r} != reference "
                   f"{(reference_doc.get('ruleset') or {}).get('id')!r}")
    mine = {e["id"]: e for e in engine_doc.get("employees", [])}
    ref = {e["id"]: e for e in reference_doc.get("employees", [])}
    for emp in sorted(set(ref) - set(mine)):
        out.append(f"{emp}: appraised by the reference, not in the engine's results")
    for emp in sorted(set(mine) - set(ref)):
        out.append(f"{emp}: in the engine's results, not appraised by the reference")
    if not partial or "errors" in engine_doc:
        e_err = {e.get("employee") for e in engine_doc.get("errors") or []}
        r_err = {e.get("employee") for e in reference_doc.get("errors") or []}
        for emp in sorted(r_err - e_err, key=str):
            out.append(f"{emp}: in the reference's errors, not in the engine's")
        for emp in sorted(e_err - r_err, key=str):
            out.append(f"{emp}: in the engine's errors, not in the reference's")
    for emp in sorted(set(mine) & set(ref)):
        out.extend(_employee(emp, mine[emp], ref[emp], partial))
    return out


def _close(a, b, tol: float = 0.00005) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, (int, float)) \
            or not isinstance(b, (int, float)):
        return False
    return abs(a - b) <= tol + 1e-9 * max(1.0, abs(b)) + 1e-12


def _present(key, e, r, partial) -> tuple[bool, str | None]:
    """(compare this key?, a difference line when it is on one side only)."""
    if key in e and key in r:
        return True, None
    if key not in e and key not in r:
        return False, None
    if key in r:
        return False, None if partial else "missing in the engine's entry"
    return False, None if partial else "not in the reference's entry"


def _employee(emp: str, e: dict, r: dict, partial: bool) -> list[str]:
    out = []

    def diff(path, a, b):
        out.append(f"{emp}: {path}: engine {a!r} != reference {b!r}")

    for key in _EXACT:
        both, lone = _present(key, e, r, partial)
        if lone:
            out.append(f"{emp}: {key}: {lone}")
        elif both and e[key] != r[key]:
            diff(key, e[key], r[key])
    both, lone = _present("score", e, r, partial)
    if lone:
        out.append(f"{emp}: score: {lone}")
    elif both and not _close(e["score"], r["score"], 0.001):
        diff("score", e["score"], r["score"])
    for key in _LISTS:
        both, lone = _present(key, e, r, partial)
        if lone:
            out.append(f"{emp}: {key}: {lone}")
        elif both and list(e[key]) != list(r[key]):
            diff(key, e[key], r[key])
    both, lone = _present("adjustments", e, r, partial)
    if lone:
        out.append(f"{emp}: adjustments: {lone}")
    elif both:
        ea, ra = e["adjustments"], r["adjustments"]
        if [a.get("id") for a in ea] != [a.get("id") for a in ra] or \
                not all(_close(x.get("points"), y.get("points")) for x, y in zip(ea, ra)):
            diff("adjustments", ea, ra)
    both, lone = _present("employed_share", e, r, partial)
    if lone:
        out.append(f"{emp}: employed_share: {lone}")
    elif both and not _close(e["employed_share"], r["employed_share"]):
        diff("employed_share", e["employed_share"], r["employed_share"])
    both, lone = _present("lost_points", e, r, partial)
    if lone:
        out.append(f"{emp}: lost_points: {lone}")
    elif both:
        el, rl = e["lost_points"], r["lost_points"]
        for k in sorted(set(el) | set(rl)):
            a, b = el.get(k, 0.0), rl.get(k, 0.0)
            if partial and k not in el:
                continue
            if not _close(a, b):
                diff(f"lost_points.{k}", el.get(k), rl.get(k))
    both, lone = _present("override", e, r, partial)
    if lone:
        out.append(f"{emp}: override: {lone}")
    elif both:
        eo, ro = e["override"] or {}, r["override"] or {}
        for k in sorted(set(eo) | set(ro)):
            if partial and k not in eo:
                continue
            a, b = eo.get(k), ro.get(k)
            if k == "score" and a is not None and b is not None:
                if len(a) != 2 or len(b) != 2 or not all(_close(x, y, 0.001) for x, y in zip(a, b)):
                    diff(f"override.{k}", a, b)
            elif a != b:
                diff(f"override.{k}", a, b)
    out.extend(_dimensions(emp, e, r, partial))
    out.extend(_kpis(emp, e, r, partial))
    out.extend(_components(emp, e, r, partial))
    out.extend(_bonus_steps(emp, e, r))
    return out


_STEPS = ("attainment", "tiers_reached", "tier_pay", "multiplier", "excess", "uncapped", "cap", "target_cycle")


def _bonus_steps(emp, e, r) -> list[str]:
    """A tiers bonus's steps (``bonus_detail``: tier pay, multiplier, excess, uncapped, cap, the cycle's target), as
    numbers, where the reference gives them (a bonus that is paid) and the engine has the key."""
    rd, ed = r.get("bonus_detail") or {}, e.get("bonus_detail") or {}
    out = []
    for k in _STEPS:
        if k not in rd or k not in ed or "components" in rd:
            continue
        a = None if ed[k] is None else float(ed[k])
        b = None if rd[k] is None else float(rd[k])
        if not _close(a, b):
            out.append(f"{emp}: bonus_detail.{k}: engine {ed[k]!r} != reference {rd[k]!r}")
    return out


def _components(emp, e, r, partial) -> list[str]:
    """An incentive plan's component amounts (exact on both sides; the engine writes them to 10 decimals)."""
    ref = ((r.get("bonus_detail") or {}).get("components"))
    if ref is None:
        return []
    mine = (e.get("bonus_detail") or {}).get("components") or {}
    out = []
    for key, want in ref.items():
        got = (mine.get(key) or {}).get("amount")
        got = None if got is None else float(got)
        if key not in mine and partial:
            continue
        if not _close(got, want["amount"], 1e-6):
            out.append(f"{emp}: bonus_detail.components.{key}.amount: engine {got!r} != reference {want['amount']!r}")
    return out


def _dimensions(emp, e, r, partial) -> list[str]:
    out = []
    both, lone = _present("dimensions", e, r, partial)
    if lone:
        return [f"{emp}: dimensions: {lone}"]
    if not both:
        return out
    ed, rd = e["dimensions"], r["dimensions"]
    for d in sorted(set(ed) | set(rd)):
        if d not in rd:
            out.append(f"{emp}: dimensions.{d}: not in the reference's entry")
            continue
        if d not in ed:
            if not partial:
                out.append(f"{emp}: dimensions.{d}: missing in the engine's entry")
            continue
        a, b = ed[d], rd[d]
        for key in ("weight", "score"):
            both, lone = _present(key, a, b, partial)
            if lone:
                out.append(f"{emp}: dimensions.{d}.{key}: {lone}")
            elif both and not _close(a[key], b[key]):
                out.append(f"{emp}: dimensions.{d}.{key}: engine {a[key]!r} != reference {b[key]!r}")
        for key, tol in (("sources", 0.00005), ("raters", 0.0), ("periods", 0.001)):
            both, lone = _present(key, a, b, partial)
            if lone:
                out.append(f"{emp}: dimensions.{d}.{key}: {lone}")
            elif both:
                x, y = a[key] or {}, b[key] or {}
                if set(x) != set(y) or not all(_close(x[k], y[k], tol) for k in x):
                    out.append(f"{emp}: dimensions.{d}.{key}: engine {x!r} != reference {y!r}")
        both, lone = _present("self", a, b, partial)
        if lone:
            out.append(f"{emp}: dimensions.{d}.self: {lone}")
        elif both and not _close(a["self"], b["self"]):
            out.append(f"{emp}: dimensions.{d}.self: engine {a['self']!r} != reference {b['self']!r}")
    return out


def _kpis(emp, e, r, partial) -> list[str]:
    out = []
    both, lone = _present("kpis", e, r, partial)
    if lone:
        return [f"{emp}: kpis: {lone}"]
    if not both:
        return out
    ek, rk = e["kpis"], r["kpis"]
    for path in sorted(set(ek) | set(rk)):
        if path not in rk:
            if not _close((ek[path] or {}).get("weight"), 0.0):
                out.append(f"{emp}: kpis.{path}: not in the reference's entry (weight {ek[path].get('weight')!r})")
            continue
        if path not in ek:
            if not partial and not _close(rk[path].get("weight"), 0.0):
                out.append(f"{emp}: kpis.{path}: missing in the engine's entry")
            continue
        a, b = ek[path], rk[path]
        for key in _NUMERIC:
            both, lone = _present(key, a, b, partial)
            if lone:
                out.append(f"{emp}: kpis.{path}.{key}: {lone}")
            elif both and not _close(a[key], b[key]):
                out.append(f"{emp}: kpis.{path}.{key}: engine {a[key]!r} != reference {b[key]!r}")
    return out
