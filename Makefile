# Set-up and everyday commands. `make run` and `make test` each do all set-up on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
# The CPU build of torch that this project is tested with; override for CUDA builds (see README).
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin

.PHONY: run test lint bench install clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	# torch again in the same command: pip then picks a torchvision (open_clip's) that fits it
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)" -e ".[dev]"
	touch $@

install: $(BIN)/.installed

run: install
	bash scripts/ensure-qt-libs.sh --gui
	$(BIN)/sefa-desktop

test: install
	bash scripts/ensure-qt-libs.sh
	$(BIN)/ruff check .
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/factorize.py

clean:
	rm -rf $(VENV) build dist .pytest_cache .ruff_cache
