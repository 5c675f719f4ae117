"""Provenance on the worked example (Q3: price_war holds, region north is restricted): every expected number is
worked by hand from sales-team.yaml's weights, rules, tiers and calibration."""
from __future__ import annotations

from appraise.core.provenance import changed_by
from engine_inputs import run_example


def test_rules_weight_changes_tiers_and_calibration_of_one_employee():
    ev, _ = run_example("Q3")
    p = ev.provenance
    # E003 (north): price-war then market-entry-blocked, in file order
    steps = [(s.rule, s.action.kind, s.changed()) for s in p.weights("E003")]
    assert steps == [
        # set retention_rate 70: new_product_share gets 50 × (100 − 70) / (100 − 50) = 30
        ("price-war", "set", {"strategy.new_product_share": (50.0, 30.0), "strategy.retention_rate": (50.0, 70.0)}),
        ("price-war", "shift", {"results": (50.0, 45.0), "strategy": (10.0, 15.0)}),
        # drop new_product_share (30): retention_rate gets 70 × 100 / 70 = 100
        ("market-entry-blocked", "drop", {"strategy.new_product_share": (30.0, 0.0),
                                          "strategy.retention_rate": (70.0, 100.0)}),
    ]
    # E002 (hired 2026-07-15: tenure < 3 months) has the revenue target halved as well
    e002 = [(s.rule, s.kind, s.changed()) for s in p.weights("E002")]
    assert ("new-hire-ramp", "target", {"results.revenue": (1.0, 0.5)}) in e002
    # attainment 1.0303: both tiers (from 0.8 and from 1.0) reached
    assert [(t.start, t.reached) for t in p.tiers("E003")] == [(0.8, True), (1.0, True)]
    cal = p.calibration("E003")  # team east-1 has 4 people (E001–E004); A capped at 30% → moved to B
    assert (cal.cohort, cal.value, cal.size, cal.applied, cal.before, cal.after, cal.moved) == \
        ("team", "east-1", 4, True, "A", "B", True)


def test_table_holds_everyone_and_agrees_with_the_dashboards_reading():
    ev, _ = run_example("Q3")
    table = ev.provenance.table()
    e003 = table.filter(table["id"] == "E003").select("rule", "action", "path", "before", "after").rows()
    assert e003 == [("price-war", 0, "strategy.new_product_share", 50.0, 30.0),
                    ("price-war", 0, "strategy.retention_rate", 50.0, 70.0),
                    ("price-war", 1, "results", 50.0, 45.0), ("price-war", 1, "strategy", 10.0, 15.0),
                    ("market-entry-blocked", 0, "strategy.new_product_share", 30.0, 0.0),
                    ("market-entry-blocked", 0, "strategy.retention_rate", 70.0, 100.0)]
    assert table["id"].is_sorted()
    card = ev.ruleset.scorecard(ev.frame.filter(ev.frame["id"] == "E003")["scorecard"][0])
    weights, targets = changed_by(ev.ruleset, card, ["price-war", "market-entry-blocked", "new-hire-ramp"])
    # the shift between results and strategy leaves process, objectives and feedback alone
    assert weights == {"strategy.new_product_share": ["price-war", "market-entry-blocked"],
                       "strategy.retention_rate": ["price-war", "market-entry-blocked"],
                       "results": ["price-war"], "strategy": ["price-war"]}
    assert targets == {"results.revenue": ["new-hire-ramp"]}
