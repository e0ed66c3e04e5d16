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
	messages services stop manage backup restore browser testservers clean
SIZE ?= large
BENCH_ARGS ?=
LOAD_USERS ?= 20,50,100
LOAD_SECONDS ?= 60

# python-ldap (directory login) has no wheel: pip compiles it against OpenLDAP's headers.
LDAP_BUILD_DEPS = if [ ! -e /usr/include/ldap.h ] || [ ! -e /usr/include/sasl/sasl.h ] || \
	  ! command -v cc >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      gcc libldap2-dev libsasl2-dev) >/dev/null; \
	  else \
	    echo "python-ldap compiles: sudo apt-get install gcc libldap2-dev libsasl2-dev"; exit 1; \
	  fi; \
	fi

$(STAMP): requirements.txt requirements-dev.txt
	@$(LDAP_BUILD_DEPS)
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
	@$(LDAP_BUILD_DEPS)
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

# Debian's OpenLDAP server for the directory login tests (tests/ldap_server.py starts its own
# slapd on loopback; without it those tests are skipped and say so), and Debian's nginx for
# `nginx -t` of deploy/nginx/crm.conf (tests/test_deploy.py; installed only, never started).
testservers:
	@if [ ! -x /usr/sbin/slapd ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slapd ldap-utils) >/dev/null; \
	  else \
	    echo "The directory login tests need slapd: sudo apt-get install slapd ldap-utils"; \
	  fi; \
	fi
	@if ! command -v nginx >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light) >/dev/null; \
	  else \
	    echo "The nginx -t test needs nginx: sudo apt-get install nginx-light"; \
	  fi; \
	fi

run: $(STAMP)
	$(PY) -m config.devstack run

test: $(STAMP) browser testservers
	$(PY) -m config.devstack test $(ARGS)
	@if [ -z "$(ARGS)" ]; then $(MAKE) --no-print-directory security; fi

# check --deploy with the production profile, bandit (high), pip-audit (skipped with a
# warning when its vulnerability database is unreachable). Part of a full `make test`.
security: $(STAMP)
	PY=$(PY) .ci/security

# Large data set in its own database, then latency, query counts and throughput.
# SIZE=brokerage: 1,000,000 clients, 60 branches, daily facts; BENCH_ARGS="--days 10" builds
# a proportional part of the facts, "--skip campaigns,master" leaves parts unmeasured.
bench: $(STAMP)
	$(PY) -m config.devstack bench --size $(SIZE) $(BENCH_ARGS)

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
	crm/sla.py crm/workdays.py crm/measures.py crm/scoping.py crm/notifications.py crm/jobs.py \
	crm/backup.py crm/db.py crm/chunks.py
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

# manage.py in a second terminal: reuses the servers of a running `make run` / `make
# services` (and leaves them running), or starts them for this command alone.
#   make manage ARGS="issue_api_token sys_trading --name 交易系统 --days 30"
manage: $(STAMP)
	$(PY) -m config.devstack manage $(ARGS)

# Database (pg_dump -Fc) and media files into backups/<YYYY-MM-DD_HHMMSS>/ (TO=DIR elsewhere);
# restore into an empty database, or a new one with INTO=NEWDB. README: Operations.
backup: $(STAMP)
	$(PY) -m config.devstack backup $(if $(TO),--to "$(TO)") $(ARGS)

restore: $(STAMP)
	@test -n "$(FROM)" || { echo "usage: make restore FROM=backups/<YYYY-MM-DD_HHMMSS> [INTO=newdb]"; exit 2; }
	$(PY) -m config.devstack restore "$(FROM)" $(if $(INTO),--into "$(INTO)") $(ARGS)

clean: stop
	rm -rf .local
