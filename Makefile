# The two entry points of the README:
#   make demo  -- set up, build the notebooks and grade the bundled sample class
#   make test  -- set up, run the test suite and validate the chapters
#
# Set-up makes a virtual environment in .venv. torch is installed first as
# its own step: a plain `torch` requirement resolves to the multi-GB CUDA
# build on Linux. Override TORCH_SPEC / TORCH_INDEX for your machine, e.g.
#   make test TORCH_SPEC=torch TORCH_INDEX=https://download.pytorch.org/whl/cpu

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
# pip prints each package it collects and installs (no progress bars: they
# garble logs); PIP_FLAGS=-q for a quiet set-up.
PIP_FLAGS ?= --progress-bar off
# The suite runs on every core: chapter runs and grader subprocesses are
# independent, and worksteal rebalances the long ones. PYTEST_ARGS= runs it serially.
PYTEST_ARGS ?= -n auto --dist worksteal
VALIDATE_CHAPTERS ?=

.PHONY: setup demo test clean

setup: $(VENV)/.installed

# Each step says what it installs: the whole set-up takes minutes.
$(VENV)/.installed: pyproject.toml
	@echo "==> setup 1/3: virtual environment $(VENV) ($(PYTHON))"
	$(PYTHON) -m venv $(VENV)
	@echo "==> setup 2/3: $(TORCH_SPEC)$(if $(TORCH_INDEX), from $(TORCH_INDEX)) (the largest download: minutes)"
	$(BIN)/python -m pip install $(PIP_FLAGS) "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	@echo "==> setup 3/3: the workbook with its test and book extras: keras, tensorflow-datasets, pandas, scikit-learn, jupytext, selenium, sphinx, ... (minutes)"
	$(BIN)/python -m pip install $(PIP_FLAGS) -e ".[test,book]"
	touch $@
	@echo "==> setup done: $(VENV) (activate it with: source $(BIN)/activate)"

demo: setup
	$(BIN)/workbook demo

# pytest exits 5 when a selection is empty: that is not a failure here.
test: setup
	WORKBOOK_PROFILE=tiny $(BIN)/python -m pytest $(PYTEST_ARGS) || [ $$? -eq 5 ]
	WORKBOOK_PROFILE=tiny $(BIN)/workbook validate $(VALIDATE_CHAPTERS)

clean:
	rm -rf build out release figures .pytest_cache
