# The two README commands: `make demo` and `make test`. Both install what they need on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-city
PYTEST_ARGS ?=

.PHONY: demo test lint system bench clean screenshot wheel compiled

# Every hook and `oa` run is a new Python process: without compiled modules each one compiles
# repo_tools again (measured: half of a hook's CPU, and the suite's largest single cost on a machine
# that sets PYTHONDONTWRITEBYTECODE=1). The hooks run with `python -I`, so they keep them anyway.
unexport PYTHONDONTWRITEBYTECODE

$(STAMP): pyproject.toml
	@bash scripts/setup-system.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip >/dev/null
	@$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

system:
	@bash scripts/setup-system.sh

demo: $(STAMP) system compiled
	@$(VENV)/bin/oa demo $(DEMO_DIR) $(if $(SERVE),--serve,)

# Lint first (seconds), then the suite (see the README's "Tests" for what it builds once per run).
# --dist loadgroup: the tests of a module marked `xdist_group` (tests/server/service_test.py: one
# served city, sshd and Unix accounts) run on one worker, so what it builds once is built once.
test: $(STAMP) system lint compiled
	@$(PY) -m pytest -n 2 --dist loadgroup -q $(PYTEST_ARGS)

compiled: $(STAMP)
	@$(PY) -m compileall -q -j 0 repo_tools tests bench scripts >/dev/null

lint: $(STAMP)
	@$(PY) -m ruff check repo_tools tests bench scripts
	@$(PY) -m mypy

# Refresh the README's docs/document-page.png (the tests themselves never write into the tree).
screenshot: $(STAMP) system
	@OA_REFRESH_SCREENSHOT=1 $(PY) -m pytest -n 0 -q tests/site/browser_test.py

# The hook on a typical push, `oa verify --unit` of 10,000 sealed documents (target 1 s warm), then
# the site part: the sealed city of 100 units at 1,000 and 10,000 documents (generated once, cached
# in bench/out/), Hugo + Pagefind beside each size and MkDocs Material at 1,000 (docs/benchmarks.md).
bench: $(STAMP) system
	@bash scripts/setup-system.sh bench
	@$(PY) -m pip install -q -e '.[test,bench]'
	@$(PY) bench/hook.py
	@$(PY) bench/verify.py --docs 10000
	@$(PY) bench/site.py --sealed --docs 10000 --bulletins 2000 --also 1000 --peers --material 1000 --browser

# The wheel as a user gets it: `pip install .` (not editable) into a fresh venv, then the whole
# demo from outside the checkout, so hooks, templates, content and mkdocs.yml must come from the
# wheel. tests/resources_test.py checks the wheel's contents in seconds; this runs it (minutes).
WHEEL_DIR ?= /tmp/oa-wheel-check
wheel: system
	@rm -rf $(WHEEL_DIR) && mkdir -p $(WHEEL_DIR)
	@$(PYTHON) -m venv $(WHEEL_DIR)/venv
	@$(WHEEL_DIR)/venv/bin/pip install -q .
	@cd $(WHEEL_DIR) && venv/bin/oa demo demo
	@test -f $(WHEEL_DIR)/demo/city/site/index.html && echo "wheel: the demo ran from the installed wheel ($(WHEEL_DIR)/demo)"

clean:
	rm -rf $(VENV) $(DEMO_DIR) site build
