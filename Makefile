# Two commands do all set-up on a fresh machine:
#   make run   - venv, requirements, embedded PostgreSQL/Redis when DATABASE_URL/REDIS_URL
#                are unset, migrations, demo data, then web + worker + beat (Ctrl-C stops all)
#   make test  - the same set-up, then the whole test suite and the security checks
# Both install requirements-dev.txt (the runtime set plus the tools); production installs
# requirements.txt only (see `make check-runtime-deps`).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test security bench loadtest fuzz lint typecheck fmt lock check-runtime-deps \
	messages services stop browser deploy-tools clean
SIZE ?= large
LOAD_USERS ?= 20,50,100
LOAD_SECONDS ?= 60

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Re-lock both sets from requirements.in / requirements-dev.in, keeping every pin that still
# fits (add --upgrade-package NAME to PIP_COMPILE_ARGS to move one package).
PIP_COMPILE := $(VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS)
lock: $(STAMP)
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in

# A new venv with requirements.txt only: no development tool, and enough for check --deploy.
check-runtime-deps:
	PYTHON=$(PYTHON) .ci/check-runtime-deps

# Debian's Chromium for the browser tests (Playwright cannot download browsers here).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk) >/dev/null; \
	  else \
	    echo "Install Chromium for the browser tests: sudo apt-get install chromium"; exit 1; \
	  fi; \
	fi

# Debian's nginx for `nginx -t` of deploy/nginx/crm.conf (tests/test_deploy.py; skipped
# without it). Installed only, never started here.
deploy-tools:
	@if ! command -v nginx >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) \
	    >/dev/null 2>&1 || echo "nginx not installed: the nginx -t test is skipped"; \
	fi

run: $(STAMP)
	$(PY) -m config.devstack run

test: $(STAMP) browser deploy-tools
	$(PY) -m config.devstack test $(ARGS)
	@if [ -z "$(ARGS)" ]; then $(MAKE) --no-print-directory security; fi

# check --deploy with the production profile, bandit (high), pip-audit (skipped with a
# warning when its vulnerability database is unreachable). Part of a full `make test`.
security: $(STAMP)
	PY=$(PY) .ci/security

# Large data set in its own database, then latency, query counts and throughput.
bench: $(STAMP)
	$(PY) -m config.devstack bench --size $(SIZE)

# gunicorn (production settings) under locust's simulated users, 20, 50 and 100 at a time.
loadtest: $(STAMP)
	$(PY) -m config.devstack loadtest --size $(SIZE) --users $(LOAD_USERS) --seconds $(LOAD_SECONDS)

# API and web form fuzzing: the fuzz tests of `make test` (schemathesis, every operation of
# /api/schema/; hypothesis, every web POST form) with many more examples and a new seed.
FUZZ_EXAMPLES ?= 1000
fuzz: $(STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_RANDOM=1 $(PY) -m config.devstack test -q -p no:randomly \
	  tests/security/test_fuzz.py tests/security/test_fuzz_forms.py $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m config.devstack manage makemigrations --check --dry-run
	$(VENV)/bin/djlint templates --lint
	$(MAKE) --no-print-directory typecheck

# mypy with django-stubs ([tool.mypy] in pyproject.toml) on every services, selectors and
# workflow module or package and the kernel; part of `make lint`.
TYPED = $(wildcard */services.py */services */selectors.py */selectors */workflow.py */api/workflow.py) \
	crm/sla.py crm/workdays.py crm/measures.py crm/scoping.py crm/notifications.py crm/jobs.py
typecheck: $(STAMP)
	$(VENV)/bin/mypy $(TYPED)

fmt: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: $(STAMP)
	$(PY) -m config.devstack manage makemessages -l zh_Hans --ignore=.venv --ignore=.local
	$(PY) -m config.devstack manage compilemessages -l zh_Hans --ignore=.venv

services: $(STAMP)
	$(PY) -m config.devstack services

stop: $(STAMP)
	$(PY) -m config.devstack stop

clean: stop
	rm -rf .local
