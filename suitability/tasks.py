"""Thin Celery wrappers around suitability services."""

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def nightly_suitability() -> dict:
    """The AML rating of every opened client (one statement), then the professional
    classifications past their review date lapse. Idempotent: a second run rewrites
    nothing that did not change."""
    from . import services

    return {"rated": services.aml_rate(), "lapsed": services.pro_expire_due()}
