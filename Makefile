# The two README commands: `make demo` and `make test`. Both install what they need on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo-city
PYTEST_ARGS ?=

.PHONY: demo test system bench clean screenshot

$(STAMP): pyproject.toml
	@bash scripts/setup-system.sh
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip >/dev/null
	@$(PY) -m pip install -q -e '.[test]'
	@touch $(STAMP)

system:
	@bash scripts/setup-system.sh

demo: $(STAMP) system
	@$(VENV)/bin/oa demo $(DEMO_DIR) $(if $(SERVE),--serve,)

test: $(STAMP) system
	@$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

# Refresh the README's docs/document-page.png (the tests themselves never write into the tree).
screenshot: $(STAMP) system
	@OA_REFRESH_SCREENSHOT=1 $(PY) -m pytest -n 0 -q tests/site/browser_test.py

# The site part: the sealed city of 100 units at 1,000 and 10,000 documents (generated once, cached
# in bench/out/), Hugo + Pagefind beside each size and MkDocs Material at 1,000 (docs/benchmarks.md).
bench: $(STAMP) system
	@bash scripts/setup-system.sh bench
	@$(PY) -m pip install -q -e '.[test,bench]'
	@$(PY) bench/hook.py
	@$(PY) bench/site.py --sealed --docs 10000 --bulletins 2000 --also 1000 --peers --material 1000 --browser

clean:
	rm -rf $(VENV) $(DEMO_DIR) site
