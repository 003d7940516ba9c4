# Two commands: `make demo` and `make test`. Each sets up .venv first (again only when
# pyproject.toml changed), so a fresh clone needs nothing else but the Debian packages in README.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_OUT ?= demo-out
BYTECODE := media/__pycache__/.compiled

.PHONY: demo test lint typecheck unit setup clean translations package package-smoke

setup: $(STAMP) translations $(BYTECODE)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

# Byte-compile the project: with PYTHONDONTWRITEBYTECODE set (as here), every venue process
# would otherwise compile ~90 modules again on each start, on the same two cores as the studio.
$(BYTECODE): $(STAMP) $(wildcard ceremony/*.py ceremony/*/*.py media/*.py ui/*.py ui/*/*.py launcher/*.py)
	$(BIN)/python -m compileall -q ceremony media ui launcher
	touch $(BYTECODE)

# Qt translations: .ts sources live in the repo, the compiled .qm files are built here.
QM := ui/i18n/ceremony_id.qm
translations: $(QM)

ui/i18n/%.qm: ui/i18n/%.ts $(STAMP)
	$(BIN)/pyside6-lrelease -silent $< -qm $@

demo: $(STAMP) $(QM) $(BYTECODE)
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ]; then \
		$(BIN)/ceremony demo --venues 11 --duration 60 --out $(DEMO_OUT); \
	else \
		echo "No display: running the demo headless (progress below)."; \
		$(BIN)/ceremony demo --headless --venues 11 --duration 60 --out $(DEMO_OUT); \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) $(QM) $(BYTECODE)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m "not slow"

test: lint typecheck unit

# The frozen apps and the Linux installers in dist/ (PyInstaller from the `package` extra;
# dpkg-deb from Debian). Separate from `make test`: freezing takes minutes. See docs/packaging.md.
PKG_STAMP := $(VENV)/.package-stamp
DIST ?= dist

$(PKG_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,package]'
	touch $(PKG_STAMP)

package: $(PKG_STAMP) $(QM)
	$(BIN)/python packaging/build.py --out $(DIST)

# Smoke-test what `make package` built (the frozen binaries, not this tree); needs Xvfb.
package-smoke: $(PKG_STAMP)
	$(BIN)/python -m pytest -p no:cacheprovider packaging/tests -v --frozen $(DIST)

clean:
	rm -rf $(VENV) $(DEMO_OUT) .mypy_cache .pytest_cache .ruff_cache build $(DIST)
