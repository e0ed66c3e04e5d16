"""gunicorn settings for `make run` and production (`gunicorn -c config/gunicorn.conf.py
config.wsgi`). Each thread keeps one persistent database connection (DB_CONN_MAX_AGE),
so the web tier holds at most WEB_CONCURRENCY x WEB_THREADS connections: size PostgreSQL's
max_connections for that plus the Celery workers' concurrency and beat."""

import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('CRM_PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
# An idle keep-alive connection is closed after this many seconds; a client whose next
# request crosses that close gets a reset. So: longer than a user's pause between clicks
# (the load test thinks 1-3 s), and behind a proxy that keeps upstream connections open,
# longer than the proxy's idle timeout.
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))
graceful_timeout = 20
max_requests = 2000  # recycle a worker now and then; jitter keeps them from all restarting
max_requests_jitter = 200
# One control socket per server in $HOME would be shared by `make run`, the tests and the
# load test; nothing here uses gunicornc.
control_socket_disable = True
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
# the default line, then the request id the app answered (crm/logs.py)
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
)
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
if os.environ.get("LOG_FORMAT") == "json":
    # gunicorn's own lines (start, worker exits, timeouts, access log) as JSON like the
    # app's (crm/logs.py), on stderr for journald
    _json = {"handlers": ["json"], "propagate": False}
    logconfig_dict = {
        "formatters": {"json": {"()": "crm.logs.JsonFormatter"}},
        "handlers": {
            "json": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"level": "INFO", "handlers": ["json"]},
        "loggers": {
            "gunicorn.error": {**_json, "level": loglevel.upper()},
            # gunicorn logs access whenever a logging config is given: only if asked
            "gunicorn.access": {**_json, "level": "INFO" if accesslog else "WARNING"},
        },
    }

# Prometheus (crm/metrics.py): with several worker processes each one writes its values to
# files in PROMETHEUS_MULTIPROC_DIR (deploy/crm-web.service sets it under /run), which
# /metrics adds up. The folder is emptied when the server starts (values of an old run
# would be added in) and a dead worker's live gauges are dropped.
_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")


def on_starting(server):
    if _multiproc_dir:
        import glob

        os.makedirs(_multiproc_dir, exist_ok=True)
        for path in glob.glob(os.path.join(_multiproc_dir, "*.db")):
            os.remove(path)


def child_exit(server, worker):
    if _multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
