"""`get_<field>_display()` (crm.choices): Django's result, one translation per call."""

from unittest import mock

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import translation

from complaints.models import Complaint
from crm.choices import speed_up_displays


def _fields_with_fixed_choices():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.choices and isinstance(field.choices, (list, tuple)):
                yield model, field


def test_every_display_equals_djangos_for_every_choice_and_an_unknown_value():
    checked = 0
    with translation.override("zh-hans"):
        for model, field in _fields_with_fixed_choices():
            values = [value for value, _label in field.flatchoices] + ["no such value", None]
            for value in values:
                record = model()
                try:
                    setattr(record, field.attname, value)
                except ValidationError:  # a field that checks what it is given (time zones)
                    continue
                fast = getattr(record, f"get_{field.name}_display")()
                assert fast == Model._get_FIELD_display(record, field), (model, field, value)
                checked += 1
    assert checked > 200


def test_a_display_translates_one_label_not_every_choice():
    complaint = Complaint(status="investigating")
    assert len(Complaint._meta.get_field("status").flatchoices) > 3
    with translation.override("zh-hans"):
        complaint.get_status_display()  # the labels are built once
        with mock.patch.object(
            translation._trans, "gettext", wraps=translation._trans.gettext
        ) as gettext:
            label = complaint.get_status_display()
    assert gettext.call_count == 1
    assert label == Model._get_FIELD_display(complaint, Complaint._meta.get_field("status"))
    assert label != "investigating"  # translated


def test_running_it_again_replaces_nothing_more():
    assert speed_up_displays() == 0


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_label_follows_the_active_language(language):
    complaint = Complaint(status="investigating")
    with translation.override(language):
        assert complaint.get_status_display() == Model._get_FIELD_display(
            complaint, Complaint._meta.get_field("status")
        )
