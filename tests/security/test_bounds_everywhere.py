"""The class of findings 1 and 11 of issue #14: every date, time and number a user types,
in every web form, filter set, API filter and query parameter of the project, found by
discovery (tests/security/project_code.py), is bounded by crm.bounds: the years
1901-2999 with a clear Chinese message, integers what their column holds; nothing
answers 500."""

from __future__ import annotations

import inspect
from dataclasses import replace

import pytest
from django import forms
from django.test import RequestFactory
from django.utils.translation import override
from django_filters import rest_framework as drf_filters

from crm.api.filters import DjangoFilterBackend
from crm.bounds import INTEGER_MAX, INTEGER_MIN
from crm.filters import BoundedFiltersMixin
from crm.forms import BoundedFieldsMixin
from tests.roles import STAFF_ROLES

from .access_table import TABLE
from .discover import walk
from .project_code import filterset_classes, form_classes, query_parameters, serializer_classes
from .test_access_matrix import _no_worker_and_one_schema, is_api, run, url_kwargs  # noqa: F401

OUT_OF_RANGE_ZH = "请输入 1901 年至 2999 年之间的日期。"
TOO_BIG_ZH, TOO_SMALL_ZH = "确保该值小于或等于", "确保该值大于或等于"
BAD_DATES = {forms.DateTimeField: ["0001-01-01T00:00", "9999-12-31T23:59", "0001-01-01 00:00"],
             forms.DateField: ["0001-01-01", "9999-12-31"]}  # fmt: skip
# kinds of field crm.bounds does not bound: a form must not use one until it does
UNBOUNDED_KINDS = (forms.TimeField, forms.DurationField, forms.SplitDateTimeField)


def test_the_discovery_finds_the_forms_and_filter_sets():
    names = {c.__name__ for c in form_classes()}
    assert {"IntakeForm", "EventForm", "TodoForm", "ClientForm", "PolicyForm"} <= names
    assert len(names) >= 35
    assert {c.__name__ for c in filterset_classes()} >= {"ComplaintFilterSet", "AccessLogFilterSet"}


@pytest.mark.parametrize("form_class", form_classes(), ids=lambda c: c.__name__)
def test_every_form_derives_from_the_bounded_base(form_class):
    assert issubclass(form_class, BoundedFieldsMixin), (
        f"{form_class.__module__}.{form_class.__name__}: derive from crm.forms.BoundedForm "
        "or BoundedModelForm"
    )


def build_form(form_class, org, data):
    """The form as its view builds it: keyword arguments by name, the rest left out."""
    kwargs = {}
    for name, param in inspect.signature(form_class.__init__).parameters.items():
        if name == "user":
            kwargs["user"] = org.bm
        elif param.kind == param.KEYWORD_ONLY and param.default is param.empty:
            pytest.fail(f"{form_class.__name__}: add how to build its argument {name!r}")
    return form_class(data, **kwargs)


def bounded_fields(form):
    for name, field in form.fields.items():
        assert not isinstance(field, UNBOUNDED_KINDS), f"{name}: bound this kind in crm.bounds"
        if isinstance(field, forms.DateTimeField):
            yield name, field, BAD_DATES[forms.DateTimeField]
        elif isinstance(field, forms.DateField):
            yield name, field, BAD_DATES[forms.DateField]
        elif isinstance(field, forms.DecimalField):  # (a subclass of IntegerField)
            yield name, field, ["9" * 40, "-" + "9" * 40, "1e400"]
        elif isinstance(field, forms.IntegerField):  # FloatField included
            yield name, field, [str(INTEGER_MAX + 1), str(INTEGER_MIN - 1), "9" * 40]


@pytest.mark.parametrize("form_class", form_classes(), ids=lambda c: c.__name__)
def test_every_date_and_number_of_every_form_is_bounded(form_class, org):
    """Each date or time field refuses the years 1 and 9999 with the Chinese message;
    each number refuses what no integer column holds."""
    problems = []
    with override("zh-hans"):
        for name, field, values in bounded_fields(build_form(form_class, org, None)):
            for value in values:
                form = build_form(form_class, org, {name: value})
                form.is_valid()
                errors = " ".join(form.errors.get(name, []))
                if isinstance(field, forms.DateField | forms.DateTimeField):
                    ok = OUT_OF_RANGE_ZH in errors
                else:
                    ok = bool(errors)
                if not ok:
                    problems.append(f"{name}={value!r}: {errors or 'accepted'}")
    assert not problems, f"{form_class.__name__}\n" + "\n".join(problems)


def test_an_integer_field_keeps_a_narrower_bound_and_says_it_in_chinese(org):
    from visits.forms import EventForm

    with override("zh-hans"):
        form = EventForm({"capacity": str(INTEGER_MAX + 1)})
        assert not form.is_valid() and TOO_BIG_ZH in form.errors["capacity"][0]
        assert "100000" in form.errors["capacity"][0]  # the business's bound, not the column's
        form = EventForm({"capacity": "0"})
        assert not form.is_valid() and TOO_SMALL_ZH in form.errors["capacity"][0]


# --- Filter sets --------------------------------------------------------------------------
BAD_FILTER_VALUES = ["0001-01-01", "9999-12-31", "9999-12-31T23:59:59+08:00",
                     "0001-01-01T00:00:00+14:00", str(INTEGER_MAX + 1), "-" + "9" * 30,
                     "1e400"]  # fmt: skip


def build_filterset(filterset_class, org, data):
    kwargs = {}
    params = inspect.signature(filterset_class.__init__).parameters
    if "user" in params:
        kwargs["user"] = org.bm
    request = RequestFactory().get("/")
    request.user = org.bm
    queryset = filterset_class._meta.model._default_manager.all()
    return filterset_class(data, queryset=queryset, request=request, **kwargs)


@pytest.mark.parametrize("filterset_class", filterset_classes(), ids=lambda c: c.__name__)
def test_every_filter_refuses_out_of_range_input_without_an_error(filterset_class, org):
    """A date out of range is a form error (the web list ignores it, the API answers
    400); whatever the value, the query runs."""
    assert issubclass(filterset_class, BoundedFiltersMixin)
    problems = []
    for name in build_filterset(filterset_class, org, {}).form.fields:
        for value in BAD_FILTER_VALUES:
            filterset = build_filterset(filterset_class, org, {name: value})
            field = filterset.form.fields[name]
            try:
                list(filterset.qs[:3])
            except Exception as exc:
                problems.append(f"{name}={value!r}: {type(exc).__name__}: {exc}")
                continue
            if isinstance(field, forms.DateField | forms.DateTimeField) and value[:4] in (
                "0001", "9999",
            ) and name not in filterset.errors:  # fmt: skip
                problems.append(f"{name}={value!r}: accepted")
    assert not problems, f"{filterset_class.__name__}\n" + "\n".join(problems)


def api_viewsets():
    seen = {}
    for pattern, _route, _namespace, _regex in walk():
        cls = getattr(pattern.callback, "cls", None)
        if cls is not None and hasattr(cls, "filter_backends"):
            seen[cls.__name__] = cls
    return [seen[name] for name in sorted(seen)]


@pytest.mark.parametrize("view", api_viewsets(), ids=lambda c: c.__name__)
def test_every_api_filter_set_is_bounded(view):
    """The API's filter sets, declared or built from `filterset_fields`, are bounded."""
    assert drf_filters.DjangoFilterBackend not in view.filter_backends
    backends = [b for b in view.filter_backends if issubclass(b, drf_filters.DjangoFilterBackend)]
    if not (getattr(view, "filterset_class", None) or getattr(view, "filterset_fields", None)):
        return
    assert backends == [DjangoFilterBackend]
    model = getattr(view, "queryset", None)
    model = model.model if model is not None else view.serializer_class.Meta.model
    filterset = DjangoFilterBackend().get_filterset_class(view(), model._default_manager.all())
    assert issubclass(filterset, BoundedFiltersMixin)


# --- Query parameters read by hand ------------------------------------------------------
def test_the_discovery_finds_the_query_parameters():
    assert {"week", "day", "from", "to", "year", "page"} <= set(query_parameters())


GET_CASES = [
    pytest.param(name, case, id=f"{name} {case.variant}")
    for name, cases in TABLE.items()
    for case in cases
    if case.method == "get" and not name.startswith("admin")
]
BAD_QUERY_VALUES = ["0001-01-01", "9999-12-31", str(INTEGER_MAX + 1), "-" + "9" * 30]


def suitable_role(case) -> str | None:
    """A staff role the case serves (a 200), as near the branch's work as possible."""
    order = ["branch_manager", "hq", *STAFF_ROLES]
    return next((r for r in order if case.expect.get(r) == 200), None)


@pytest.mark.parametrize(("name", "case"), GET_CASES)
def test_every_page_survives_out_of_range_query_parameters(world, db, name, case):
    """Every page and API read with every parameter the views read by hand (and every
    filter name, which these include) set to a year 1 or 9999 date or a huge number."""
    role = suitable_role(case)
    if role is None:
        pytest.skip("no staff role reads it")
    kwargs = url_kwargs(case.obj, world.obj(case.obj, role)) if case.obj else {}
    names = set(query_parameters()) | {"since", "until", "received_after", "received_before",
                                       "opened_after", "opened_before", "due_before",
                                       "due_after", "severity", "client", "churn_min"}  # fmt: skip
    problems = []
    for value in BAD_QUERY_VALUES:
        bad = replace(case, query={**case.query, **dict.fromkeys(sorted(names), value)})
        status, response = run(world, role, name, bad, kwargs)
        if response.status_code >= 500:
            problems.append(f"{value}: {response.status_code} {response.content[:200]!r}")
        elif is_api(name) and status not in (200, 400, 404):
            problems.append(f"{value}: {status}")
    assert not problems, f"{name} as {role}\n" + "\n".join(problems)


# --- API serializers ----------------------------------------------------------------------
def writable_fields(serializer, path=""):
    from rest_framework import serializers

    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        if isinstance(field, serializers.ListSerializer):
            field = field.child
        if isinstance(field, serializers.BaseSerializer):
            yield from writable_fields(field, f"{path}{name}.")
        else:
            yield f"{path}{name}", field


# serializers that only describe a response (never read from a request body)
RESPONSE_ONLY = {"BulkResultSerializer", "BulkRowErrorSerializer", "TimelineEntrySerializer"}
SERIALIZERS = [
    c for c in serializer_classes()
    if c.__name__ not in RESPONSE_ONLY and (hasattr(c, "Meta") or "Model" not in c.__name__)
]  # fmt: skip


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda c: c.__name__)
def test_every_writable_date_and_integer_of_every_serializer_is_bounded(serializer_class, org):
    """Dates and times are crm.api.fields' (1901-2999), integers have a maximum."""
    from rest_framework import serializers

    from crm.api import fields

    request = RequestFactory().get("/")
    request.user = org.bm
    try:
        serializer = serializer_class(context={"request": request})
    except TypeError:  # a list serializer or one that needs more to be built
        pytest.skip("built by its view only")
    problems = []
    for name, field in writable_fields(serializer):
        if isinstance(field, serializers.DateTimeField):
            if not isinstance(field, fields.DateTimeField):
                problems.append(f"{name}: use crm.api.fields.DateTimeField")
        elif isinstance(field, serializers.DateField):
            if not isinstance(field, fields.DateField):
                problems.append(f"{name}: use crm.api.fields.DateField")
        elif isinstance(field, serializers.IntegerField | serializers.FloatField):
            if field.max_value is None or field.min_value is None:
                problems.append(f"{name}: give it a range (crm.api.fields.IntegerField)")
        elif isinstance(field, serializers.DecimalField) and field.max_digits is None:
            problems.append(f"{name}: give it max_digits")
    assert not problems, f"{serializer_class.__name__}\n" + "\n".join(problems)
