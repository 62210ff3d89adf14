# openbwc: one command to run the demo, one to test. Needs only python3 and make.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint test-fast bench fuzz clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: install
	$(BIN)/bwc demo

lint: install
	$(BIN)/ruff check src tests bench tools
	$(BIN)/lint-imports
	BWC_DATA_DIR=$$(mktemp -d) sh -c '$(BIN)/bwc db upgrade >/dev/null && $(BIN)/bwc db check'

test: lint
	$(BIN)/pytest -n 2 -q --dist loadgroup

test-fast: install
	$(BIN)/pytest -q -x

# Every bench, at sizes that fit in about ten minutes on two cores. Each exits non-zero
# when a figure misses its target; all run, and `make bench` fails if any missed.
LEDGER_ARGS ?= --entries 200000 --appends 5000
REDACTION_ARGS ?= --seconds 6 --speed-seconds 20 --rounds 2
INGEST_ARGS ?= --gb 0.5 --files 4
COMPLIANCE_ARGS ?= --scale 0.1
bench: install
	@rc=0; \
	$(BIN)/python bench/ledger.py $(LEDGER_ARGS) || rc=1; \
	$(BIN)/python bench/redaction.py $(REDACTION_ARGS) || rc=1; \
	$(BIN)/python bench/ingest.py $(INGEST_ARGS) || rc=1; \
	$(BIN)/python bench/compliance.py $(COMPLIANCE_ARGS) || rc=1; \
	exit $$rc

# schemathesis against a running server with each role's API token (docs/api.md).
# FUZZ_EXAMPLES examples per operation and role (about four minutes on two cores at 8).
FUZZ_EXAMPLES ?= 8
fuzz: install
	$(BIN)/python tools/fuzz.py --examples $(FUZZ_EXAMPLES)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
