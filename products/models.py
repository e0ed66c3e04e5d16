"""The product catalogue (产品库): every product the firm offers, with the risk level R1–R5
the firm set for it. Advice and sales refer to it, never to a typed level (DOMAIN.md,
"Compliance"); HQ maintains it, everyone reads it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class RiskLevel(models.TextChoices):
    R1 = "R1", "R1"
    R2 = "R2", "R2"
    R3 = "R3", "R3"
    R4 = "R4", "R4"
    R5 = "R5", "R5"


class ProductType(models.TextChoices):
    STOCK = "stock", _("Stock")
    FUND = "fund", _("Fund")
    WEALTH = "wealth", _("Wealth management product")
    BOND = "bond", _("Bond")
    STRUCTURED = "structured", _("Structured product")
    OPTIONS = "options", _("Options")
    PRIVATE_FUND = "private_fund", _("Private fund")
    OTHER = "other", _("Other")


class ProductStatus(models.TextChoices):
    ON_SALE = "on_sale", _("On sale")
    CLOSED = "closed", _("Closed")


def level_number(level: str) -> int:
    """R3 -> 3; 0 for anything else."""
    return int(level[1]) if level in RiskLevel.values else 0


class Product(models.Model):
    code = models.CharField(_("product code"), max_length=20, unique=True)
    name = models.CharField(_("product name"), max_length=100)
    name_initials = models.CharField(_("pinyin initials"), max_length=30, blank=True)
    product_type = models.CharField(_("product type"), max_length=12, choices=ProductType.choices)
    issuer = models.CharField(_("issuer"), max_length=100, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=2, choices=RiskLevel.choices)
    status = models.CharField(
        _("status"), max_length=8, choices=ProductStatus.choices, default=ProductStatus.ON_SALE
    )
    starts_on = models.DateField(_("on sale from"), null=True, blank=True)
    ends_on = models.DateField(_("on sale until"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    # a level change is a suitability record: kept with who and when
    history = HistoricalRecords(excluded_fields=["updated_at", "name_initials"])

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(risk_level__in=RiskLevel.values),
                                   name="product_risk_level_valid"),
            models.CheckConstraint(condition=Q(status__in=ProductStatus.values),
                                   name="product_status_valid"),
            models.CheckConstraint(condition=Q(product_type__in=ProductType.values),
                                   name="product_type_valid"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="product_dates_in_order",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["status", "risk_level", "code"], name="product_status_level_idx"),
            models.Index(fields=["product_type", "code"], name="product_type_idx"),
            # the search: prefixes of the name, the code and the pinyin initials
            models.Index(
                fields=["name_initials"],
                name="product_initials_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name"], name="product_name_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(
                fields=["code"], name="product_code_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["name", "id"], name="product_name_idx"),
            models.Index(fields=["risk_level", "code"], name="product_level_idx"),
            models.Index(fields=["updated_at", "id"], name="product_updated_idx"),
            models.Index(fields=["starts_on", "id"], name="product_starts_idx"),
            models.Index(
                fields=["issuer"], name="product_issuer_idx", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    def get_absolute_url(self) -> str:
        return reverse("products:detail", args=[self.pk])

    @property
    def level(self) -> int:
        return level_number(self.risk_level)


class ProductDocument(models.Model):
    """A product document (说明书, 风险揭示书, 合同): a link to the firm's document store."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="documents", verbose_name=_("product")
    )
    title = models.CharField(_("document title"), max_length=200)
    url = models.URLField(_("link"), max_length=500)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("added by"),
    )  # fmt: skip
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("product document")
        verbose_name_plural = _("product documents")
        ordering = ["product", "id"]

    def __str__(self) -> str:
        return self.title
