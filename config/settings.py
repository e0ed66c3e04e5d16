"""Settings for every environment, driven by environment variables.

`config.settings_production` imports this module and hardens it; `config.settings_test`
adjusts it for the test suite. Local development and tests get DATABASE_URL / REDIS_URL
from `config.devstack`, which starts embedded PostgreSQL and Redis when they are not set.
"""

import sys
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# `.local/env`, written by config.devstack while its embedded servers run (CRM_LOCAL_DIR
# moves the folder): a `python manage.py …` in a second terminal reaches them. Variables
# already set (a real DATABASE_URL) win.
LOCAL_DIR = Path(env("CRM_LOCAL_DIR", default="") or BASE_DIR / ".local").resolve()
environ.Env.read_env(LOCAL_DIR / "env", overwrite=False)

# Debug pages (tracebacks, the URL list) only when a developer asks: DJANGO_DEBUG=1.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me-in-production-0123456789")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "django_tables2",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "simple_history",
    "import_export",
    # Login protection and security headers (issue 10)
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "crm",
    "clients",
    "outreach",
    "products",
    "opinions",
    "visits",
    "complaints",
    "servicedesk",
    "callcenter",
    "knowledge",
    "compliance",
    "campaigns",
    "scorecards",
    "suitability",
    "conduct",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: the whole request
    "crm.logs.RequestIdMiddleware",  # the request id of every log line (LOG_FORMAT)
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "crm.middleware.PermissionsPolicyMiddleware",
    "crm.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crm.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "crm.uploads.RequestSizeLimitMiddleware",  # before CSRF reads the form
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "crm.session.SessionActivityMiddleware",
    "crm.twofactor.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # view, status (crm/metrics.py)
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "crm.context_processors.crm",
            ],
            # {% url %} without arguments answered once per process (the navigation's links)
            "builtins": ["crm.templatetags.cached_url"],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/crm")}
# Django's PostgreSQL backend (psycopg2) with django-prometheus's counters of connections,
# queries and their duration (crm/metrics.py, /metrics); the same SQL as without it.
DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
# One persistent connection per gunicorn thread and Celery process (config/gunicorn.conf.py
# says how many). The development server starts a thread per request, whose connections
# would pile up until PostgreSQL refuses more: under runserver each request closes its own.
DATABASES["default"]["CONN_MAX_AGE"] = (
    0 if "runserver" in sys.argv else env.int("DB_CONN_MAX_AGE", default=60)
)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Index reads cost about as much as sequential ones when the working set is in memory or on
# SSD; PostgreSQL's default (4.0) made it hash-join whole tables for the dashboards' period
# queries instead of walking the (branch, date) indexes (make bench: 227 -> 125 ms of SQL).
DATABASES["default"].setdefault("OPTIONS", {})["options"] = env(
    "DB_SESSION_OPTIONS", default="-c random_page_cost=1.1"
)
# Shown in pg_stat_activity, so the connections of each process kind can be counted (an
# `application_name` in DATABASE_URL's query string wins).
DATABASES["default"]["OPTIONS"].setdefault(
    "application_name", env("DB_APPLICATION_NAME", default="crm")
)
DATABASES["default"].setdefault("TEST", {})["NAME"] = env("TEST_DATABASE_NAME", default="test_crm")
# A PostgreSQL streaming replica for the reads of dashboards, exports, analysis pages and
# the metrics API (crm/db.py: the views marked @reads_from_replica), used while it answers
# and is at most CRM_REPLICA_MAX_LAG seconds behind (checked every CRM_REPLICA_CHECK_SECONDS
# per process); else those reads go to the primary. Its user needs pg_monitor (the lag).
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = {
        **env.db_url_config(DATABASE_REPLICA_URL),
        "ENGINE": DATABASES["default"]["ENGINE"],
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        # the test suite reads the test database through it (tests/crm/test_replica.py
        # points it at a real replica of the test database instead)
        "TEST": {"MIRROR": "default"},
    }
    DATABASES["replica"].setdefault("OPTIONS", {}).update({
        "options": DATABASES["default"]["OPTIONS"]["options"]
        + " -c default_transaction_read_only=on",
        "application_name": DATABASES["default"]["OPTIONS"]["application_name"],
        "connect_timeout": env.int("DB_REPLICA_CONNECT_TIMEOUT", default=2),
    })  # fmt: skip
DATABASE_ROUTERS = ["crm.db.ReplicaRouter"]
CRM_REPLICA_MAX_LAG = env.float("CRM_REPLICA_MAX_LAG", default=30.0)
CRM_REPLICA_CHECK_SECONDS = env.float("CRM_REPLICA_CHECK_SECONDS", default=5.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Redis: cache and Celery broker -----------------------------------------
def redis_url_for(base: str, db: int, *, for_celery: bool = False) -> str:
    """The URL of one logical Redis database, for TCP (redis://) or unix-socket URLs.

    redis-py reads `unix:///path?db=N`; kombu wants `redis+socket:///path?virtual_host=N`.
    """
    parts = urlsplit(base)
    if parts.scheme in ("unix", "redis+socket"):
        query = dict(parse_qsl(parts.query))
        query.pop("db", None)
        query.pop("virtual_host", None)
        if for_celery:
            query["virtual_host"] = str(db)
            return f"redis+socket://{parts.path}?{urlencode(query)}"
        query["db"] = str(db)
        return f"unix://{parts.path}?{urlencode(query)}"
    return urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, ""))


REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")

CACHES = {
    "default": {
        # Redis down: reads miss, writes are skipped, pages still serve (crm/cache.py)
        "BACKEND": "crm.cache.ResilientRedisCache",
        "LOCATION": redis_url_for(REDIS_URL, 1),  # config.settings_test: 9
        "KEY_PREFIX": "crm",
        "TIMEOUT": 300,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1, "RETRY_AFTER": 5},
    }
}

CELERY_BROKER_URL = redis_url_for(REDIS_URL, 0, for_celery=True)  # config.settings_test: 8
# A queue per kind of work, so that one kind never waits behind another: reminders (the SLA
# scan, notices to staff, the morning agenda: minutes matter), analytics (the nightly jobs,
# in chunks by branch, crm/chunks.py: long), imports (files and their sweep) and messages to
# clients (a campaign of 100,000 never holds up a reminder). The default queue takes what
# is not routed. deploy/ runs a worker unit per queue (crm-worker@QUEUE.service, more nodes
# per queue scale it out), the Procfile's worker of `make run` listens on all of them, and
# crm.metrics reports each queue's length.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_ROUTES = {
    "outreach.*": {"queue": "messages"},
    "scorecards.*": {"queue": "analytics"},
    # the nightly AML rating and professional-investor review lapses
    "suitability.*": {"queue": "analytics"},
    "campaigns.*": {"queue": "messages"},
    "callcenter.tasks.send_message_callbacks": {"queue": "messages"},
    "crm.tasks.sla_scan": {"queue": "reminders"},
    "crm.tasks.sla_recompute_deadlines": {"queue": "reminders"},
    "crm.tasks.send_notification_emails": {"queue": "reminders"},
    "crm.tasks.send_pending_emails": {"queue": "reminders"},
    "crm.tasks.send_morning_agenda": {"queue": "reminders"},
    "crm.tasks.job_*": {"queue": "analytics"},
    "crm.tasks.refresh_rollups": {"queue": "analytics"},
    "crm.tasks.purge_expired_data": {"queue": "analytics"},
    "clients.tasks.nightly_segmentation": {"queue": "analytics"},
    "callcenter.tasks.generate_callbacks": {"queue": "analytics"},
    "clients.tasks.import_snapshots_file": {"queue": "imports"},
    "clients.tasks.resume_stalled_imports": {"queue": "imports"},
    "conduct.*": {"queue": "analytics"},
}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_ACKS_LATE = True  # every task here is idempotent; a killed worker's task runs again
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Processes per worker (each keeps one database connection); unset: one per CPU.
CELERY_WORKER_CONCURRENCY = env.int("CELERY_WORKER_CONCURRENCY", default=0) or None
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task taken by a worker that died as a whole (not just a pool process) goes back
    # to the queue once it is this old, when a worker starts or sweeps: above the longest
    # task, or a slow task would run twice (harmless, every task is idempotent, but wasted).
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # An unreachable broker fails a publish in seconds instead of hanging a page.
    "socket_connect_timeout": 2,
    "socket_timeout": 10,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Nightly jobs in chunks (crm/chunks.py): branches per chunk (a chunk is one task, one
# transaction), and the age after which the sweep sends an unfinished chunk again.
CRM_JOB_BRANCHES_PER_CHUNK = env.int("CRM_JOB_BRANCHES_PER_CHUNK", default=1)
CRM_JOB_RESEND_MINUTES = env.int("CRM_JOB_RESEND_MINUTES", default=30)
CELERY_BEAT_SCHEDULE = {
    "sla-scan": {"task": "crm.tasks.sla_scan", "schedule": 300.0},
    # The nightly jobs in chunks by branch on the analytics queue (crm/chunks.py): the
    # segmentation and churn scores, the callbacks due, the dashboards' monthly rollups
    # (last and this month, crm/rollups.py); the sweep sends again a chunk the broker lost.
    "nightly-segmentation": {
        "task": "crm.tasks.job_start",
        "schedule": crontab(hour=1, minute=30),
        "args": ("segmentation",),
    },
    "nightly-callbacks": {
        "task": "crm.tasks.job_start",
        "schedule": crontab(hour=2, minute=0),
        "args": ("callbacks",),
    },
    "nightly-rollups": {
        "task": "crm.tasks.job_start",
        "schedule": crontab(hour=2, minute=30),
        "args": ("rollups",),
    },
    # staff scorecards from the rollups just refreshed: the month and quarter of yesterday
    "nightly-scorecards": {
        "task": "scorecards.nightly",
        "schedule": crontab(hour=2, minute=50),
    },
    "job-resume": {"task": "crm.tasks.job_resume", "schedule": 600.0},
    "email-sweep": {"task": "crm.tasks.send_pending_emails", "schedule": 900.0},
    # messages to clients: what quiet hours held back (08:00), a bulk queue, what the broker
    # lost; a message stuck sending is failed "result unknown" (outreach/tasks.py)
    "outreach-dispatch": {"task": "outreach.dispatch_due", "schedule": 60.0},
    "message-callbacks": {"task": "callcenter.tasks.send_message_callbacks", "schedule": 900.0},
    # service notices of the clients' duties due soon (risk assessment, identity change)
    "outreach-duty-notices": {
        "task": "outreach.duty_notices",
        "schedule": crontab(hour=9, minute=30),
    },
    "import-sweep": {"task": "clients.tasks.resume_stalled_imports", "schedule": 600.0},
    # the fact tables' monthly partitions, made months ahead (clients/partitions.py)
    "fact-partitions": {
        "task": "clients.tasks.ensure_partitions",
        "schedule": crontab(hour=0, minute=15),
    },
    # catches up a recompute lost when the broker was down as the calendar changed
    "nightly-sla-recompute": {
        "task": "crm.tasks.sla_recompute_deadlines",
        "schedule": crontab(hour=0, minute=30),
    },
    "morning-agenda": {
        "task": "crm.tasks.send_morning_agenda",
        "schedule": crontab(hour=8, minute=0),
    },
    # record keeping (crm/retention.py): purge what may be purged, never regulated records
    # campaigns (campaigns/tasks.py): one-off ones whose time came, the day's birthdays,
    # holiday greetings; idempotent (the messages' keys)
    "campaigns-run-due": {"task": "campaigns.run_due", "schedule": 300.0},
    # AML ratings of every client (one statement) and lapsed professional classifications
    "nightly-suitability": {
        "task": "suitability.tasks.nightly_suitability",
        "schedule": crontab(hour=1, minute=50),
    },
    # the misconduct register, education from events, clients suggested for education
    "nightly-conduct": {
        "task": "conduct.nightly",
        "schedule": crontab(hour=2, minute=15),
    },
    "nightly-purge": {
        "task": "crm.tasks.purge_expired_data",
        "schedule": crontab(hour=3, minute=30),
    },
}

# --- Auth ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes checks the lockout first; crm.auth.StaffModelBackend then checks the password.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "crm.auth.StaffModelBackend"]
# Directory login (LDAP / Active Directory), off unless LDAP_SERVER_URI is set: the directory
# is asked between the lockout and the local passwords (config/directory.py, crm/directory.py).
LDAP_SERVER_URI = env("LDAP_SERVER_URI", default="")
if LDAP_SERVER_URI:
    from config.directory import ldap_settings

    globals().update(
        ldap_settings(
            server_uri=LDAP_SERVER_URI,
            bind_dn=env("LDAP_BIND_DN", default=""),
            bind_password=env("LDAP_BIND_PASSWORD", default=""),
            user_search_base=env("LDAP_USER_SEARCH_BASE"),
            user_filter=env("LDAP_USER_FILTER", default="(uid=%(user)s)"),
            group_search_base=env("LDAP_GROUP_SEARCH_BASE", default=""),
            group_type=env("LDAP_GROUP_TYPE", default="groupOfNames"),
            start_tls=env.bool("LDAP_START_TLS", default=False),
            timeout=env.int("LDAP_TIMEOUT", default=5),
            role_groups=env.dict("LDAP_ROLE_GROUPS", default={}),
            branch_groups=env.dict("LDAP_BRANCH_GROUPS", default={}),
            branch_attribute=env("LDAP_BRANCH_ATTRIBUTE", default=""),
            disabled_group=env("LDAP_DISABLED_GROUP", default=""),
            backends=AUTHENTICATION_BACKENDS,
        )
    )
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "crm:workbench"
LOGOUT_REDIRECT_URL = "login"
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
# Expiry counts from the last activity; crm.session saves it at most every 5 minutes.
SESSION_SAVE_EVERY_REQUEST = False

# --- Login protection and security headers -----------------------------------------
# Lockout after repeated failed logins (django-axes), counted per username and IP address;
# HQ unlocks in the admin (Access attempts) or with `manage.py axes_reset_username`.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "crm.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "crm.auth.client_ip"
# Reverse proxies in front of the app whose X-Forwarded-For entry is trusted (0: none).
CRM_TRUSTED_PROXIES = env.int("CRM_TRUSTED_PROXIES", default=0)
# Optional second factor (TOTP) for branch managers and HQ (django-otp, crm.twofactor).
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Branch CRM")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Headers on every response (production adds HSTS and secure cookies).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
PERMISSIONS_POLICY = env(
    "PERMISSIONS_POLICY",
    default="accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()",
)
# Scripts only from /static/ or inline with the per-request nonce; no inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- i18n ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Without collectstatic (make run), whitenoise serves straight from the app and static
# folders; production collects them and turns this off.
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=True)
warnings.filterwarnings("ignore", message="No directory at", module="whitenoise.base")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=LOCAL_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "crm.uploads.UploadStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- Uploads and request bodies (crm/uploads.py) -------------------------------
# MEDIA_ROOT is never served by URL; files go out through views that check scope.
CRM_UPLOAD_MAX_BYTES = env.int("CRM_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# The other fields of an upload form (a request may declare its file limit plus this).
CRM_UPLOAD_FORM_FIELDS_BYTES = env.int("CRM_UPLOAD_FORM_FIELDS_BYTES", default=256 * 1024)
# An API body: 10,000 snapshot rows are 2.4 MB, 16.6 MB with ten holdings each.
CRM_API_BODY_MAX_BYTES = env.int("CRM_API_BODY_MAX_BYTES", default=20 * 1024 * 1024)
CRM_FORM_BODY_MAX_BYTES = env.int("CRM_FORM_BODY_MAX_BYTES", default=2_621_440)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(CRM_API_BODY_MAX_BYTES, CRM_FORM_BODY_MAX_BYTES)
FILE_UPLOAD_HANDLERS = [
    "crm.uploads.UploadLimitHandler",  # first: drops a file's bytes past its limit
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Mail and SMS -------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="crm@localhost")
SMS_BACKEND = env("SMS_BACKEND", default="outreach.sms.LoggingSmsBackend")

# --- Reaching clients (outreach) ------------------------------------------------
# The firm's name as SMS carry it (the regulator's signature 【…】) and e-mails sign.
OUTREACH_FIRM_NAME = env("OUTREACH_FIRM_NAME", default="华信证券")
OUTREACH_EMAIL_FROM = env("OUTREACH_EMAIL_FROM", default="华信证券客户服务 <service@localhost>")
# No SMS in these hours (Asia/Shanghai); a message due in them waits for the morning.
OUTREACH_SMS_QUIET_START = env("OUTREACH_SMS_QUIET_START", default="21:00")
OUTREACH_SMS_QUIET_END = env("OUTREACH_SMS_QUIET_END", default="08:00")
# Marketing messages a client gets at most in a calendar month, every channel together.
OUTREACH_MARKETING_MONTHLY_CAP = env.int("OUTREACH_MARKETING_MONTHLY_CAP", default=4)
# Celery rate limit of one worker process sending SMS, as the provider allows.
OUTREACH_SMS_RATE_LIMIT = env("OUTREACH_SMS_RATE_LIMIT", default="20/s")
OUTREACH_EMAIL_RATE_LIMIT = env("OUTREACH_EMAIL_RATE_LIMIT", default="10/s")
# The provider callbacks (delivery receipts, replies) carry this shared secret.
OUTREACH_CALLBACK_SECRET = env("OUTREACH_CALLBACK_SECRET", default="")
# Where the clients' links (an e-mail's unsubscribe link) point: the public address.
OUTREACH_PUBLIC_URL = env(
    "OUTREACH_PUBLIC_URL", default=env("CRM_SITE_URL", default="http://localhost:8000")
)

# --- SMS providers (outreach/sms/aliyun.py, outreach/sms/tencent.py) -------------
# SMS_BACKEND=outreach.sms.aliyun.AliyunSmsBackend or outreach.sms.tencent.TencentSmsBackend;
# credentials from the environment only. An endpoint "host:port" or "http://host:port"
# (the test stubs) or a bare host name (HTTPS, the provider's).
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="dysmsapi.aliyuncs.com")
ALIYUN_SMS_REGION = env("ALIYUN_SMS_REGION", default="cn-hangzhou")
TENCENT_SMS_SECRET_ID = env("TENCENT_SMS_SECRET_ID", default="")
TENCENT_SMS_SECRET_KEY = env("TENCENT_SMS_SECRET_KEY", default="")
TENCENT_SMS_SDK_APP_ID = env("TENCENT_SMS_SDK_APP_ID", default="")
TENCENT_SMS_ENDPOINT = env("TENCENT_SMS_ENDPOINT", default="sms.tencentcloudapi.com")
TENCENT_SMS_REGION = env("TENCENT_SMS_REGION", default="ap-guangzhou")
# Seconds to connect and to wait for the provider's answer; past it the send is retried.
SMS_CONNECT_TIMEOUT = env.float("SMS_CONNECT_TIMEOUT", default=5.0)
SMS_READ_TIMEOUT = env.float("SMS_READ_TIMEOUT", default=10.0)

# --- REST API -----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.api.authentication.IntegrationTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crm.api.permissions.IsStaffMember"],
    "DEFAULT_PAGINATION_CLASS": "crm.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # `?ordering=` comes from each list's filter set (crm.filters.OrderingFilter)
    "DEFAULT_FILTER_BACKENDS": [
        "crm.api.filters.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "crm.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
        "crm.api.throttling.IntegrationTokenRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/min"),
        "user": env("API_THROTTLE_USER", default="6000/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Requests per integration token; INTEGRATION_TOKEN_RATES overrides it for a token's name
# (system), e.g. INTEGRATION_TOKEN_RATES="交易系统=6000/min".
INTEGRATION_TOKEN_RATE = env("INTEGRATION_TOKEN_RATE", default="1200/min")
INTEGRATION_TOKEN_RATES = env.dict("INTEGRATION_TOKEN_RATES", default={})
FILTERS_EMPTY_CHOICE_LABEL = _("All")
SPECTACULAR_SETTINGS = {
    "TITLE": "Brokerage branch CRM API",
    "DESCRIPTION": "REST API of the brokerage branch CRM (证券营业部客户关系管理).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["crm.api.permissions.ApiDocsPermission"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ClientRiskLevelEnum": "clients.models.RiskLevel",
        "ProductRiskLevelEnum": "products.models.RiskLevel",
        "ProductStatusEnum": "products.models.ProductStatus",
        "YesNoEnum": "callcenter.models.YesNo",
        "ServiceRequestChannelEnum": "servicedesk.models.Channel",
        "ArticleKindEnum": "knowledge.models.Article.Kind",
        "BranchKindEnum": "crm.models.Branch.Kind",
        "OpinionCategoryEnum": "opinions.models.OpinionCategory",
        "MessageChannelEnum": "outreach.models.Channel",
        "CampaignKindEnum": "campaigns.models.Kind",
        "ScorecardPeriodKindEnum": "scorecards.models.PeriodKind",
        "ScorecardLevelEnum": "scorecards.models.Level",
        "AmlRatingEnum": "suitability.models.AmlRating",
    },
}

# --- Sensitive data -----------------------------------------------------------
# Development keys only; the production profile requires its own.
CRM_DATA_KEYS = env.list("CRM_DATA_KEYS", default=["kR0Z3pWc3nqT8eH3dC1fR9sYvX2uJ6aLmB4oN7gQ5iE="])
CRM_LOOKUP_KEY = env("CRM_LOOKUP_KEY", default="dev-only-lookup-key")
# An approved unmasked export can be downloaded once, within this many hours.
CRM_UNMASKED_EXPORT_HOURS = env.int("CRM_UNMASKED_EXPORT_HOURS", default=24)

# --- Record keeping (DOMAIN.md; applied by crm/retention.py) ---------------------
# Regulated records are archived, never deleted; these are the legal minimum years.
CRM_RETENTION_SUITABILITY_YEARS = env.int("CRM_RETENTION_SUITABILITY_YEARS", default=20)
CRM_RETENTION_CALLBACK_YEARS = env.int("CRM_RETENTION_CALLBACK_YEARS", default=3)
CRM_RETENTION_COMPLAINT_YEARS = env.int("CRM_RETENTION_COMPLAINT_YEARS", default=3)
# Purged by the nightly job after these periods (the access log: at least 6 months).
CRM_RETENTION_ACCESS_LOG_MONTHS = env.int("CRM_RETENTION_ACCESS_LOG_MONTHS", default=36)
# Monthly partitions of the daily facts (clients/partitions.py): made this many months
# ahead; months older than the online ones may be detached to the archive schema (36 at
# least: dormancy is judged on three years of trades).
CRM_PARTITIONS_AHEAD_MONTHS = env.int("CRM_PARTITIONS_AHEAD_MONTHS", default=3)
CRM_PARTITIONS_ONLINE_MONTHS = env.int("CRM_PARTITIONS_ONLINE_MONTHS", default=36)
CRM_RETENTION_NOTIFICATION_DAYS = env.int("CRM_RETENTION_NOTIFICATION_DAYS", default=180)
CRM_RETENTION_REMINDER_DAYS = env.int("CRM_RETENTION_REMINDER_DAYS", default=400)
CRM_RETENTION_TOKEN_DAYS = env.int("CRM_RETENTION_TOKEN_DAYS", default=90)
CRM_RETENTION_IMPORT_FILE_DAYS = env.int("CRM_RETENTION_IMPORT_FILE_DAYS", default=30)

# --- Domain defaults (every number configurable) ------------------------------
CRM_OFFICE_HOURS = env.list("CRM_OFFICE_HOURS", default=["09:00-11:30", "13:00-17:00"])
CRM_API_TOKEN_DAYS = env.int("CRM_API_TOKEN_DAYS", default=365)
# /api/schema/ and /api/docs/ are for signed-in staff and integration tokens unless opened.
CRM_API_DOCS_PUBLIC = env.bool("CRM_API_DOCS_PUBLIC", default=False)
# Where staff open the CRM: links in e-mails (a worker has no request to take it from).
CRM_SITE_URL = env("CRM_SITE_URL", default="http://localhost:8000")
CRM_RISK_ASSESSMENT_VALID_YEARS = env.int("CRM_RISK_ASSESSMENT_VALID_YEARS", default=2)
# Recorded sales (双录): advice of a product above this level (or above the client's level)
# needs the reference of its audio/video recording before it is stored
CRM_RECORDING_ABOVE_LEVEL = env.str("CRM_RECORDING_ABOVE_LEVEL", default="R3")
CRM_NEW_CLIENT_DAYS = env.int("CRM_NEW_CLIENT_DAYS", default=180)
CRM_SLEEPING_DAYS = env.int("CRM_SLEEPING_DAYS", default=180)
CRM_DORMANT_YEARS = env.int("CRM_DORMANT_YEARS", default=3)
CRM_DORMANT_MAX_CASH = env.int("CRM_DORMANT_MAX_CASH", default=100)
CRM_CHURN_CASE_THRESHOLD = env.int("CRM_CHURN_CASE_THRESHOLD", default=50)
CRM_ANNUAL_SAMPLE_SHARE = env.float("CRM_ANNUAL_SAMPLE_SHARE", default=0.10)
CRM_CALLBACK_MAX_ATTEMPTS = env.int("CRM_CALLBACK_MAX_ATTEMPTS", default=3)
CRM_CALLBACK_RETRY_MINUTES = {"no_answer": 240, "busy": 60}
CRM_INSPECTION_SHARE = env.float("CRM_INSPECTION_SHARE", default=0.05)
CRM_CSI_TARGET = env.int("CRM_CSI_TARGET", default=90)
CRM_SNAPSHOT_BULK_MAX_ROWS = env.int("CRM_SNAPSHOT_BULK_MAX_ROWS", default=10000)
# rows per clients/bulk/ and holdings/bulk/ call (the client master load)
CRM_CLIENT_BULK_MAX_ROWS = env.int("CRM_CLIENT_BULK_MAX_ROWS", default=10000)
# Snapshot file imports (clients.imports): rows and bytes per file; an Excel file is also
# refused when its content would unpack to more than this, or to more than RATIO times
# its size (ordinary sheets unpack to 5-20 times; a "zip bomb" to hundreds).
CRM_IMPORT_MAX_ROWS = env.int("CRM_IMPORT_MAX_ROWS", default=1_000_000)
CRM_IMPORT_MAX_BYTES = env.int("CRM_IMPORT_MAX_BYTES", default=100 * 1024 * 1024)
CRM_IMPORT_MAX_UNPACKED_BYTES = env.int("CRM_IMPORT_MAX_UNPACKED_BYTES", default=500 * 1024 * 1024)
CRM_IMPORT_MAX_XLSX_RATIO = env.int("CRM_IMPORT_MAX_XLSX_RATIO", default=100)
CRM_DASHBOARD_CACHE_SECONDS = env.int("CRM_DASHBOARD_CACHE_SECONDS", default=60)

# --- Logs (crm/logs.py) ---------------------------------------------------------
# One line per record on stderr (journald under systemd), each with the request id of its
# web request (X-Request-ID) or of the request that enqueued its Celery task.
# LOG_FORMAT: `plain` text (make run), `json` one object per line (the production profile).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "crm.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "crm.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "axes": {"level": "WARNING"},  # lockouts only, not every failed attempt
    },
}

# --- Metrics (crm/metrics.py) ------------------------------------------------------
# /metrics (Prometheus) answers these networks, or a request with
# `Authorization: Bearer METRICS_TOKEN`; anyone else gets 404.
METRICS_ALLOWED_NETS = env.list("METRICS_ALLOWED_NETS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Dashboards read closed months from the monthly rollups (crm/rollups.py); off: every
# figure from the facts (the rollups are still maintained).
CRM_ROLLUPS = env.bool("CRM_ROLLUPS", default=True)
