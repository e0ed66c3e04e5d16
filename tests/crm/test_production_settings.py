import os
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings_production",
    "SECRET_KEY": "x" * 20 + "-production-secret-for-the-check-only-0123456789",
    "DATABASE_URL": "postgres://crm@db.internal/crm",
    "REDIS_URL": "redis://cache.internal:6379/0",
    "ALLOWED_HOSTS": "crm.branch.example",
    "CRM_DATA_KEYS": "rJ4s0mZ3H1q2dY8n6W5v7bT9c0xK2pL4aF6gE8hU1iM=",
    "CRM_LOOKUP_KEY": "production-lookup-key-for-the-check-only",
}


def run_manage(env_changes, *args):
    env = {k: v for k, v in os.environ.items() if k not in PROD_ENV}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only
    env.update(env_changes)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_profile():
    result = run_manage(PROD_ENV, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_refuses_to_start_without_secret_key():
    env = {k: v for k, v in PROD_ENV.items() if k != "SECRET_KEY"}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_refuses_the_development_key():
    result = run_manage({**PROD_ENV, "SECRET_KEY": "short"}, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be a long random value" in result.stderr


def test_collectstatic_builds_the_manifest_with_production_storage(tmp_path):
    """The production storage rewrites references inside CSS/JS; a vendored file that
    names a missing source map would stop the deployment here."""
    env = {**PROD_ENV, "STATIC_ROOT": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "tests.crm.settings_manifest"}  # fmt: skip
    result = run_manage(env, "collectstatic", "--noinput")
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert "vendor/chartjs/chart.umd.min.js" in manifest
