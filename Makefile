# The two commands: `make demo` and `make test`. Everything else here is what they need.
# Fresh machine assumed: Python 3.11, Node 20, npm, root, package registries only.

SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
HOST := 127.0.0.1
PLATFORM_PORT ?= 8700
SITE_PORT ?= 8701
export PATH := $(BIN):$(PATH)
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
VERSION := $(shell sed -n 's/^__version__ = "\(.*\)"/\1/p' py/jupyterlite_auth/_version.py)
WHEEL := dist/jupyterlite_auth-$(VERSION)-py3-none-any.whl
SITE := lite/_output
# Your own host pages, trusted by the reference site next to the dev platform's /host, e.g.
# make demo EXTRA_HOST_ORIGINS="http://127.0.0.1:9300 https://my-host.example"
EXTRA_HOST_ORIGINS ?=
SITE_STAMP := $(SITE)/.built
# What the site was built for; rewritten (and so rebuilding the site) only when it changes.
SITE_OPTIONS := lite/.site-options
PY_SOURCES := $(shell find py -name '*.py' -o -name '*.toml' 2>/dev/null)
TS_SOURCES := $(shell find src schema style -type f 2>/dev/null)
# A site built the way a user builds one (docs/quick-start.md): scripts/any-site/build.sh
ANY_SITE := build/any-site
ANY_SITE_STAMP := $(ANY_SITE)/site/_output/.built
ANY_SITE_PLATFORM_PORT ?= 8730
ANY_SITE_PORT ?= 8731
JUPYTERLAB_PLATFORM_PORT ?= 8760
JUPYTERLAB_PORT ?= 8761

.PHONY: help demo test install build site any-site chromium test-python test-ts test-platform test-ui \
	test-any-site test-jupyterlab clean bench FORCE

help:
	@echo "make demo   build everything, start the dev platform and the site, print the URLs (Ctrl-C stops)"
	@echo "make test   install what is missing, then run every test (Python, TypeScript, dev platform, UI)"

# --- installs --------------------------------------------------------------------------------

$(VENV)/.installed: requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --requirement requirements/dev.txt
	touch $@

node_modules/.installed: package.json yarn.lock .yarnrc.yml $(VENV)/.installed
	$(BIN)/jlpm install --immutable
	touch $@

dev-platform/node_modules/.installed: dev-platform/package.json dev-platform/package-lock.json
	npm ci --prefix dev-platform --no-audit --no-fund
	touch $@

lite/node_modules/.installed: lite/package.json lite/package-lock.json
	npm ci --prefix lite --no-audit --no-fund
	touch $@

ui-tests/node_modules/.installed: ui-tests/package.json ui-tests/package-lock.json
	npm ci --prefix ui-tests --no-audit --no-fund
	touch $@

chromium:
	@command -v $${CHROMIUM_PATH:-/usr/bin/chromium} >/dev/null 2>&1 || \
	  (echo "Installing Debian's chromium for the UI tests"; apt-get update -qq && \
	   DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

install: $(VENV)/.installed node_modules/.installed dev-platform/node_modules/.installed \
	lite/node_modules/.installed

# --- build -----------------------------------------------------------------------------------

# The distribution wheel (Python package + labextension + kernel wheel), installed into the venv
# exactly as a user would install it, so `jupyter lite build` picks the extension up.
$(WHEEL): $(VENV)/.installed node_modules/.installed $(PY_SOURCES) $(TS_SOURCES) package.json pyproject.toml
	$(BIN)/jlpm build:prod
	$(BIN)/python -m build --wheel --no-isolation --outdir dist . >/dev/null
	$(BIN)/python -m pip install --quiet --no-deps --force-reinstall $(WHEEL)

build: $(WHEEL)

# build_site.py rebuilds from scratch (jupyterlite keeps task state that can skip config merges)
# and fails if the site refers to anything outside loopback.
SITE_OPTIONS_LINE := platform=http://$(HOST):$(PLATFORM_PORT) extra-host-origins=$(strip $(EXTRA_HOST_ORIGINS))
$(SITE_OPTIONS): FORCE
	@echo '$(SITE_OPTIONS_LINE)' | cmp -s - $@ || echo '$(SITE_OPTIONS_LINE)' > $@

FORCE:

$(SITE_STAMP): $(SITE_OPTIONS) $(WHEEL) lite/node_modules/.installed lite/package-lock.json lite/pyodide-wheels.txt \
		lite/jupyter-lite.json lite/jupyter_lite_config.json scripts/lite/assemble_pyodide.py \
		scripts/lite/build_site.py scripts/lite/write_overrides.py $(shell find lite/contents -type f)
	$(BIN)/python scripts/lite/assemble_pyodide.py
	$(BIN)/python scripts/lite/write_overrides.py --platform http://$(HOST):$(PLATFORM_PORT) \
	  $(foreach origin,$(EXTRA_HOST_ORIGINS),--allow-host-origin $(origin))
	$(BIN)/python scripts/lite/build_site.py
	touch $@

site: $(SITE_STAMP)

# A new venv with only requirements/any-site.txt and the wheel, an empty lite project with the
# offline Pyodide (assemble_pyodide.py --out-dir), `jupyter lite build`, checks.
$(ANY_SITE_STAMP): $(WHEEL) requirements/any-site.txt lite/node_modules/.installed lite/pyodide-wheels.txt \
		scripts/lite/assemble_pyodide.py scripts/lite/build_site.py \
		$(wildcard scripts/any-site/*.sh scripts/any-site/*.py scripts/any-site/*.json)
	PYTHON=$(PYTHON) scripts/any-site/build.sh $(WHEEL)
	touch $@

any-site: $(ANY_SITE_STAMP)

# --- the two commands ------------------------------------------------------------------------

demo: site dev-platform/node_modules/.installed
	@echo "Site: $$(du -sh $(SITE) | cut -f1) in $(SITE)"
	@echo "Example notebook: http://$(HOST):$(SITE_PORT)/lab/index.html?path=sign-in.ipynb"
	@echo "Same notebook inside the platform's page (platform mode): http://$(HOST):$(PLATFORM_PORT)/host"
	$(if $(strip $(EXTRA_HOST_ORIGINS)),@echo "Also trusted as host pages: $(strip $(EXTRA_HOST_ORIGINS))")
	@echo "Dev account: dev@example.test / dev-password.  Ctrl-C stops everything."
	PLATFORM_PORT=$(PLATFORM_PORT) SITE_PORT=$(SITE_PORT) SITE_DIR=$(CURDIR)/$(SITE) \
	  exec node dev-platform/server.js

test: test-python test-ts test-platform test-ui test-any-site test-jupyterlab

test-python: $(VENV)/.installed dev-platform/node_modules/.installed
	$(BIN)/python -m pytest tests/python -q

test-ts: node_modules/.installed
	$(BIN)/jlpm test

test-platform: dev-platform/node_modules/.installed
	npm test --prefix dev-platform

test-ui: site dev-platform/node_modules/.installed ui-tests/node_modules/.installed chromium
	PLATFORM_PORT=$(PLATFORM_PORT) SITE_PORT=$(SITE_PORT) SITE_DIR=$(CURDIR)/$(SITE) \
	  scripts/with-dev-platform.sh npm test --prefix ui-tests

# ui-tests/tests/any-site.spec.ts against that site (skipped in test-ui); own ports and results dir
test-any-site: any-site dev-platform/node_modules/.installed ui-tests/node_modules/.installed chromium
	ANY_SITE=1 PLATFORM_PORT=$(ANY_SITE_PLATFORM_PORT) SITE_PORT=$(ANY_SITE_PORT) \
	  SITE_DIR=$(CURDIR)/$(ANY_SITE)/site/_output scripts/with-dev-platform.sh \
	  npm test --prefix ui-tests -- --output=test-results/any-site --reporter=list tests/any-site.spec.ts

# A second kernel for JupyterLab, ipykernel 6 (requirements/ipykernel6.in says why), with the wheel.
KERNEL6 := .venv-ipykernel6
$(KERNEL6)/.installed: requirements/ipykernel6.txt
	rm -rf $(KERNEL6) && $(PYTHON) -m venv $(KERNEL6)
	$(KERNEL6)/bin/python -m pip install --quiet --requirement requirements/ipykernel6.txt
	touch $@

$(KERNEL6)/.wheel: $(KERNEL6)/.installed $(WHEEL)
	$(KERNEL6)/bin/python -m pip install --quiet --no-deps --force-reinstall $(WHEEL)
	touch $@

# ui-tests/tests/jupyterlab.spec.ts: JupyterLab with CPython kernels and the installed wheel
test-jupyterlab: build $(KERNEL6)/.wheel dev-platform/node_modules/.installed ui-tests/node_modules/.installed chromium
	KERNEL6_PYTHON=$(CURDIR)/$(KERNEL6)/bin/python \
	PLATFORM_PORT=$(JUPYTERLAB_PLATFORM_PORT) SITE_PORT=0 JUPYTERLAB_PORT=$(JUPYTERLAB_PORT) \
	  scripts/with-dev-platform.sh scripts/with-jupyterlab.sh \
	  npm test --prefix ui-tests -- --output=test-results/jupyterlab --reporter=list tests/jupyterlab.spec.ts

# What sign-in costs, side by side (docs/benchmarks.md): headless Chromium on two copies of the
# site (with and without the extension) and CPython against the dev platform. Prints a table and
# writes bench/results/latest.json. BENCH_RUNS=5 rounds; ports BENCH_PORT=8720 and the next three.
bench: site dev-platform/node_modules/.installed ui-tests/node_modules/.installed chromium
	@[ .venv-bench/.installed -nt requirements/bench.txt ] || { rm -rf .venv-bench && $(PYTHON) -m venv .venv-bench && \
	  .venv-bench/bin/python -m pip install --quiet --require-hashes --requirement requirements/bench.txt && \
	  touch .venv-bench/.installed; }
	$(BIN)/python bench/build_sites.py --platform http://$(HOST):$${BENCH_PORT:-8720}
	rm -rf bench/_output/js && ui-tests/node_modules/.bin/tsc -p bench/tsconfig.json
	BENCH_RUNS=$${BENCH_RUNS:-5} NODE_PATH=$(CURDIR)/ui-tests/node_modules node bench/_output/js/bench/browser/run.js

clean:
	rm -rf $(VENV) node_modules dev-platform/node_modules lite/node_modules ui-tests/node_modules \
	  lib labextension dist $(SITE) $(SITE_OPTIONS) lite/static/pyodide $(ANY_SITE) .venv-bench $(KERNEL6) bench/_output
