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
import json
import os
import secrets
import stat
import time
from collections.abc import Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from appraise.atomic import write_bytes
from appraise.core.evaluate import evaluate
from appraise.errors import InvalidInput
from appraise.i18n import normalize_locale
from appraise.language.compile import Ruleset, localized
from appraise.present.render import withheld_groups
from appraise.tools.workshop import voting, weightset, yamledit
from appraise.tools.workshop.rescore import RESULT_COLUMNS, Rescorer
from appraise.tools.workshop.voting import Ballot, VoteRefused

if TYPE_CHECKING:
    from appraise.store.ballots import BallotBox

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
        # everyone the engine scores, and those these weights leave unscored whom others may score (null results)
        first = self.rescorer.score(ruleset)
        f = evaluation.frame
        if evaluation.unscored is not None and evaluation.unscored.height:
            f = pl.concat([f, evaluation.unscored.select([c for c in evaluation.unscored.columns if c in f.columns])],
                          how="diagonal_relaxed").sort("id")
        self.fast = first.height == f.height and first.filter(pl.col("score").is_not_null()).equals(
            evaluation.frame.select("id", *RESULT_COLUMNS))
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
        self.min_group = max(int(getattr(ruleset, "min_group", 5) or 5), 2)
        self.result = f.select("id").join(evaluation.frame.select("id", *RESULT_COLUMNS), on="id", how="left",
                                          maintain_order="left")
        self.elapsed = 0.0
        # voting: ad-hoc links, in memory, until :meth:`start_voting` says otherwise
        self.votes: dict[str, Ballot] = {}
        self.mode = "links"
        self.session_id = f"{self.cycle_label}-{secrets.token_hex(5)}"
        self.secret = secrets.token_bytes(32)
        self.roster: dict[str, str] = {}
        self.box: BallotBox | None = None  # when the votes are kept in a store
        self._codes: dict[str, bool] = {}  # code hash -> spent, when there is no store
        self.guesses = voting.Guesses()    # wrong one-time codes: slowed, then refused (see voting.Guesses)
        self.export_tallies = True

    @classmethod
    def from_cycle(cls, cycle_path: str | Path, *, budget: Decimal | None = None, locale: str | None = None
                   ) -> Workshop:
        """Read a cycle file's ruleset and sources once (the providers run here, not per slider move)."""
        from appraise.pipeline import load, prepare

        cycle, rs = load(cycle_path)
        inputs = prepare(cycle, rs, overrides=False).inputs  # neither the overrides file nor the store is read
        workshop = cls(rs, inputs, cycle.period, cycle.context, ruleset_path=cycle.ruleset_path, budget=budget,
                       locale=locale or cycle.locale, cycle_label=cycle.period.id)
        workshop.store_url = cycle.store
        return workshop

    store_url: str | None = None  # the cycle's results store (where :meth:`start_voting` keeps the ballots)

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

    def start_voting(self, *, mode: str = "links", roster: list[tuple[str, str]] | None = None, codes: int = 0,
                     store: str | None = None, resume: str | None = None) -> list[str]:
        """Decide who may vote (see :mod:`.voting`) and where ballots are kept; returns new one-time codes.

        ``store`` (a results store URL) keeps the session, every ballot with the ruleset version it was cast
        on, the codes' hashes and each save.  ``resume`` reopens a stored session after a restart: its
        secret (so the roster links handed out still work), roster, unspent codes and ballots.
        """
        from appraise.store.ballots import BallotBox

        if mode not in voting.MODES:
            raise ValueError(f"mode is one of {', '.join(voting.MODES)}")
        self.box = BallotBox(store) if store else None
        if resume:
            box = self.box
            row = box.session(resume) if box is not None else None
            if box is None or row is None:
                raise InvalidInput([_diag(f"no workshop session '{resume}' in the store",
                                          "start without --resume")])
            if row["ruleset_id"] != self.ruleset.id or row["cycle"] != self.cycle_label:
                raise InvalidInput([_diag(
                    f"session '{resume}' voted on {row['ruleset_id']} for {row['cycle']}, not on {self.ruleset.id} "
                    f"for {self.cycle_label}", "resume it with its own cycle file")])
            self.session_id, self.secret, self.mode = resume, bytes.fromhex(row["secret"]), row["mode"]
            self.roster = dict(row["roster"] or [])
            self.votes = {}
            for b in box.ballots(resume):
                key = b.voter if b.voter is not None else f"{voting.SECRET}{b.id}"
                self.votes[key] = Ballot(key, b.name or "", b.weights, b.revision, 0.0, b.ruleset_version)
            new: list[str] = []
            if codes:
                new = voting.new_codes(codes)
                box.add_codes(self.session_id, [voting.code_hash(self.secret, self.session_id, c) for c in new])
            return new
        self.mode = mode
        self.roster = dict(roster or []) if mode == "roster" else {}
        if mode == "roster" and not self.roster:
            raise ValueError("a roster vote needs a roster")
        new = voting.new_codes(codes) if mode == "codes" else []
        hashes = [voting.code_hash(self.secret, self.session_id, c) for c in new]
        if self.box is not None:
            self.box.open_session(session_id=self.session_id, cycle=self.cycle_label, ruleset_id=self.ruleset.id,
                                  ruleset_version=self.version, ruleset_sha256=self._file_sha or "-", mode=mode,
                                  secret=self.secret.hex(), roster=list(self.roster.items()) if self.roster else None)
            self.box.add_codes(self.session_id, hashes)
        else:
            self._codes = dict.fromkeys(hashes, False)
        return new

    def _proposal(self, proposal: Mapping[str, Any]) -> dict[str, Decimal]:
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
        return weights

    def vote(self, voter: str, name: str, proposal: Mapping[str, Any], revision: int | None = None) -> Ballot:
        """Record a named proposal: one ballot per voter (a link), the latest replaces (see :mod:`.voting`).

        ``revision`` is the revision of this voter's ballot the page was showing (0: none): if another was cast
        since, :class:`~.voting.VoteRefused` (409) and nothing changes; None skips the check.  A roster
        member's name is the roster's; on an ad-hoc link the name is a label the participant types (it neither
        merges nor replaces ballots of other links).
        """
        if self.mode == "codes" or voter == voting.BALLOT_VOTER:
            raise VoteRefused("code_required", 403)
        if self.mode == "roster" and not voter.startswith(voting.PERSON):
            raise VoteRefused("err_token", 403)  # a roster vote: only the roster's signed links vote
        if voter.startswith(voting.PERSON):
            name = self.roster.get(voter[len(voting.PERSON):], "")
            if not name:
                raise VoteRefused("err_token", 403)
        else:
            name = " ".join(str(name or "").split())[:MAX_NAME]
            if not name:
                raise ValueError("name_required")
        weights = self._proposal(proposal)
        current = self.votes[voter].revision if voter in self.votes else 0
        if revision is not None and revision != current:
            raise VoteRefused("vote_stale", 409, revision=current)
        if self.box is not None:
            from appraise.store.ballots import StaleBallot

            try:
                current = self.box.cast(self.session_id, voter, name, weights, self.version, current) - 1
            except StaleBallot as exc:  # another workshop process on the same session and link
                raise VoteRefused("vote_stale", 409, revision=exc.current) from None
        ballot = Ballot(voter, name, weights, current + 1, ruleset_version=self.version)
        self.votes[voter] = ballot
        return ballot

    def vote_secret(self, code: str, proposal: Mapping[str, Any]) -> Ballot:
        """Cast a secret ballot with a one-time code (spent by it; the ballot is final)."""
        if self.mode != "codes":
            raise VoteRefused("err_token", 403)
        if not voting.normal_code(code or ""):
            raise VoteRefused("code_required", 400)
        weights = self._proposal(proposal)
        digest = voting.code_hash(self.secret, self.session_id, code)
        if self.box is not None:
            from appraise.store.ballots import CodeRefused

            try:
                row = self.box.cast_secret(self.session_id, digest, weights, self.version)
            except CodeRefused as exc:
                raise VoteRefused(f"code_{exc.why}", 403 if exc.why == "unknown" else 409) from None
            key = f"{voting.SECRET}{row}"
        else:
            if digest not in self._codes:
                raise VoteRefused("code_unknown", 403)
            if self._codes[digest]:
                raise VoteRefused("code_spent", 409)
            self._codes[digest] = True
            key = f"{voting.SECRET}{len(self.votes) + 1}"
        ballot = Ballot(key, "", weights, 1, at=0.0, ruleset_version=self.version)
        self.votes[key] = ballot
        return ballot

    def codes_left(self) -> int | None:
        """Unspent one-time codes (None unless a secret ballot)."""
        if self.mode != "codes":
            return None
        if self.box is not None:
            return self.box.unspent_codes(self.session_id)
        return sum(1 for spent in self._codes.values() if not spent)

    def tally(self) -> dict[str, weightset.ItemTally]:
        """Median and spread per item over the current ballots."""
        return weightset.tally([b.weights for b in self.votes.values()], self.groups)

    def tally_shown(self, audience: str = "facilitator") -> bool:
        """Whether ``audience`` may see the tally now: the presenter (and, for a secret ballot, the
        facilitator too) only once at least ``privacy.min_group`` ballots are in, so no one's ballot can be
        read off a median of one or two."""
        if audience == "presenter" or self.mode == "codes":
            return len(self.votes) >= self.min_group
        return True

    def adopt(self, precision: str = "whole") -> None:
        """Set the weights to the median proposal, in whole numbers (or ``"cents"``) summing to 100 per group;
        groups nobody voted on keep theirs."""
        unit = weightset.PRECISIONS.get(precision)
        if unit is None:
            raise ValueError(f"precision is one of {', '.join(weightset.PRECISIONS)}")
        if not self.votes:
            raise ValueError("no votes to adopt")
        if not self.tally_shown():
            raise ValueError(f"a secret ballot is tallied from {self.min_group} ballots on (privacy.min_group)")
        medians = {k: t.adopt if precision == "whole" else t.adopt_cents for k, t in self.tally().items()}
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
                return {"changed": False, "version": self.version, "diff": "", "file": str(self.path),
                        "tally_file": None}
            text, new_text, version = prepared
            data = new_text.encode("utf-8")
            write_bytes(self.path, data, mode=stat.S_IMODE(self.path.stat().st_mode))  # 0600 stays 0600
            self._file_sha = hashlib.sha256(data).hexdigest()
        before = self.version
        self.file_weights = dict(self.weights)
        self.version = version
        name = self.path.name
        diff = "".join(difflib.unified_diff(text.splitlines(True), new_text.splitlines(True),
                                            f"a/{name}", f"b/{name}"))
        out: dict[str, Any] = {"changed": True, "version": version, "diff": diff, "file": str(self.path),
                               "tally_file": None}
        if self.votes:
            document = self.tally_document(before, version, self._file_sha)
            if self.export_tallies:
                target = self.path.with_name(f"{self.path.stem}.tally-{_file_part(version)}.json")
                write_bytes(target, (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
                out["tally_file"] = str(target)
            if self.box is not None:
                self.box.record_save(self.session_id, before, version, self._file_sha, document)
        return out

    def tally_document(self, version_before: str | None, version_after: str | None, sha256: str) -> dict[str, Any]:
        """What gives the vote standing after the room empties, exported beside the saved ruleset
        (``<ruleset>.tally-<version>.json``) and kept in the store: the session and its mode, the ruleset
        versions before and after and the saved file's SHA-256, who voted (named votes only), the tally on the
        normalised scale, the weights saved, and — from ``privacy.min_group`` ballots on — every counted
        proposal, normalised, without voters and sorted, so anyone can recompute the medians."""
        tally = self.tally()
        dec = lambda v: format(v.quantize(Decimal("0.0001")).normalize(), "f")  # noqa: E731
        items = {k: {"median": dec(t.median), "q1": dec(t.q1), "q3": dec(t.q3), "low": dec(t.low),
                     "high": dec(t.high), "votes": t.votes, "adopt": dec(t.adopt), "adopt_cents": dec(t.adopt_cents)}
                 for k, t in tally.items()}
        adopted = {k: t.adopt for k, t in tally.items()}, {k: t.adopt_cents for k, t in tally.items()}
        proposals = None
        if len(self.votes) >= self.min_group:
            rows = []
            for b in self.votes.values():
                norm: dict[str, str] = {}
                for g in self.groups:
                    norm.update({k: dec(v) for k, v in weightset.normalise({k: b.weights[k] for k in g.items}).items()})
                rows.append(norm)
            proposals = sorted(rows, key=lambda r: json.dumps(r, sort_keys=True))
        versions: dict[str, int] = {}
        for b in self.votes.values():
            versions[b.ruleset_version or ""] = versions.get(b.ruleset_version or "", 0) + 1
        return {
            "appraise_workshop_tally": 1,
            "session": self.session_id,
            "mode": self.mode,
            "cycle": self.cycle_label,
            "ruleset": {"id": self.ruleset.id, "file": self.path.name if self.path else None,
                        "version_before": version_before, "version_after": version_after, "sha256": sha256},
            "statistics": "each ballot normalised to 100 per group; median and quartiles (inclusive method) of "
                          "those; adopt = the group's medians scaled to 100 and rounded by largest remainder",
            "min_group": self.min_group,
            "ballots": len(self.votes),
            "ballots_by_ruleset_version": versions,
            "voters": None if self.mode == "codes" else sorted((b.name for b in self.votes.values()), key=str.casefold),
            "eligible": len(self.roster) if self.mode == "roster" else None,
            "codes_unspent": self.codes_left(),
            "tally": items,
            "saved_weights": {k: weightset.format_weight(v) for k, v in self.weights.items()},
            "saved_is_adopted_median": bool(tally) and any(
                all(self.weights[k] == a[k] for k in a) for a in adopted),
            "proposals": proposals,
        }

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

    def votes_view(self, audience: str = "facilitator") -> dict[str, Any]:
        """Who voted (names; none for a secret ballot) and, when :meth:`tally_shown`, per item the median with
        its interquartile range and min–max (all on the normalised scale) and what adopting would set."""
        shown = self.tally_shown(audience)
        out: dict[str, Any] = {"mode": self.mode, "count": len(self.votes)}
        if audience != "presenter":  # the projector says how many voted, never who
            out["names"] = [] if self.mode == "codes" else \
                sorted((b.name for b in self.votes.values()), key=str.casefold)
            out["codes_left"] = self.codes_left()
            out["guesses_refused"] = self.guesses.refused if self.mode == "codes" else None
        return {
            **out,
            "eligible": len(self.roster) if self.mode == "roster" else None,
            "min_group": self.min_group,
            "withheld": bool(self.votes) and not shown,
            "items": {k: {"median": float(t.median), "q1": float(t.q1), "q3": float(t.q3), "low": float(t.low),
                          "high": float(t.high), "votes": t.votes, "adopt": float(t.adopt),
                          "adopt_cents": float(t.adopt_cents)}
                      for k, t in self.tally().items()} if shown else {},
        }

    def presenter_view(self, locale: str | None = None) -> dict[str, Any]:
        """What the projector shows: the weights, the grade distribution, the bonus cost against the budget and
        mean scores of groups of at least ``privacy.min_group`` people; no names, no individual figures (a
        population smaller than ``min_group`` shows no results at all), and the tally from ``min_group``
        ballots on."""
        view = self.weights_view(locale)
        out: dict[str, Any] = {"view": {k: view[k] for k in ("title", "version", "cycle", "groups", "labels",
                                                             "weights", "start")},
                               "votes": self.votes_view("presenter"), "min_group": self.min_group}
        if self.rescorer.height < self.min_group:
            out["impact"] = None
            return out
        impact = self.impact(people=False)
        k = self.min_group
        # the grade distribution and how many change grade are of the whole population and shown as they are;
        # the cost is withheld while fewer than min_group people's bonus changes: the change would be their pay
        bonus = impact["bonus"]
        if bonus is not None:
            f = self.baseline.select("bonus0").hstack([self.result["bonus"]])
            moved = int((f["bonus0"].ne_missing(f["bonus"])).sum())
            if 0 < moved < k:
                bonus = dict(bonus, after=None)
        out["impact"] = {"population": impact["population"], "grades": impact["grades"],
                         "changed": impact["changed"], "bonus": bonus, "min_group": k,
                         "breakdowns": impact["breakdowns"]}
        return out

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
            "unscored": int(f["score"].null_count()),
            "elapsed_ms": round(self.elapsed * 1000, 1),
            "grades": [{"grade": g.grade, "before": before.get(g.grade, 0), "after": after.get(g.grade, 0)}
                       for g in self.ruleset.grades],
            "changed": {"total": moved.height, "up": int((moved["_r1"] < moved["_r0"]).sum()),
                        "down": int((moved["_r1"] > moved["_r0"]).sum())},
            "bonus": {"before": float(self.baseline_bonus), "after": float(bonus), "budget": float(self.budget),
                      "currency": self.ruleset.currency} if self.ruleset.bonus else None,
            "breakdowns": [_breakdown(f, f"attr.{a}", a, self.min_group) for a in self.breakdowns]
            + [_breakdown(f, "tenure_band", "tenure", self.min_group,
                          order=[k for _, k in TENURE_BANDS] + ["tenure_5"])],
            "min_group": self.min_group,
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


def _diag(message: str, hint: str = ""):
    from appraise.errors import Diagnostic

    return Diagnostic("appraise workshop", 0, 0, message, hint=hint)


def _file_part(version: str | None) -> str:
    """A version as part of a file name (anything but letters, digits, ``.``, ``-`` and ``_`` becomes ``_``)."""
    import re

    return re.sub(r"[^A-Za-z0-9._-]", "_", str(version or "0"))[:60] or "0"


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


def _breakdown(f: pl.DataFrame, column: str, attribute: str, min_group: int, order: list[str] | None = None
               ) -> dict[str, Any]:
    """Mean score before and after per group.  A group of fewer than ``min_group`` people shows its head
    count only, and so do the groups :func:`~appraise.present.render.withheld_groups` withholds with it
    (so their figures cannot be worked out from the others)."""
    g = f.group_by(column).agg(pl.len().alias("n"), pl.col("score0").mean().alias("before"),
                               pl.col("score").mean().alias("after"))
    g = g.with_columns((pl.col("after") - pl.col("before")).alias("delta"))
    withheld, _ = withheld_groups(dict(zip(g[column].to_list(), g["n"].to_list())), min_group)
    g = g.with_columns(pl.col(column).is_in(list(withheld)).alias("_hidden") if withheld else
                       pl.lit(False).alias("_hidden"))
    if None in withheld:
        g = g.with_columns((pl.col("_hidden") | pl.col(column).is_null()).alias("_hidden"))
    total = g.height
    if order is not None:
        rank = {k: i for i, k in enumerate(order + ["tenure_none"])}
        g = g.with_columns(pl.col(column).replace_strict(rank, default=len(rank)).alias("_o")).sort("_o")
    elif total > MAX_GROUP_ROWS:
        g = g.with_columns(pl.when(pl.col("_hidden")).then(None).otherwise(pl.col("delta").abs()).alias("_o")) \
            .sort(["_o", column], descending=[True, False], nulls_last=True).head(MAX_GROUP_ROWS)
    else:
        g = g.sort(column, nulls_last=True)
    rows = [{"group": r[column], "n": r["n"], "withheld": bool(r["_hidden"]),
             "before": None if r["_hidden"] else _round(r["before"]),
             "after": None if r["_hidden"] else _round(r["after"]),
             "delta": None if r["_hidden"] else _round(r["delta"])} for r in g.iter_rows(named=True)]
    return {"attribute": attribute, "rows": rows, "total": total, "translate": order is not None,
            "withheld": len(withheld)}


def _money(column: pl.Series) -> Decimal:
    total = column.sum()
    return Decimal(str(total)) if total is not None else Decimal(0)


def _float(value) -> float | None:
    return None if value is None else float(value)


def _round(value) -> float | None:
    return None if value is None else round(float(value), 2)
