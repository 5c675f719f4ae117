"""What a ruleset change does to an incentive plan's components: each component's cost under the old and the
new ruleset, exact, and how many people it pays differently (``appraise diff``, README "Incentive plans")."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class ComponentChange:
    """One plan component in the old and the new ruleset (a side without it: None)."""

    key: str
    old_total: Decimal | None
    new_total: Decimal | None
    changed: int  # people whose amount for this component differs

    @property
    def delta(self) -> Decimal:
        return (self.new_total or Decimal(0)) - (self.old_total or Decimal(0))

    def to_dict(self) -> dict[str, Any]:
        return {"component": self.key, "old": _text(self.old_total), "new": _text(self.new_total),
                "delta": _text(self.delta), "changed": self.changed}


def _text(value: Decimal | None) -> str | None:
    if value is None:
        return None
    d = value.normalize()
    return format(d.quantize(Decimal(1)) if d == d.to_integral() else d, "f")


def _amounts(doc: Mapping[str, Mapping[str, Any]], key: str) -> dict[str, Decimal | None]:
    out = {}
    for eid, e in doc.items():
        part = (((e.get("bonus_detail") or {}).get("components") or {}).get(key) or {})
        amount = part.get("amount")
        out[eid] = None if amount is None else Decimal(amount)
    return out


def component_changes(rs_old, rs_new, a: Mapping[str, Mapping[str, Any]],
                      b: Mapping[str, Mapping[str, Any]]) -> list[ComponentChange]:
    """Each component of either ruleset (old's order, then new's), with its totals over the employees each side
    appraised (a person whose component amount is unknown counts 0) and how many people's amount changed."""
    keys = list(dict.fromkeys(c.key for rs in (rs_old, rs_new) if rs.bonus is not None for c in rs.bonus.components))
    out = []
    for key in keys:
        has_old = rs_old.bonus is not None and any(c.key == key for c in rs_old.bonus.components)
        has_new = rs_new.bonus is not None and any(c.key == key for c in rs_new.bonus.components)
        old, new = _amounts(a, key) if has_old else {}, _amounts(b, key) if has_new else {}
        changed = sum(1 for eid in set(old) | set(new) if old.get(eid) != new.get(eid))
        out.append(ComponentChange(key, sum((v for v in old.values() if v is not None), Decimal(0)) if has_old
                                   else None,
                                   sum((v for v in new.values() if v is not None), Decimal(0)) if has_new else None,
                                   changed))
    return out


def lines(changes: list[ComponentChange], currency: str, t: Callable[..., str], markdown: bool) -> list[str]:
    """The components' costs as a Markdown table or text lines in the report's words ``t`` (nothing without
    components)."""
    if not changes:
        return []

    def shown(v: Decimal | None, sign: bool = False) -> str:
        if v is None:
            return "–"
        text = _text(v) or ""
        return f"+{text}" if sign and v > 0 else text

    if markdown:
        out = ["", f"**{t('diff.plan.title')}** {t('diff.plan.cost', currency=currency)}", "",
               f"| {t('diff.plan.component')} | {t('diff.old')} | {t('diff.new')} | {t('diff.change')} | "
               f"{t('diff.plan.changed')} |", "| --- | ---: | ---: | ---: | ---: |"]
        out += [f"| `{c.key}` | {shown(c.old_total)} | {shown(c.new_total)} | {shown(c.delta, True)} | {c.changed} |"
                for c in changes]
        return out
    out = ["", t("diff.plan.text_title", currency=currency)]
    out += [t("diff.plan.text_line", component=c.key, old=shown(c.old_total), new=shown(c.new_total),
              delta=shown(c.delta, True), n=c.changed) for c in changes]
    return out


def notes(rs_old, rs_new) -> list[str]:
    """What a diff cannot show of an incentive plan: it reads no store, so no draw balance and no year to date."""
    if not any(rs.bonus is not None and rs.bonus.incentive for rs in (rs_old, rs_new)):
        return []
    from appraise.i18n import DIAGNOSTICS  # its English words; the report translates its notes

    return [DIAGNOSTICS["diff.plan_store"]["en"]]
