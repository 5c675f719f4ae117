# appraise: `make test` runs every test; `make demo` shows the tool on the shipped rule files.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PG_BIN := /usr/lib/postgresql/15/bin/postgres

.PHONY: demo test venv bytecode system-packages editor-server fuzz mutation check lock

# The venv is (re)built when missing or when the package's dependencies or their pins change.  Every version comes
# from requirements.lock (constraints), so outputs stay byte-identical until someone re-locks on purpose.
#
# The install goes through uv (pinned below, installed into the venv by pip): it fetches and unpacks the ~75 wheels
# in parallel and compiles their bytecode on both cores, ~7-9 s of CPU where pip took ~35 s on one core (most of a
# fresh clone's CI set-up).  The same constraints, so the same versions; where uv cannot be had or fails (no route
# to PyPI, only the pip configuration's local indexes), pip does the same install.
UV_VERSION := 0.13.9
$(BIN)/appraise: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	( $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION) \
		&& $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -c requirements.lock -e '.[test]' ) \
	|| $(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $@

venv: $(BIN)/appraise

# The editable install's bytecode, written once: where PYTHONDONTWRITEBYTECODE is set (as in some CI images) every
# appraise process would otherwise compile appraise's sources again (~0.05 s a validate, ~0.1-0.2 s a run, and in
# each render worker); files already compiled and unchanged are skipped.
bytecode: venv
	@$(BIN)/python -m compileall -q -j 0 engine plugins

# requirements.lock from the venv: after a dependency is added to pyproject.toml (the pins of the others are kept),
# or with UPGRADE=1 to move everything to the newest versions pyproject.toml allows (then run make test and the
# byte-identical checks before committing the new lock).
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		$(if $(UPGRADE),--upgrade --upgrade-strategy eager,-c requirements.lock) -e '.[test,postgres,workshop]'
	$(BIN)/python tests/requirements_lock.py > requirements.lock.new
	mv requirements.lock.new requirements.lock
	touch $(BIN)/appraise

# Browser tests drive chromium; PostgreSQL tests start their own server from $(PG_BIN).
# Chinese pages need a CJK font or chromium draws empty boxes.
system-packages:
	@if ! command -v chromium >/dev/null 2>&1 || [ ! -x $(PG_BIN) ] || ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then \
		apt-get update -qq; \
	fi
	@command -v chromium >/dev/null 2>&1 || apt-get install -y -qq chromium
	@dpkg -s fonts-wqy-microhei >/dev/null 2>&1 || apt-get install -y -qq fonts-wqy-microhei
	@[ -x $(PG_BIN) ] || apt-get install -y -qq postgresql-15 || apt-get install -y -qq postgresql

# A year of reviews of a generated company (300 sales reps in teams with their managers, seeded), into one store
# under demo/ (git-ignored): the reps' quotas from the annual plan (appraise targets demo/plan-2026.yaml, broken
# down from last year's revenue), each quarter under sales-team (reps), sales-manager (managers) and
# sales-incentive (the reps' incentive plan: components, a draw carried from quarter to quarter, payout
# statements), one monthly
# process review, then the annual review (sales-annual, netting the quarters' bonuses).  The first three
# quarters are stored without pages, to keep the demo quick.
DEMO_CYCLES := 2026-Q1 managers-2026-Q1 incentive-2026-Q1 2026-Q2 managers-2026-Q2 incentive-2026-Q2 2026-Q3 \
	managers-2026-Q3 incentive-2026-Q3
demo: bytecode
	rm -rf demo/out demo/appraise.db
	$(BIN)/python -m appraise.tools.demo demo --employees 300 --year 2026 > /dev/null
	$(BIN)/appraise targets demo/plan-2026.yaml -q
	$(BIN)/appraise validate rulesets/ demo/   # (after targets: the cycles read the quotas it writes)
	@for c in $(DEMO_CYCLES); do $(BIN)/appraise run demo/cycle-$$c.yaml --no-render -q || exit 1; done
	$(BIN)/appraise run demo/cycle-2026-Q4.yaml -q
	$(BIN)/appraise run demo/cycle-managers-2026-Q4.yaml -q
	$(BIN)/appraise run demo/cycle-incentive-2026-Q4.yaml -q
	$(BIN)/appraise run demo/cycle-process-2026-07.yaml -q
	$(BIN)/appraise run demo/cycle-2026.yaml -q
	@echo
	@echo "Overview:   demo/out/2026-Q4/index.html (reps), demo/out/managers/2026-Q4/index.html (managers)"
	@echo "Annual:     demo/out/2026/index.html; dashboards show each quarter and what the year pays on top"
	@echo "Monthly:    demo/out/process/2026-07/index.html"
	@echo "Incentive:  demo/out/incentive/2026-Q4/statements/S000001.html (payout statement: components, draw, year)"
	@echo "Targets:    demo/targets-2026/index.html (the plan's battle map); appraise targets demo/plan-2026.yaml --explain S000001"
	@echo "History:    $(BIN)/appraise history S000001 --cycle demo/cycle-2026.yaml"

# Two workers (pytest-xdist), one test file per worker at a time: module fixtures (a PostgreSQL server, a
# browser) start once per file, and the whole suite stays within CI's time on 2 cores.  Files go out longest first
# (tests/conftest.py FILE_SECONDS; --no-loadscope-reorder keeps that order) so the two workers finish together.
# `make check` (ruff, mypy, import-linter; ~10 s of CPU with a cold mypy cache) runs beside the system packages,
# the editor server and the tests, on the CPU they leave idle (waits for apt, npm, subprocesses, the last file);
# its output is shown after the tests', and a lint, type or layer finding fails `make test` as a failing test does.
# TEST_ARGS: more arguments for pytest (make test TEST_ARGS="tests/test_run.py -x").
test: bytecode
	@mkdir -p build
	@$(MAKE) --no-print-directory check > build/check.log 2>&1 & check=$$!; \
	$(MAKE) --no-print-directory editor-server > build/editor.log 2>&1 & editor=$$!; \
	$(MAKE) --no-print-directory system-packages \
		&& $(BIN)/pytest -q -n 2 --dist loadfile --no-loadscope-reorder $(TEST_ARGS); tests=$$?; \
	wait $$editor || { echo "--- make editor-server failed:"; cat build/editor.log; }; \
	wait $$check; checked=$$?; \
	echo "--- make check"; cat build/check.log; \
	if [ $$checked -ne 0 ]; then echo "make test: make check failed (exit $$checked): see its output above"; fi; \
	[ $$tests -eq 0 ] && [ $$checked -eq 0 ]

# The real yaml-language-server (pinned in tests/editor/package-lock.json) for tests/test_editor.py, installed once
# into tests/editor/node_modules (git-ignored); without node the editor tests skip.  `make test` installs it in the
# background beside the tests (npm's ~8 s are mostly waiting on the registry), under a lock that test_editor's
# fixture takes too, so the fixture waits for an install under way instead of starting a second one.
editor-server:
	@mkdir -p build
	@if command -v node >/dev/null 2>&1 && [ ! -x tests/editor/node_modules/.bin/yaml-language-server ]; then \
		flock build/editor-install.lock npm ci --prefix tests/editor --no-audit --no-fund --loglevel=error; \
	fi

# Lint, types and layer contracts (issue 14).  mypy and import-linter see the installed layout (appraise =
# engine/, appraise.plugins = plugins/) through a tree of symlinks under build/typecheck.
TYPECHECK := build/typecheck
check: venv
	$(BIN)/ruff check --quiet .
	@rm -rf $(TYPECHECK)/appraise && mkdir -p $(TYPECHECK)/appraise
	@for f in engine/*; do ln -s ../../../$$f $(TYPECHECK)/appraise/; done
	@ln -s ../../../plugins $(TYPECHECK)/appraise/plugins
	cd $(TYPECHECK) && MYPYPATH=. ../../$(BIN)/mypy --config-file ../../pyproject.toml -p appraise
	cd $(TYPECHECK) && PYTHONPATH=. ../../$(BIN)/lint-imports ../../pyproject.toml

# Long fuzz campaign (issue #9): the tests of tests/test_fuzz.py with APPRAISE_FUZZ_EXAMPLES examples each
# (each example is a batch of inputs) and APPRAISE_FUZZ_EXAMPLES / 4 generated valid cases run end to end
# (tests/test_generated_runs.py), APPRAISE_FUZZ_EXAMPLES engine-vs-reference rulesets, every multi-period case
# included (tests/test_differential.py; make test runs 120), then coverage-guided atheris runs on expressions
# and YAML when atheris is installed (pip install atheris). The inputs every target saw go to fuzz-counts.json.
APPRAISE_FUZZ_EXAMPLES ?= 2000
APPRAISE_FUZZ_RUNS ?= 1000000
APPRAISE_FUZZ_YAML_RUNS ?= 200000
fuzz: venv
	rm -f fuzz-counts.json
	$(BIN)/python -m pip install --quiet --disable-pip-version-check atheris || echo "atheris unavailable: hypothesis only"
	APPRAISE_FUZZ_EXAMPLES=$(APPRAISE_FUZZ_EXAMPLES) APPRAISE_FUZZ_REPORT=$(CURDIR)/fuzz-counts.json \
		$(BIN)/pytest -q -p no:cacheprovider -n 2 -W ignore::hypothesis.errors.HypothesisWarning tests/test_fuzz.py \
		tests/test_generated_runs.py tests/test_differential.py
	@if $(BIN)/python -c "import atheris" 2>/dev/null; then \
		cd tests && ../$(BIN)/python -m fuzz.atheris_run expression $(APPRAISE_FUZZ_RUNS) $(CURDIR)/fuzz-counts.json \
		&& ../$(BIN)/python -m fuzz.atheris_run yaml $(APPRAISE_FUZZ_YAML_RUNS) $(CURDIR)/fuzz-counts.json; \
	else echo "atheris not installed: hypothesis only"; fi
	@cat fuzz-counts.json

# Mutation testing (issue 13): one change at a time to the bonus, curve, grade, calibration and expression code,
# each run against a fast subset of the tests in a temporary copy of the tree (nothing here is touched); fails on a
# surviving mutant that tests/mutation/equivalent.yaml does not explain. MUTATION_ARGS="--only core/bonus.py:pay", "--list".
MUTATION_ARGS ?=
mutation: venv
	$(BIN)/python tests/mutation/run.py $(MUTATION_ARGS)
