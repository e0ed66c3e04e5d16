"""The production settings with Django's manifest storage without whitenoise's compression:
the same reference rewriting at a fraction of the time (for the collectstatic test)."""

from config.settings_production import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
