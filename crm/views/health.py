"""/healthz for the load balancer: database, Redis and a Celery worker."""

from __future__ import annotations

from celery import current_app
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """200 when the database, Redis and at least one Celery worker answer; else 503."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        _ping_redis()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"error: {exc.__class__.__name__}"
    if checks["redis"] == "ok":
        try:
            replies = current_app.control.ping(timeout=1.0)
            checks["worker"] = "ok" if replies else "error: no worker answered"
        except Exception as exc:
            checks["worker"] = f"error: {exc.__class__.__name__}"
    else:
        checks["worker"] = "error: broker unavailable"
    healthy = all(v == "ok" for v in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503
    )


def _ping_redis() -> None:
    cache._cache.get_client(write=True).ping()
