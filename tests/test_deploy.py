"""The deployment kit in deploy/ agrees with the code it runs.

- the systemd units parse, name the crm user, the environment file and the hardening,
  start programs and modules that exist, and `systemd-analyze verify` accepts them (where
  systemd-analyze is installed; release paths mapped onto this checkout);
- crm.target starts one worker unit per queue the settings route to, no more, no less;
- the nginx site redirects HTTP, serves /static/ from STATIC_ROOT, never /media/, lets
  /metrics through to the monitoring network only, accepts the largest body the app
  accepts, waits for gunicorn as long as gunicorn's timeout; `nginx -t` accepts it (where
  nginx is installed; a throw-away certificate and log folder);
- crm.env.example names every variable the production profile requires, holds no secret,
  names only variables the code reads, and starts the production profile with JSON logs.
"""

from __future__ import annotations

import ast
import configparser
import importlib
import importlib.util
import json
import math
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
RELEASE = "/srv/crm"  # where the units expect the checkout (and its venv)
UNIT_FILES = ["crm-web.service", "crm-worker@.service", "crm-beat.service", "crm.target"]
SERVICES = [u for u in UNIT_FILES if u.endswith(".service")]


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def env_example() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "crm.env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*", name), line
            assert name not in values, f"{name} twice in crm.env.example"
            values[name] = value
    return values


def nginx_site() -> str:
    return (DEPLOY / "nginx" / "crm.conf").read_text()


def nginx_location(text: str, prefix: str) -> str:
    """The body of every `location <prefix> {...}` block (no nested blocks here)."""
    found = re.findall(r"location\s+" + re.escape(prefix) + r"\s*\{([^}]*)\}", text)
    assert found, f"no location {prefix}"
    return "\n".join(found)


# --- systemd --------------------------------------------------------------------------
def test_the_units_parse_and_carry_user_environment_and_hardening():
    for name in SERVICES:
        service = unit(name)["Service"]
        assert service["User"] == "crm", name
        assert service["EnvironmentFile"] == "/etc/crm/crm.env", name
        assert service["WorkingDirectory"] == RELEASE, name
        assert service["NoNewPrivileges"] == "true", name
        assert service["ProtectSystem"] == "strict", name
        assert service["PrivateTmp"] == "true", name
        assert unit(name)["Unit"]["PartOf"] == "crm.target", name
    media = env_example()["MEDIA_ROOT"]
    for name in ("crm-web.service", "crm-worker@.service"):  # they write uploads
        assert unit(name)["Service"]["ReadWritePaths"].split() == [media]
    assert "ReadWritePaths" not in unit("crm-beat.service")["Service"]  # writes nothing


def exec_start(name: str) -> list[str]:
    return shlex.split(unit(name)["Service"]["ExecStart"])


def module_exists(dotted: str) -> bool:
    return importlib.util.find_spec(dotted) is not None


def test_each_exec_start_runs_files_and_modules_that_exist():
    web = exec_start("crm-web.service")
    assert web[0] == f"{RELEASE}/venv/bin/gunicorn"
    config = web[web.index("-c") + 1]
    assert (ROOT / config).is_file(), config
    assert module_exists(web[-1]) and web[-1] == settings.WSGI_APPLICATION.rsplit(".", 1)[0]

    for name, command in (("crm-worker@.service", "worker"), ("crm-beat.service", "beat")):
        argv = exec_start(name)
        assert argv[0] == f"{RELEASE}/venv/bin/celery", name
        app = argv[argv.index("-A") + 1]
        assert app == "config" and (ROOT / "config" / "celery.py").is_file()
        assert argv[argv.index("-A") + 2] == command
    worker = exec_start("crm-worker@.service")
    assert worker[worker.index("-Q") + 1] == "%i"  # the instance is the queue
    beat = exec_start("crm-beat.service")
    scheduler = beat[beat.index("--scheduler") + 1]
    assert scheduler == settings.CELERY_BEAT_SCHEDULER
    module, _, attr = scheduler.partition(":")
    assert hasattr(importlib.import_module(module), attr)


def test_the_target_starts_one_worker_per_routed_queue_and_one_beat():
    from crm.metrics import celery_queues

    wants = unit("crm.target")["Unit"]["Wants"].split()
    workers = sorted(w.removeprefix("crm-worker@").removesuffix(".service")
                     for w in wants if w.startswith("crm-worker@"))  # fmt: skip
    assert workers == celery_queues() == [
        "analytics", "celery", "imports", "messages", "reminders"
    ]  # fmt: skip
    assert wants.count("crm-beat.service") == 1 and "crm-web.service" in wants


def test_the_procfile_worker_of_make_run_listens_on_every_queue():
    from crm.metrics import celery_queues

    line = next(
        line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:")
    )
    argv = line.split()
    assert sorted(argv[argv.index("-Q") + 1].split(",")) == celery_queues()


def test_every_task_is_routed_to_a_queue_of_its_kind():
    """The kernel's and the apps' tasks, by name: reminders, the nightly analytics,
    imports and messages each on their own queue (config/settings.py)."""
    from celery import current_app

    expected = {
        "crm.tasks.sla_scan": "reminders",
        "crm.tasks.send_morning_agenda": "reminders",
        "crm.tasks.send_notification_emails": "reminders",
        "crm.tasks.job_start": "analytics",
        "crm.tasks.job_chunk": "analytics",
        "crm.tasks.job_resume": "analytics",
        "crm.tasks.refresh_rollups": "analytics",
        "clients.tasks.nightly_segmentation": "analytics",
        "callcenter.tasks.generate_callbacks": "analytics",
        "clients.tasks.import_snapshots_file": "imports",
        "clients.tasks.resume_stalled_imports": "imports",
        "outreach.send_message": "messages",
        "campaigns.run_due": "messages",
    }
    current_app.loader.import_default_modules()  # every app's tasks module
    router = current_app.amqp.router
    for name, queue in expected.items():
        assert name in current_app.tasks, name
        route = router.route({}, name)
        assert route["queue"].name == queue, name


def test_celery_queues_follow_the_routes(settings):
    from celery import current_app

    from crm.metrics import celery_queues

    conf = current_app.conf
    old = conf.task_routes
    conf.task_routes = {"clients.tasks.import_snapshots": {"queue": "imports"}}
    try:
        assert celery_queues() == ["celery", "imports"]
    finally:
        conf.task_routes = old


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_systemd_analyze_verify_accepts_the_units(tmp_path):
    venv_bin = str(Path(sys.executable).parent)
    for name in UNIT_FILES:
        text = (UNITS / name).read_text()
        text = text.replace(f"{RELEASE}/venv/bin", venv_bin).replace(RELEASE, str(ROOT))
        (tmp_path / name).write_text(text)
    names = [str(tmp_path / n) for n in UNIT_FILES if n != "crm-worker@.service"]
    names.append(str(tmp_path / "crm-worker@celery.service"))
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # unknown keys and other complaints are warnings only: none is allowed
    assert result.stderr.strip() == "", result.stderr


# --- nginx ----------------------------------------------------------------------------
def largest_body() -> int:
    """The largest request body the app accepts (crm.uploads.body_limit's cases): an API
    body, a form, or a file to a view with an upload rule plus the form's other fields."""
    from crm.uploads import UploadRule

    files = {settings.CRM_UPLOAD_MAX_BYTES}
    for app in ("crm", "clients", "visits", "complaints", "callcenter"):
        for module_name in ("forms", "uploads", "imports", "views"):
            try:
                module = importlib.import_module(f"{app}.{module_name}")
            except ModuleNotFoundError:
                continue
            files.update(v.max_bytes for v in vars(module).values() if isinstance(v, UploadRule))
    fields = settings.CRM_UPLOAD_FORM_FIELDS_BYTES
    return max(
        settings.CRM_API_BODY_MAX_BYTES,
        settings.CRM_FORM_BODY_MAX_BYTES,
        *(f + fields for f in files),
    )


def test_nginx_takes_the_largest_body_the_app_accepts_and_no_more():
    size = re.search(r"client_max_body_size\s+(\d+)m;", nginx_site())
    assert size, "client_max_body_size in MiB"
    assert int(size.group(1)) == math.ceil(largest_body() / 2**20) == 101


def test_nginx_waits_for_gunicorn_as_long_as_its_timeout():
    params = (DEPLOY / "nginx" / "crm_proxy_params").read_text()
    timeout = os.environ.get("WEB_TIMEOUT", "60")
    assert env_example()["WEB_TIMEOUT"] == timeout == "60"
    for name in ("proxy_read_timeout", "proxy_send_timeout"):
        assert re.search(rf"{name}\s+{timeout}s;", params), name
    # the upstream closes idle connections before gunicorn's keep-alive would
    keepalive = int(re.search(r"keepalive_timeout\s+(\d+)s;", nginx_site()).group(1))
    assert keepalive < int(env_example()["WEB_KEEPALIVE"])
    assert f"server {env_example()['GUNICORN_BIND']};" in nginx_site()


def test_nginx_forwards_the_proxy_headers_on_every_proxied_location():
    params = (DEPLOY / "nginx" / "crm_proxy_params").read_text()
    for header, value in (("X-Forwarded-Proto", "$scheme"),
                          ("X-Forwarded-For", "$proxy_add_x_forwarded_for"),
                          ("Host", "$host"), ("X-Forwarded-Host", "$host"),
                          ("X-Request-ID", "$request_id")):  # fmt: skip
        assert re.search(rf"proxy_set_header\s+{re.escape(header)}\s+{re.escape(value)};",
                         params), header  # fmt: skip
    site = nginx_site()
    assert site.count("proxy_pass http://crm_web;") == site.count(
        "include /etc/nginx/crm_proxy_params;"
    )
    assert env_example()["CRM_TRUSTED_PROXIES"] == "1"  # nginx is the one trusted proxy


def test_nginx_tls_redirect_static_media_and_metrics():
    site = nginx_site()
    assert re.search(r"listen 443 ssl", site) and "return 301 https://$host$request_uri;" in site
    protocols = re.search(r"ssl_protocols([^;]*);", site).group(1).split()
    assert protocols == ["TLSv1.2", "TLSv1.3"]
    assert all("GCM" in c or "CHACHA20" in c for c in
               re.search(r"ssl_ciphers\s+([^;]*);", site).group(1).split(":"))  # fmt: skip
    static = nginx_location(site, "/static/")
    assert f"alias {env_example()['STATIC_ROOT']}/;" in static
    assert "max-age=31536000" in static
    media = nginx_location(site, "/media/")
    assert media.split() == ["return", "404;"]
    metrics = nginx_location(site, "= /metrics")
    rules = re.findall(r"^\s*(allow|deny)\s+([^;]+);", metrics, re.M)
    assert rules[-1] == ("deny", "all") and all(r[0] == "allow" for r in rules[:-1])
    assert ("allow", "127.0.0.1") in rules


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx not installed")
def test_nginx_t_accepts_the_site(tmp_path):
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=crm.test", "-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    site = (
        nginx_site()
        .replace("/etc/nginx/crm_proxy_params", str(tmp_path / "crm_proxy_params"))
        .replace("/etc/ssl/crm/fullchain.pem", str(tmp_path / "cert.pem"))
        .replace("/etc/ssl/crm/privkey.pem", str(tmp_path / "key.pem"))
        .replace("/var/log/crm/", f"{tmp_path}/")
    )
    (tmp_path / "site.conf").write_text(site)
    shutil.copy(DEPLOY / "nginx" / "crm_proxy_params", tmp_path)
    (tmp_path / "nginx.conf").write_text(
        f"error_log stderr;\npid {tmp_path}/nginx.pid;\nevents {{}}\n"
        f"http {{\n include /etc/nginx/mime.types;\n access_log off;\n"
        f" include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    # nginx 1.25+ prefers `http2 on;` to `listen ... http2` (Debian 12 has 1.22, which
    # knows only the latter): that one warning is allowed
    warnings = [
        ln
        for ln in result.stderr.splitlines()
        if "[warn]" in ln and '"listen ... http2" directive is deprecated' not in ln
    ]
    assert not warnings, result.stderr


# --- The environment file -------------------------------------------------------------
def production_required() -> list[str]:
    """The names settings_production refuses to start without (its first loop)."""
    tree = ast.parse((ROOT / "config" / "settings_production.py").read_text())
    loop = next(n for n in ast.walk(tree) if isinstance(n, ast.For))
    return [e.value for e in loop.iter.elts]


def test_the_env_example_names_every_required_variable_and_no_secret():
    values = env_example()
    required = production_required()
    assert {"SECRET_KEY", "DATABASE_URL", "CRM_DATA_KEYS"} <= set(required)
    assert set(required) <= set(values)
    for secret in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CRM_DATA_KEYS",
                   "CRM_LOOKUP_KEY", "METRICS_TOKEN"):  # fmt: skip
        assert values[secret] == "", f"{secret} must be left empty in the template"
    assert values["DJANGO_SETTINGS_MODULE"] == "config.settings_production"
    assert values["LOG_FORMAT"] == "json"


def test_the_env_example_names_only_variables_the_code_reads():
    code = "\n".join(p.read_text() for p in (ROOT / "config").glob("*.py"))
    for name in env_example():
        assert re.search(rf"[\"']{name}[\"']", code), f"{name} is read nowhere in config/"


def test_the_production_profile_starts_from_the_env_example_with_json_logs():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PROMETHEUS"))}
    env.update(env_example())
    env.update(
        SECRET_KEY="x" * 64,
        DATABASE_URL="postgres://crm:pw@127.0.0.1:5432/crm",
        REDIS_URL="redis://127.0.0.1:6379/0",
        CRM_DATA_KEYS="kR0Z3pWc3nqT8eH3dC1fR9sYvX2uJ6aLmB4oN7gQ5iE=",
        CRM_LOOKUP_KEY="lookup-key-of-the-test",
    )
    script = (
        "import django, logging, json; django.setup();"
        "from django.conf import settings as s;"
        "h = logging.getLogger().handlers[0];"
        "r = logging.LogRecord('t', 20, 'x.py', 1, 'hello', None, None);"
        "[f.filter(r) for f in h.filters];"
        "print(json.dumps([s.LOG_FORMAT, s.DEBUG, str(s.MEDIA_ROOT), h.format(r)]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    log_format, debug, media, line = json.loads(result.stdout.strip().splitlines()[-1])
    assert (log_format, debug, media) == ("json", False, "/var/lib/crm/media")
    record = json.loads(line)
    assert record["message"] == "hello" and record["level"] == "INFO"
    assert "request_id" in record
