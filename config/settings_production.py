"""Production profile: `DJANGO_SETTINGS_MODULE=config.settings_production`.

Refuses to start without SECRET_KEY, DATABASE_URL, REDIS_URL and ALLOWED_HOSTS.
"""

import os

from django.core.exceptions import ImproperlyConfigured

for _name in (
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "ALLOWED_HOSTS",
    "CRM_DATA_KEYS",
    "CRM_LOOKUP_KEY",
):
    if not os.environ.get(_name):
        raise ImproperlyConfigured(f"{_name} must be set in production")

from .settings import *  # noqa: E402,F403
from .settings import LOGGING, MIDDLEWARE, env  # noqa: E402

DEBUG = False
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):  # noqa: F405
    raise ImproperlyConfigured("SECRET_KEY must be a long random value in production")

WHITENOISE_USE_FINDERS = False  # collectstatic gives the hashed, compressed files
STORAGES = {
    "default": {"BACKEND": "crm.uploads.UploadStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
MIDDLEWARE = [m for m in MIDDLEWARE if m != "whitenoise.runserver_nostatic"]
# One JSON object per log line, for journald and the log collector (crm/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
