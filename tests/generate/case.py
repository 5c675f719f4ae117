"""A complete case folder: ``ruleset.yaml``, ``cycle.yaml`` (and maybe ``cycle-previous.yaml``), ``data/``.

>>> from generate import RandomChooser, write_case
>>> case = write_case(RandomChooser(7), Path("/tmp/case-7"))
>>> case.cycles        # run in this order into the cycle files' common store (previous first)

Layout of a folder::

    ruleset.yaml
    cycle.yaml                 # the period under test
    cycle-previous.yaml        # sometimes: the period before, same ruleset and store (for previous.*)
    ruleset-sub.yaml           # sometimes: the shorter periods' ruleset (read by periods: and net_of), with
    cycle-<sub-period>.yaml    #   a cycle file each (-rerun: run again at once, -late: after the next one ran)
    ruleset-sub-v2.yaml        # rhythm cases: the shorter periods' ruleset as changed mid-year
    ruleset-sub-fine.yaml      # rhythm chains: a still shorter one the shorter periods read in turn (months)
    ruleset-previous.yaml      # rhythm cases: last period's version of the ruleset
    overrides*.yaml            # a cycle's overrides
    data/employees.csv
    data/metrics.csv           # wide, and/or
    data/metrics-long.csv      # long (layout: long or detected)
    data/metrics*-corrected.csv  # rhythm cases: what a re-run reads (a few numbers corrected)
    data/feedback.csv          # when the data has ratings
    data/okrs.yaml | okrs.csv  # per cycle: okrs-<period>.yaml
    out/                       # where runs write (store: sqlite:///out/appraise.db)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import yaml

from .choosers import Chooser
from .data import DataGenerator, Table, csv_bytes, parquet_bytes, xlsx_bytes
from .ruleset import REGIONS, Period, Plan, generate_ruleset, merged
from .teams import deals_and_credits, side


@dataclass
class Case:
    """Paths of a written case and a summary of what it exercises."""

    folder: Path
    ruleset: Path
    cycle: Path
    previous_cycle: Path | None
    data: list[Path]
    summary: dict[str, Any] = field(default_factory=dict)
    sub_cycles: list[Path] = field(default_factory=list)   # shorter periods under ruleset-sub.yaml (SPEC v2)
    sub_ruleset: Path | None = None
    peer_cycle: Path | None = None    # another ruleset of the same period into the same store (SPEC v2), run before
    peer_ruleset: Path | None = None
    sub_ruleset_v2: Path | None = None  # the shorter periods' ruleset as changed mid-year (same id, later periods)
    previous_ruleset: Path | None = None  # last period's version of the ruleset (same id), for its run
    fine_ruleset: Path | None = None  # in a chain of three levels: the ruleset the shorter periods read in turn
    previous_reruns: list[Path] = field(default_factory=list)  # the previous period run again (its current run)


    @property
    def cycles(self) -> list[Path]:
        """The cycle files in the order to run them into their common store: the shorter periods of
        ``sub_ruleset`` (read by ``periods:`` and ``bonus.net_of``), the previous period, this one."""
        return [*self.sub_cycles, *(p for p in (self.previous_cycle, *self.previous_reruns, self.peer_cycle,
                                                  self.cycle) if p is not None)]

    @property
    def rulesets(self) -> list[Path]:
        return [p for p in (self.ruleset, self.sub_ruleset, self.sub_ruleset_v2, self.previous_ruleset,
                            self.peer_ruleset, self.fine_ruleset) if p is not None]

    @property
    def features(self) -> list[str]:
        return self.summary.get("features", [])


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's emitter when there is one
    """Block YAML without anchors; decimals written as plain numbers."""

    def ignore_aliases(self, data):
        return True


def _decimal(dumper, value: Decimal):
    text = format(value, "f")
    if "." not in text:
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", text.rstrip("0").rstrip(".") if "." in text else text)


_Dumper.add_representer(Decimal, _decimal)

class _QuotingDumper(_Dumper):
    """For files of ids as values (overrides): text of digits quoted. PyYAML's YAML 1.1 rules leave "00016" plain,
    which YAML 1.2 (what appraise reads) takes for the number 16; a person writing the id 00016 quotes it."""


_QuotingDumper.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))


def _num_text(d: Decimal) -> int | Decimal:
    return int(d) if d == d.to_integral_value() else d


def dump_yaml(data: Any, header: str = "", ids: bool = False) -> bytes:
    """``data`` as block YAML; ``ids``: number-like text quoted (an id ``00016`` is text, YAML 1.2 reads 16)."""
    text = yaml.dump(data, Dumper=_QuotingDumper if ids else _Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=None, width=110)
    return (header + text).encode("utf-8")


def _context(ch: Chooser, plan: Plan) -> dict:
    out: dict[str, Any] = {}
    for key, kind in plan.context.items():
        if kind == "bool":
            out[key] = ch.chance(0.5)
        elif kind == "list-str":
            out[key] = ch.sample(REGIONS, 0, 2)
        elif kind == "list-num":
            out[key] = ch.sample([1, 2, 3, 4, 5], 0, 3)
        else:
            out[key] = ch.choice([1, Decimal("1.05"), Decimal("0.9"), Decimal("1.2"), 0])
    if ch.chance(0.08):
        out["note"] = "set but never read"
    return out


def _periods(ch: Chooser, rhythms: bool = True) -> tuple[Period, bool, str | None, Chooser | None]:
    """The first choices of a case: its period, whether the period before is run first (for ``previous``), the
    length of the shorter periods another ruleset appraises first (SPEC v2, same store; read by ``periods:``
    and ``net_of``), or None, and the chooser of a "rhythm" case (below), or None."""
    period = Period.parse(ch.weighted([("2026-Q3", 6), ("2026-07", 2), ("2026-H2", 1), ("2026", 1), ("2027-Q1", 1)]))
    with_previous = ch.chance(0.12)
    shorter = {3: ["month"], 6: ["quarter", "month"], 12: ["half", "quarter"]}.get(period.count, [])
    every = ch.choice(shorter) if shorter and ch.chance(0.12) else None
    # A review rhythm whose periods add up (SPEC v2), from a chooser of its own so that other cases stay as they
    # were: an annual grade from quarters (or halves), a half from quarters or months, a quarter from months;
    # the shorter periods' runs may carry overrides and be run again (a corrected quarter replaces the first run)
    if not rhythms:  # (no draw for it at all: hypothesis' cases stay as they were)
        return period, with_previous, every, None
    rhythm = side(ch, "rhythm")
    if not rhythm.chance(0.08):
        return period, with_previous, every, None
    period = Period.parse(rhythm.weighted([("2026", 4), ("2026-H2", 2), ("2026-Q3", 1), ("2027-Q1", 1)]))
    every = rhythm.choice({12: ["quarter", "quarter", "half"], 6: ["quarter", "quarter", "month"],
                           3: ["month"]}[period.count])
    return period, with_previous or rhythm.chance(0.25), every, rhythm


def _peer(ch: Chooser) -> Chooser | None:
    """Now and then another ruleset (``managers``) appraises the same period into the same store before the ruleset
    under test (SPEC v2 "Several rulesets in one period"): its chooser, from a side of its own, or None."""
    peers = side(ch, "peers")
    return peers if peers.chance(0.04) else None


def rhythm_case(ch: Chooser) -> bool:
    """Whether :func:`write_case` with a chooser making the same choices writes a rhythm case (many cycles)."""
    return _periods(ch)[3] is not None


def _chain(rhythm: Chooser | None, every: str | None) -> Chooser | None:
    """The chooser of a chain of three levels in a rhythm case (its shorter periods read still shorter ones), or
    None: from a side of its own, so that rhythm cases without it stay as they were."""
    if rhythm is None or every not in ("quarter", "half"):
        return None
    chain = side(rhythm, "chain")
    return chain if chain.chance(0.4) else None


def chain_case(ch: Chooser) -> bool:
    """Whether :func:`write_case` with a chooser making the same choices writes a chain of three levels (months
    read by quarters read by the year, or quarters by halves by the year), found without writing it."""
    _, _, every, rhythm = _periods(ch)
    return _chain(rhythm, every) is not None


def several_cycles(ch: Chooser) -> bool:
    """Whether :func:`write_case` with a chooser making the same choices (``RandomChooser(seed)`` again) writes a
    case of several cycles, found without writing it."""
    _, with_previous, every, _ = _periods(ch)
    return with_previous or every is not None or _peer(ch) is not None


def _overrides(bulk: Chooser, at_min: Chooser, ruleset: dict, employed: list[str], gen: DataGenerator) -> list[dict]:
    """One or two overrides of people employed all along (SPEC v2 "Overrides"): a score, a grade or both."""
    grades = [g["grade"] for g in ruleset["grades"]]
    overrides = []
    for who in bulk.sample(employed, 1, 2):
        item: dict[str, Any] = {"id": who}
        what = bulk.choice(["score", "grade", "both"])
        if what in ("score", "both"):
            item["score"] = _num_text(bulk.decimal("0", "130", bulk.choice([0, 2])))
            if at_min.chance(0.4):  # exactly a grade's minimum, or below it by a cent, a half cent (reported as
                # the minimum, half-up) or less
                edge = Decimal(str(at_min.choice(ruleset["grades"])["min"]))
                below = Decimal(at_min.choice(["0", "0", "0.01", "0.005", "0.000001"]))
                item["score"] = _num_text(edge - below if edge else edge)
                gen.notes.add("override-score-at-grade-min")
        if what in ("grade", "both"):
            item["grade"] = bulk.choice(grades)
        item.update({"reason": bulk.choice(["Calibration committee", "Revenue booked late (FIN-1182)"]),
                     "by": bulk.choice(["HR", "李娜"]), "date": "2026-10-05"})
        overrides.append(item)
    return overrides


def _covers_everyone(ruleset: dict) -> bool:
    """Whether every employee the period appraises gets a result (not an error, not uncovered) as far as the
    ruleset goes: a last scorecard for everyone left, and missing data scored 0 (someone without data has no
    score under ``redistribute``, and is in the errors then, whom no override may name)."""
    last = list(ruleset["scorecards"].values())[-1]
    return "applies_to" not in last and ruleset.get("missing") == "zero"


def _rhythm_runs(ch: Chooser, cycles: list, sub_rulesets: dict[str, dict | None], ruleset: dict,
                 prev_rs: dict | None, employed: list[str], gen: DataGenerator, written: dict[str, bytes],
                 override_files: dict[str, str]) -> list:
    """The runs of a rhythm case (SPEC v2 "periods that add up"): the shorter periods' runs now and then carry
    overrides (the store keeps the overridden score, grade and bonus, which ``periods:`` and ``net_of`` read),
    and one may be run again with other overrides (a corrected quarter: its second run is the current one);
    the previous period may carry overrides too (``previous.*`` reads them)."""
    out = []
    for item in cycles:
        p, name, rs_file, rs_plan = item
        out.append(item)
        sub_rs = sub_rulesets.get(rs_file)
        if sub_rs is None or not employed or not _covers_everyone(sub_rs):
            continue
        if ch.chance(0.35):
            file = f"overrides-{p.id}.yaml"
            written[file] = dump_yaml(_overrides(ch, ch, sub_rs, employed, gen), ids=True)
            override_files[name] = file
            gen.notes.add("rhythm-sub-period-overrides")
        if ch.chance(0.2):
            again = name.removesuffix(".yaml") + "-rerun.yaml"
            out.append((p, again, rs_file, rs_plan))
            if ch.chance(0.7):
                file = f"overrides-{p.id}-rerun.yaml"
                written[file] = dump_yaml(_overrides(ch, ch, sub_rs, employed, gen), ids=True)
                override_files[again] = file
            gen.notes.add("rhythm-sub-period-run-again")
    rs_file = next((rs_file for _, name, rs_file, _ in out if name == "cycle-previous.yaml"), None)
    previous_rs = prev_rs if rs_file == "ruleset-previous.yaml" else ruleset
    if rs_file and employed and _covers_everyone(previous_rs) and ch.chance(0.4):
        written["overrides-previous.yaml"] = dump_yaml(_overrides(ch, ch, previous_rs, employed, gen), ids=True)
        override_files["cycle-previous.yaml"] = "overrides-previous.yaml"
        gen.notes.add("rhythm-previous-overrides")
    again = side(ch, "previous-again")  # (a chooser of its own: rhythm cases without it stay as they were)
    if rs_file and again.chance(0.25):  # last period corrected after its run: previous.* reads the second run
        at = next(i for i, item in enumerate(out) if item[1] == "cycle-previous.yaml")
        out.insert(at + 1, (*out[at][:1], "cycle-previous-rerun.yaml", *out[at][2:]))
        if employed and _covers_everyone(previous_rs) and again.chance(0.7):
            written["overrides-previous-rerun.yaml"] = dump_yaml(_overrides(again, again, previous_rs, employed,
                                                                            gen), ids=True)
            override_files["cycle-previous-rerun.yaml"] = "overrides-previous-rerun.yaml"
        gen.notes.add("rhythm-previous-run-again")
    gen.notes.add("rhythm")
    return out


def _late_correction(ch: Chooser, cycles: list, fine_rs: dict, employed: list[str], gen: DataGenerator,
                     written: dict[str, bytes], override_files: dict[str, str]) -> list:
    """In a chain of three levels, one of the shortest periods run again after the period that read it (a month
    corrected after its quarter was run): the quarter's stored result stays what it was, and the longest period
    reads the quarter, not the corrected month."""
    fine = [i for i, (_, name, rs, _) in enumerate(cycles) if rs == "ruleset-sub-fine.yaml"
            and not name.endswith("-rerun.yaml")]
    if not fine:
        return cycles
    at = ch.choice(fine)
    p, name, rs_file, rs_plan = cycles[at]
    after = next((i for i in range(at + 1, len(cycles)) if cycles[i][2] != "ruleset-sub-fine.yaml"), at)
    while after + 1 < len(cycles) and cycles[after + 1][1].endswith("-rerun.yaml") \
            and cycles[after + 1][2] != "ruleset-sub-fine.yaml":
        after += 1
    if not cycles[after][2].startswith("ruleset-sub"):  # its quarter was not run: just before what comes next
        after -= 1
    late = name.removesuffix(".yaml") + "-late.yaml"
    if employed and _covers_everyone(fine_rs) and ch.chance(0.8):
        file = f"overrides-{p.id}-late.yaml"
        written[file] = dump_yaml(_overrides(ch, ch, fine_rs, employed, gen), ids=True)
        override_files[late] = file
    gen.notes.add("rhythm-chain-late-correction")
    return [*cycles[:after + 1], (p, late, rs_file, rs_plan), *cycles[after + 1:]]


def _late_sub_correction(ch: Chooser, cycles: list, sub_rulesets: dict[str, dict | None], employed: list[str],
                         gen: DataGenerator, written: dict[str, bytes], override_files: dict[str, str]) -> list:
    """One shorter period run again after the next one ran (Q1 corrected once Q2 was run, before the year): the
    later period's stored result (its draw balance carried in, its year to date) stays what it was, and the
    longer period reads the corrected one's current run through ``periods:`` and ``net_of``."""
    level = ("ruleset-sub.yaml", "ruleset-sub-v2.yaml")
    later = {}
    for i, (p, name, rs, _) in enumerate(cycles):
        if rs in level and not name.endswith(("-rerun.yaml", "-late.yaml")):
            j = next((j for j in range(i + 1, len(cycles)) if cycles[j][2] in level and cycles[j][0] != p), None)
            if j is not None:
                later[i] = j
    if not later:
        return cycles
    at = ch.choice(sorted(later))
    after = later[at]
    while after + 1 < len(cycles) and cycles[after + 1][0] == cycles[after][0] \
            and cycles[after + 1][1].endswith("-rerun.yaml"):
        after += 1
    p, name, rs_file, rs_plan = cycles[at]
    late = name.removesuffix(".yaml") + "-late.yaml"
    sub_rs = sub_rulesets.get(rs_file)
    if sub_rs is not None and employed and _covers_everyone(sub_rs) and ch.chance(0.7):
        file = f"overrides-{p.id}-late.yaml"
        written[file] = dump_yaml(_overrides(ch, ch, sub_rs, employed, gen), ids=True)
        override_files[late] = file
    gen.notes.add("rhythm-late-correction")
    return [*cycles[:after + 1], (p, late, rs_file, rs_plan), *cycles[after + 1:]]


def _corrected_metrics(ch: Chooser, cycles: list, tables: dict[str, Table], raw_sources: list[dict],
                       sources: list[dict], written: dict[str, bytes], gen: DataGenerator) -> dict[str, list[dict]]:
    """Now and then a period run again because its data was corrected: the re-runs (``-rerun``, ``-late``) read a
    copy of the metrics files (CSV) with a few numbers changed, so the current run stored for that period differs
    from the first run by its data, not only by overrides. The metric sources of each such cycle file, by name."""
    again = [name for _, name, _, _ in cycles if name.endswith(("-rerun.yaml", "-late.yaml"))]
    if not again or not ch.chance(0.5):
        return {}
    swapped = []
    for raw, placed in zip(raw_sources, sources):
        table = tables.get(raw["path"])
        if table is None or raw["path"] not in ("data/metrics.csv", "data/metrics-long.csv"):
            swapped.append(placed)
            continue
        numbers = [i for i, name in enumerate(table.header)
                   if i >= 2 and name not in ("notes", "metric") and name != "month"]
        rows = [list(r) for r in table.rows]
        for row in rows:
            if not ch.chance(0.15):
                continue
            for i in numbers:
                try:
                    value = Decimal(str(row[i]))
                except (ArithmeticError, ValueError, TypeError):
                    continue
                if value.is_finite() and value.adjusted() > -10 and ch.chance(0.5):
                    new = value * ch.choice([Decimal("1.1"), Decimal("0.9"), Decimal(2), Decimal(0)])
                    # at most 2 places: "1.086" in a ';'-separated file may be 1086 (refused, never guessed)
                    row[i] = format(new.quantize(Decimal("0.01"), ROUND_HALF_UP), "f")
        path = raw["path"].removesuffix(".csv") + "-corrected.csv"
        written[path] = csv_bytes(Table(table.header, rows), ch)[0]
        swapped.append({**raw, "path": path})
    gen.notes.add("rerun-corrected-data")
    return {name: swapped for name in again if ch.chance(0.8)}


def write_case(ch: Chooser, folder: Path, formats: tuple[str, ...] = ("csv",),
               employees: tuple[int, int] = (3, 12), rhythms: bool = True) -> Case:
    """Write a valid ruleset, its cycle file(s) and their data into ``folder`` (created).

    ``formats``: the file formats tabular data may take, among ``csv`` (the csv and feedback360
    providers), ``xlsx`` (excel) and ``parquet``; CSV only by default (what every reader knows).
    """
    folder = Path(folder)
    (folder / "data").mkdir(parents=True, exist_ok=True)
    period, with_previous, every, rhythm = _periods(ch, rhythms)
    peer_ch = _peer(ch)
    previous = period.previous() if with_previous else None
    stored = sub_rs = sub_plan = None
    subs: list[Period] = []
    # a chain of three levels (a year from quarters that are each read from months, or from halves read from
    # quarters): the shorter periods' ruleset reads a still shorter one through periods: and net_of in its turn
    chain = _chain(rhythm, every)
    fine_stored = fine_rs = fine_plan = None
    if every is not None:
        subs = period.subperiods(every)
        stored = (f"sub-{every}", every)
        if chain is not None:
            finer = {"quarter": "month", "half": "quarter"}[every]
            fine_stored = (f"sub-{finer}", finer)
            fine_rs, fine_plan = generate_ruleset(chain, subs[0].subperiods(finer)[0], ruleset_id=fine_stored[0])
            sub_rs, sub_plan = generate_ruleset(chain, subs[0], ruleset_id=stored[0], stored=fine_stored,
                                                rhythm=chain)
        else:
            sub_rs, sub_plan = generate_ruleset(ch, subs[0], ruleset_id=stored[0])
    ruleset, plan = generate_ruleset(ch, period, stored=stored, rhythm=rhythm)
    peer_rs = peer_plan = None
    if peer_ch is not None:
        peer_rs, peer_plan = generate_ruleset(peer_ch, period, ruleset_id="managers")
    prev_rs = prev_plan = None
    if rhythm is not None and previous is not None and rhythm.chance(0.4):
        # last period's run was under last period's ruleset: same id, another version (other grades, scorecards)
        prev_rs, prev_plan = generate_ruleset(rhythm, previous, ruleset_id=ruleset["id"])
        prev_rs["version"] = "2025.1"
    sub2_rs = sub2_plan = None
    if rhythm is not None and sub_rs is not None and rhythm.chance(0.5):
        sub_rs["missing"] = "zero"  # everyone scored each quarter (the overrides of a rhythm case need it)
    if rhythm is not None and stored is not None and len(subs) > 1 and rhythm.chance(0.3):
        # HR changed the shorter periods' ruleset mid-year: same id, another version from some sub-period on
        sub2_rs, sub2_plan = generate_ruleset(rhythm, subs[0], ruleset_id=stored[0], stored=fine_stored,
                                              rhythm=chain)
        sub2_rs["version"] = "2026.2"
        if rhythm.chance(0.5):
            sub2_rs["missing"] = "zero"
    bulk = ch.fork()  # cells and rows: one seed from the structural chooser
    others = [p for p in (sub_plan, peer_plan, sub2_plan, prev_plan, fine_plan) if p is not None]
    gen = DataGenerator(bulk, merged([plan, *others]) if others else plan, previous, employees)

    header = "# yaml-language-server: $schema=../schemas/ruleset.schema.json\n# generated by tests/generate\n"
    written: dict[str, bytes] = {"ruleset.yaml": dump_yaml(ruleset, header)}
    if sub_rs is not None:
        written["ruleset-sub.yaml"] = dump_yaml(sub_rs, header)
        gen.notes.add(f"sub-periods-{stored[1]}")
    if peer_rs is not None:
        written["ruleset-managers.yaml"] = dump_yaml(peer_rs, header)
        gen.notes.add("two-rulesets-one-period")
    if prev_rs is not None:
        written["ruleset-previous.yaml"] = dump_yaml(prev_rs, header)
        gen.notes.add("rhythm-previous-ruleset-version")
    if sub2_rs is not None:
        written["ruleset-sub-v2.yaml"] = dump_yaml(sub2_rs, header)
        gen.notes.add("rhythm-ruleset-changed-mid-year")
    if fine_rs is not None:
        written["ruleset-sub-fine.yaml"] = dump_yaml(fine_rs, header)
        gen.notes.add(f"rhythm-chain-{fine_stored[1]}-{stored[1]}-{period.id}")
    tables: dict[str, Table] = {}  # encoded at the end, each as CSV or one of the other allowed formats
    people, employees, emp_source = gen.employees()
    if len(employees.rows) > 1 and bulk.chance(0.08):  # two employee files (another team's HR export)
        cut = bulk.integer(1, len(employees.rows) - 1)
        tables["data/employees.csv"] = Table(employees.header, employees.rows[:cut])
        tables["data/employees-2.csv"] = Table(employees.header, employees.rows[cut:])
        emp_sources = [emp_source, {**emp_source, "path": "data/employees-2.csv"}]
        gen.notes.add("employees-two-files")
    else:
        tables["data/employees.csv"] = employees
        emp_sources = [emp_source]
    months = [*(previous.months if previous else []), *period.months]
    after = (period.end.year + (period.end.month == 12), period.end.month % 12 + 1)
    split = side(bulk, "credits")
    # a metric every ruleset of the case declares: the deals source is in every cycle file, and a deals table
    # without a column of a declared metric stops the run (it splits nothing)
    credited = [m for m in sorted(gen.plan.raw) if m not in gen.plan.optional
                and all(m in p.raw for p in (plan, *others))]
    credited = [split.choice(credited)] if credited and split.chance(0.12) else []
    metric_files, metric_sources = gen.metrics(people, months + [after], frozenset(credited))
    tables.update(metric_files)
    if credited:  # split credit: the metric comes from deals shared among sellers (README "Team roll-up ...")
        texts = [f"{y}-{m:02d}" for y, m in months + [after]]
        deals, credits, why = deals_and_credits(split, people, texts, credited[0], split.chance(0.03),
                                                [f"{y}-{m:02d}" for y, m in period.months])
        tables["data/deals.csv"], tables["data/credits.csv"] = Table(*deals), Table(*credits)
        metric_sources += [{"provider": "csv", "path": "data/deals.csv", "kind": "deals"},
                           {"provider": "csv", "path": "data/credits.csv", "kind": "credits"}]
        gen.notes.add("split-credit")
        if why:
            gen.notes.add("dirty-credit-shares")
            gen.refusal = f"broken data: {why}"

    feedback = gen.feedback(people)
    fb_source = None
    if feedback is not None and (not plan.relations or bulk.chance(0.93)):
        tables["data/feedback.csv"] = feedback
        fb_source = {"provider": "feedback360", "path": "data/feedback.csv"}
    elif plan.relations:
        gen.notes.add("feedback-source-missing")
    if fb_source is None and gen.dirty == "rating-above-scale":  # the broken rating is in no file after all
        gen.refusal = None

    moved: dict[str, tuple[str, str]] = {}  # CSV path -> (path, provider) of the file written instead
    for path, table in tables.items():
        fmt = bulk.weighted([(f, {"csv": 16, "xlsx": 3, "parquet": 2}[f]) for f in formats])
        if fmt == "csv":
            written[path] = csv_bytes(table, bulk)[0]
            continue
        new = path[:-len(".csv")] + "." + fmt
        written[new] = xlsx_bytes(table) if fmt == "xlsx" else parquet_bytes(table)
        moved[path] = (new, "excel" if fmt == "xlsx" else "parquet")
        gen.notes.add(f"format-{fmt}")

    def placed(source: dict) -> dict:
        if source["path"] not in moved:
            return source
        path, provider = moved[source["path"]]
        return {**source, "path": path, "provider": source["provider"] if source["provider"] != "csv" else provider}

    emp_sources = [placed(s) for s in emp_sources]
    raw_metric_sources = metric_sources  # as CSV, before some were written as workbooks or Parquet
    metric_sources = [placed(s) for s in metric_sources]
    if side(bulk, "empty").chance(0.01):  # a metrics export with a header alone: refused at the file, never "no data"
        written["data/metrics-empty.csv"] = b"employee,month,revenue\n"
        metric_sources.append({"provider": "csv", "path": "data/metrics-empty.csv"})
        gen.notes.add("dirty-header-only")
        gen.refusal = "broken data: a metrics file with a header and no data rows"
    fb_source = placed(fb_source) if fb_source else None

    cycles = [(sp, f"cycle-{sp.id}.yaml", "ruleset-sub.yaml", sub_plan) for sp in subs if bulk.chance(0.85)]
    if len(cycles) < len(subs):
        gen.notes.add("sub-period-not-run")
    if sub2_rs is not None:  # the later sub-periods under the changed ruleset
        cut = subs[rhythm.integer(1, len(subs) - 1)].first
        cycles = [(sp, name, "ruleset-sub-v2.yaml", sub2_plan) if sp.first >= cut else (sp, name, rs, pl)
                  for sp, name, rs, pl in cycles]
    if fine_rs is not None:  # each shorter period's own shorter periods are run just before it
        cycles = [run for sp, name, rs, pl in cycles
                  for run in [*((fp, f"cycle-{fp.id}.yaml", "ruleset-sub-fine.yaml", fine_plan)
                                for fp in sp.subperiods(fine_stored[1]) if chain.chance(0.9)),
                              (sp, name, rs, pl)]]
    if previous:
        cycles.append((previous, "cycle-previous.yaml", "ruleset.yaml", plan) if prev_rs is None else
                      (previous, "cycle-previous.yaml", "ruleset-previous.yaml", prev_plan))
    if peer_plan is not None:
        cycles.append((period, "cycle-managers.yaml", "ruleset-managers.yaml", peer_plan))
    cycles.append((period, "cycle.yaml", "ruleset.yaml", plan))
    overrides = None
    employed = gen.employed_all(people)
    if employed and bulk.chance(0.15):
        overrides = _overrides(bulk, side(bulk, "overrides"), ruleset, employed, gen)
        written["overrides.yaml"] = dump_yaml(overrides, ids=True)
        gen.notes.add("overrides")
    override_files = {"cycle.yaml": "overrides.yaml"} if overrides else {}
    if rhythm is not None:
        payable = [p["id"] for p in people if p["id"] in employed and p.get("target_bonus") != "-100"]
        sub_rulesets = {"ruleset-sub.yaml": sub_rs, "ruleset-sub-v2.yaml": sub2_rs, "ruleset-sub-fine.yaml": fine_rs}
        cycles = _rhythm_runs(rhythm, cycles, sub_rulesets, ruleset, prev_rs, payable, gen, written, override_files)
        if chain is not None and chain.chance(0.3):
            cycles = _late_correction(chain, cycles, fine_rs, payable, gen, written, override_files)
        late = side(rhythm, "late")  # (a chooser of its own: rhythm cases without it stay as they were)
        if late.chance(0.25):
            cycles = _late_sub_correction(late, cycles, sub_rulesets, payable, gen, written, override_files)

    corrected = _corrected_metrics(side(bulk, "corrected"), cycles, tables, raw_metric_sources, metric_sources,
                                   written, gen)
    okr_missing = plan.okr and bulk.chance(0.07)
    if okr_missing:
        gen.notes.add("okr-source-missing")
    on_error = bulk.weighted([(None, 8), ("fail", 1), ("skip-employee", 1)])
    outputs: dict[str, str] = {}
    for p, name, rs_file, rs_plan in cycles:
        sources: list[dict] = [*emp_sources, *corrected.get(name, metric_sources)]
        if fb_source:
            sources.append(fb_source)
        if rs_plan.okr and not okr_missing or (not rs_plan.okr and bulk.chance(0.05)):
            okrs = gen.okrs(people, current=name == "cycle.yaml")
            if okrs and bulk.chance(0.15):
                rows = [[emp, o["objective"], o.get("type"), kr["name"], kr["start"], kr["target"], kr["current"],
                         kr.get("weight")] for emp, objs in okrs.items() for o in objs for kr in o["key_results"]]
                header = ["employee", "objective", "type", "key_result", "start", "target", "current", "weight"]
                months = [kr.get("month", o.get("month")) for objs in okrs.values() for o in objs
                          for kr in o["key_results"]]
                if any(months):  # dated key results: a month column
                    header.append("month")
                    rows = [r + [m] for r, m in zip(rows, months)]
                table = Table(header, [[str(c) if isinstance(c, Decimal) else c for c in r] for r in rows])
                path = f"data/okrs-{p.id}.csv"
                written[path] = csv_bytes(table, bulk)[0]
                gen.notes.add("okr-csv")
            elif okrs:
                path = f"data/okrs-{p.id}.yaml"
                written[path] = dump_yaml(okrs)
            else:
                path = None
            if path:
                sources.append({"provider": "okr", "path": path})
        if bulk.chance(0.1):
            sources = list(reversed(sources))
        cycle: dict[str, Any] = {"cycle": int(p.id) if p.count == 12 and bulk.chance(0.5) else p.id,
                                 "ruleset": rs_file}
        context = _context(bulk, rs_plan)
        if context or bulk.chance(0.5):
            cycle["context"] = context
        cycle["sources"] = sources
        cycle["store"] = "sqlite:///out/appraise.db"
        cycle["output"] = outputs[name] = f"out/{p.id}" + ("-managers" if name == "cycle-managers.yaml" else
                                                            "-rerun" if name.endswith("-rerun.yaml") else
                                                            "-late" if name.endswith("-late.yaml") else "")
        if name in override_files:
            cycle["overrides"] = override_files[name]
        if on_error:
            cycle["on_error"] = on_error
        if bulk.chance(0.1):
            cycle["locale"] = bulk.choice(["en", "zh-CN"])
        written[name] = dump_yaml(cycle, "# yaml-language-server: $schema=../schemas/cycle.schema.json\n")

    for rel, content in written.items():
        (folder / rel).write_bytes(content)
    features = sorted(plan.features | gen.notes | {f"period-{period.id}"} | ({"previous-cycle"} if previous else set()))
    summary = {"period": period.id, "previous": previous.id if previous else None, "employees": len(people),
               "outputs": outputs,
               "scorecards": list(ruleset["scorecards"]), "rules": len(ruleset.get("rules", [])),
               "features": features,
               "expect_refusal": gen.refusal if on_error != "skip-employee" or not gen.dirty else None}
    return Case(folder=folder, ruleset=folder / "ruleset.yaml", cycle=folder / "cycle.yaml",
                previous_cycle=folder / "cycle-previous.yaml" if previous else None,
                previous_reruns=[folder / name for _, name, _, _ in cycles if name == "cycle-previous-rerun.yaml"],
                sub_cycles=[folder / name for _, name, rs_file, _ in cycles if rs_file.startswith("ruleset-sub")],
                sub_ruleset=folder / "ruleset-sub.yaml" if sub_rs is not None else None,
                sub_ruleset_v2=folder / "ruleset-sub-v2.yaml" if sub2_rs is not None else None,
                fine_ruleset=folder / "ruleset-sub-fine.yaml" if fine_rs is not None else None,
                previous_ruleset=folder / "ruleset-previous.yaml" if prev_rs is not None else None,
                peer_cycle=folder / "cycle-managers.yaml" if peer_rs is not None else None,
                peer_ruleset=folder / "ruleset-managers.yaml" if peer_rs is not None else None,
                data=sorted(folder / rel for rel in written if rel.startswith("data/")), summary=summary)
