"""Chinese names for the columns that were declared without one, without a migration.

A field declared without `verbose_name` is named after its attribute ("received at") and a
model without `Meta.verbose_name` after its class ("quota log"): plain English that no
catalogue translates, shown as is in the admin, its filters and its exports. `relabel`
gives them a translatable name at start-up. The migration state reads a field's original
arguments (`Field._verbose_name`) and a model's `Meta.original_attrs`, so a relabelled
column changes every page and no migration; a name that the model declares itself is
refused here (it belongs in the model, translated there).
"""

from __future__ import annotations

from django.apps import apps


def relabel(model, fields: dict | None = None, *, name=None, plural=None,
            third_party: bool = False) -> None:  # fmt: skip
    """Name `model` (`name`, `plural`) and its `fields` ({attribute: lazy label}).
    `third_party`: the model is not ours, and its own names may be replaced."""
    if isinstance(model, str):
        model = apps.get_model(model)
    opts = model._meta
    if name is not None:
        if not third_party and "verbose_name" in opts.original_attrs:
            raise ValueError(f"{opts.label} names itself: translate its Meta.verbose_name")
        opts.verbose_name = name
        opts.verbose_name_plural = plural or name
    for attribute, label in (fields or {}).items():
        field = opts.get_field(attribute)
        if not third_party and field._verbose_name is not None:
            raise ValueError(f"{opts.label}.{attribute} names itself: translate it there")
        field.verbose_name = label
