"""Test profile: `DJANGO_SETTINGS_MODULE=config.settings_test` (pyproject's pytest section;
`make test` sets it too, and the processes a test starts inherit it).

The development settings, with what the suite needs: its own Redis databases (so a test
run beside `make run` never clears its cache or takes its tasks), fast password hashing,
mail kept in memory, Celery tasks run in the calling process, no throttling or lockout.
"""

from config.settings import *  # noqa: F403
from config.settings import CACHES, REDIS_URL, REST_FRAMEWORK, redis_url_for

TESTING = True

# Logical Redis databases 8 and 9 instead of 0 (broker) and 1 (cache).
CACHES["default"]["LOCATION"] = redis_url_for(REDIS_URL, 9)
CELERY_BROKER_URL = redis_url_for(REDIS_URL, 8, for_celery=True)

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CRM_DASHBOARD_CACHE_SECONDS = 0  # tests change data between two views; one test caches
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"anon": "10000/min", "user": "100000/min"}
INTEGRATION_TOKEN_RATE = "100000/min"
AXES_ENABLED = False  # tests of the lockout switch it on; force_login never counts
