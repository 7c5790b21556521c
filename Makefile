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
PIP_FLAGS ?= -q
PYTEST_ARGS ?=
VALIDATE_CHAPTERS ?=

.PHONY: setup demo test clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) "$(TORCH_SPEC)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(BIN)/python -m pip install $(PIP_FLAGS) -e ".[test]"
	touch $@

demo: setup
	$(BIN)/workbook demo

# pytest exits 5 when a selection is empty: that is not a failure here.
test: setup
	WORKBOOK_PROFILE=tiny $(BIN)/python -m pytest $(PYTEST_ARGS) || [ $$? -eq 5 ]
	WORKBOOK_PROFILE=tiny $(BIN)/workbook validate $(VALIDATE_CHAPTERS)

clean:
	rm -rf build out release figures .pytest_cache
