"""Every web form reports all its field errors in one round (issue #16 item 11).

For every POST of the access table to a web form (tests/security/test_fuzz_forms.py
finds them), as a role the form is meant for, on an object in its scope: a first POST of
blank values shows which form the page binds (the forms in the response's context); a
second POST fills every field of that form with a value it must refuse - text for a
number, a date, a choice or a picked record, blank for a required text - and keeps the
hidden fields (version, tokens) as the page had them. That one response must carry a
message for every such field: no clean() that stops at the first problem, no error that
shows only once the others are fixed. Each request is rolled back.
"""

from __future__ import annotations

import re

import pytest
from django import forms
from django.test.utils import ContextList
from django.urls import reverse

from crm.uploads import UploadField

from .test_access_matrix import url_kwargs
from .test_fuzz_forms import POST_FORMS, post_as, suitable_role

BAD = "不是有效值"
TYPED = (forms.IntegerField, forms.DecimalField, forms.FloatField, forms.DateField,
         forms.DateTimeField, forms.TimeField, forms.ChoiceField, forms.ModelChoiceField,
         forms.EmailField, forms.MultipleChoiceField)  # fmt: skip
CHECKED = {"forms": 0}
KEPT = re.compile(r"(^|-)(action|version|form_token|next|kind|query|TOTAL_FORMS|INITIAL_FORMS)$")


def bound_forms(response) -> list[forms.BaseForm]:
    """The bound forms the page shows again (formsets' forms included)."""
    found, seen = [], set()
    contexts = response.context
    if contexts is None:
        contexts = []
    elif not isinstance(contexts, ContextList):  # one template rendered: one Context
        contexts = [contexts]
    for context in contexts:
        for value in context.flatten().values():
            values = value.values() if isinstance(value, dict) else [value]
            for item in values:
                candidates = list(item) if isinstance(item, forms.BaseFormSet) else [item]
                for f in candidates:
                    if isinstance(f, forms.BaseForm) and f.is_bound and id(f) not in seen:
                        seen.add(id(f))
                        found.append(f)
    return found


def refused_value(field: forms.Field) -> str | None:
    """A value `field` must refuse, or None when no value is sure to be refused."""
    if isinstance(field, (forms.BooleanField, forms.FileField, UploadField)):
        return None
    if isinstance(field.widget, forms.HiddenInput):
        return None
    if isinstance(field, TYPED) or hasattr(field, "picked"):
        return BAD
    if isinstance(field, forms.CharField) and field.required:
        return ""
    return None


@pytest.mark.parametrize(("name", "case"), POST_FORMS)
def test_a_form_reports_every_field_error_in_one_response(world, db, name, case):
    role = suitable_role(case)
    kwargs = url_kwargs(case.obj, world.obj(case.obj, role)) if case.obj else {}
    url = reverse(name, kwargs={**kwargs, **case.kwargs} or None)
    valid = (case.body(world, role) if callable(case.body) else case.body) or {}
    first = post_as(world, role, url, {k: v if KEPT.search(k) else "" for k, v in valid.items()})
    shown = [f for f in bound_forms(first) if f.fields]
    if first.status_code != 400 or not shown:
        pytest.skip(f"{name}: no form shown again ({first.status_code})")
    body = dict(valid)
    wanted = set()
    for form in shown:
        for field_name, field in form.fields.items():
            key = form.add_prefix(field_name)
            value = refused_value(field)
            if value is None:
                continue
            body[key] = value
            wanted.add((form.prefix, field_name))
    if not wanted:
        pytest.skip(f"{name}: no field that a value is sure to fail")
    second = post_as(world, role, url, body)
    assert second.status_code == 400, (name, second.status_code)
    got = {(f.prefix, n) for f in bound_forms(second) for n in f.errors if n != "__all__"}
    missing = sorted(f"{p + '-' if p else ''}{n}" for p, n in wanted - got)
    assert not missing, f"{name} as {role}: no message in the same round for {missing}"
    CHECKED["forms"] += 1
