# vistka — the two commands: `make run` (the service, embedded default) and `make test` (the suite).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
RBC_UK := https://www.rbc.ua/static/rss/all.ukr.rss.xml
RBC_RU := https://www.rbc.ua/static/rss/all.rus.rss.xml

.PHONY: env run demo test test-faults lint bench services clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The project's modules compiled to bytecode, as an installed package has them (pip compiles what
# it installs): otherwise every process compiles them again (PYTHONDONTWRITEBYTECODE, set on many
# machines, keeps Python from caching them itself). Only changed files are compiled again.
env: $(STAMP)
	$(BIN)/python -m compileall -q ingest storage workers

run: env
	$(BIN)/vistka db upgrade
	$(BIN)/vistka feeds add $(RBC_UK) --name "РБК-Україна" --language uk
	$(BIN)/vistka feeds add $(RBC_RU) --name "РБК-Украина" --language ru
	$(BIN)/vistka run

demo: env
	$(BIN)/vistka demo

services:
	bash scripts/services.sh

test: env services
	VISTKA_REQUIRE_SERVICES=1 $(BIN)/python -m pytest

test-faults: env services
	VISTKA_REQUIRE_SERVICES=1 $(BIN)/python -m pytest -m faults tests/faults

lint: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy ingest storage workers

bench: env services
	$(BIN)/python -m bench.extraction
	$(BIN)/python -m bench.dedup
	$(BIN)/python -m bench.followups
	$(BIN)/python -m bench.pipeline
	$(BIN)/python -m bench.scale

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
