"""/metrics for Prometheus: the web's requests and SQL (django-prometheus) and the length
of each Celery queue, for the monitoring network only.

- django-prometheus's middleware (settings.MIDDLEWARE) counts requests, responses by
  status and view, latency; its database backend (DATABASES' ENGINE) connections, queries
  and their duration. gunicorn runs several processes: with PROMETHEUS_MULTIPROC_DIR set
  (deploy/crm-web.service) each process writes its values there and this view adds them
  up (config/gunicorn.conf.py empties the folder at start and marks dead workers).
- `crm_celery_queue_length{queue}`: tasks waiting in each queue the settings route to
  (`celery_queues()`), read with LLEN from the broker's Redis lists at each scrape, and
  `crm_celery_broker_up` (0 when the broker did not answer; the lengths are then absent).
- Gauges the apps register (`register_gauge`, from their registrations.py), read at each
  scrape: `crm_import_jobs_open{status}` (clients: snapshot imports queued or running).
- Who may read it: a client address in METRICS_ALLOWED_NETS (as crm.auth.client_ip reads
  it: X-Forwarded-For only from CRM_TRUSTED_PROXIES) or `Authorization: Bearer
  METRICS_TOKEN`. Anyone else gets 404, as for an address that does not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import prometheus_client
from celery import current_app
from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CollectorRegistry, multiprocess
from prometheus_client.core import GaugeMetricFamily

from .auth import client_ip


def celery_queues() -> list[str]:
    """Every queue a task can be sent to: the default queue, the declared queues and the
    queues of CELERY_TASK_ROUTES (deploy/ runs one crm-worker@QUEUE per name)."""
    conf = current_app.conf
    names = {conf.task_default_queue}
    names.update(q.name for q in conf.task_queues or ())
    routes = conf.task_routes or {}
    for route in routes.values() if isinstance(routes, dict) else ():
        queue = route.get("queue") if isinstance(route, dict) else None
        if queue:
            names.add(getattr(queue, "name", queue))
    return sorted(names)


def queue_lengths() -> dict[str, int]:
    """LLEN of each queue's Redis lists (kombu keeps one list per priority step)."""
    queues = celery_queues()
    with current_app.connection_for_read() as conn:
        conn.ensure_connection(max_retries=0)
        channel = conn.default_channel
        keys = {
            q: sorted({channel._q_for_pri(q, p) for p in channel.priority_steps}) for q in queues
        }
        pipe = channel.client.pipeline(transaction=False)
        for q in queues:
            for key in keys[q]:
                pipe.llen(key)
        counts = iter(pipe.execute())
    return {q: sum(next(counts) for _ in keys[q]) for q in queues}


@dataclass(frozen=True)
class Gauge:
    """A gauge an app declares: `read()` gives {label value: number} (one label)."""

    name: str
    documentation: str
    label: str
    read: Callable[[], dict[str, float]]


_GAUGES: dict[str, Gauge] = {}


def register_gauge(name: str, documentation: str, label: str, read) -> None:
    _GAUGES[name] = Gauge(name, documentation, label, read)


class CeleryQueueCollector:
    """Read at each scrape; never stored in the multiprocess files."""

    def collect(self):
        length = GaugeMetricFamily(
            "crm_celery_queue_length", "Tasks waiting in the Celery queue.", labels=["queue"]
        )
        up = GaugeMetricFamily("crm_celery_broker_up", "1 when the Celery broker answered.")
        try:
            lengths = queue_lengths()
        except Exception:
            up.add_metric([], 0)
        else:
            up.add_metric([], 1)
            for queue, n in lengths.items():
                length.add_metric([queue], n)
        yield length
        yield up
        for gauge in _GAUGES.values():
            family = GaugeMetricFamily(gauge.name, gauge.documentation, labels=[gauge.label])
            try:
                values = gauge.read()
            except Exception:
                continue  # the rest of the page still answers
            for label, value in sorted(values.items()):
                family.add_metric([label], value)
            yield family


@lru_cache(maxsize=1)
def _crm_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(CeleryQueueCollector())
    return registry


@lru_cache(maxsize=8)
def _networks(nets: tuple[str, ...]):
    return [ipaddress.ip_network(n.strip(), strict=False) for n in nets if n.strip()]


def may_read(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.META.get("HTTP_AUTHORIZATION", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(client_ip(request) or "")
    except ValueError:
        return False
    return any(address in net for net in _networks(tuple(settings.METRICS_ALLOWED_NETS)))


@never_cache
def metrics(request):
    """The Prometheus text format; 404 for whoever may not read it."""
    if not may_read(request):
        raise Http404
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = prometheus_client.REGISTRY
    body = prometheus_client.generate_latest(registry) + prometheus_client.generate_latest(
        _crm_registry()
    )
    return HttpResponse(body, content_type=prometheus_client.CONTENT_TYPE_LATEST)
