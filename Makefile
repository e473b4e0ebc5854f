# Zhangye Desk developer commands. The README's quick start is `make demo` and `make test`;
# both install what is missing first (system libraries, a CJK font, the locked virtualenv).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := .make
LOCK := requirements/lock.txt

# Debian/Ubuntu packages the app and the tests need: Qt's runtime libraries (offscreen and
# X11), a CJK font, Xvfb for screenshots of real windows, PulseAudio's client library for
# QtMultimedia, PostgreSQL binaries for the server tests, and the venv module; for the packaged
# app (make package, tests/packaging) binutils (PyInstaller runs objdump) and openssl (the
# tests' throwaway certificates); chromium for the web pages' browser tests (Playwright drives
# /usr/bin/chromium: no browser download).
APT_PACKAGES := libgl1 libegl1 libglib2.0-0 libxkbcommon0 libfontconfig1 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-render-util0 \
	libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0 xvfb xauth fonts-wqy-microhei libpulse0 \
	libpipewire-0.3-0 postgresql python3-venv binutils openssl chromium

.PHONY: help system venv demo test lint typecheck translations translations-update lock clean \
	package

help:
	@echo "make demo   — install what is missing, then open the app on demo data"
	@echo "make test   — install what is missing, then run the whole suite headless"
	@echo "make package — the packaged app in dist/ (Linux: folder, tarball and .deb)"

# Install only the packages that are missing; use sudo when not root.
system: $(STAMP)/system
$(STAMP)/system: Makefile
	@mkdir -p $(STAMP)
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if ! command -v apt-get >/dev/null; then \
	    echo "请手动安装这些系统软件包 / please install:$$missing"; exit 1; fi; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  echo "installing system packages:$$missing"; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@touch $@

venv: $(STAMP)/venv
$(STAMP)/venv: pyproject.toml $(LOCK) | $(STAMP)/system
	@mkdir -p $(STAMP)
	[ -x $(PY) ] || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -c $(LOCK) -e ".[server,dev]"
	@touch $@

# Compile the .ts sources into .qm (what the app loads).
translations: venv
	$(PY) -m zhangye_desk.ui.i18n_build --release

# After changing tr() strings: extract them into the .ts (keeping translations), then compile.
translations-update: venv
	$(PY) -m zhangye_desk.ui.i18n_build

demo: venv translations
	$(PY) -m zhangye_desk.cli demo

test: venv translations
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q
	$(PY) -m ruff check zhangye_desk tests bench
	$(PY) -m mypy zhangye_desk

# The packaged app for this OS (packaging/build.py): on Linux dist/zhangye-desk/ (onedir, reused
# while its inputs are unchanged), a tarball and a .deb. Windows builds it in CI
# (.github/workflows/windows.yml: PyInstaller, a portable zip, Inno Setup).
package: venv translations
	$(PY) packaging/build.py package

lint:
	$(PY) -m ruff check zhangye_desk tests bench

typecheck:
	$(PY) -m mypy zhangye_desk

# Re-pin every dependency (run after changing pyproject.toml's ranges).
lock:
	rm -rf /tmp/zhangye-lock && $(PYTHON) -m venv /tmp/zhangye-lock
	/tmp/zhangye-lock/bin/pip install --quiet -e ".[server,dev]"
	{ echo "# Exact versions for every install (client, server and dev). Regenerate with 'make lock'."; \
	  /tmp/zhangye-lock/bin/pip freeze --exclude-editable | grep -vi '^zhangye'; } > $(LOCK)

clean:
	rm -rf $(STAMP) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
