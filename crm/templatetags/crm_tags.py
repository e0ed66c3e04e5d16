from datetime import timedelta

from django import forms, template
from django.forms.utils import flatatt
from django.forms.widgets import Input
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm import badges, formats
from crm.exports import access_field_label

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination links);
    a parameter given as None is removed."""
    return query_string(context["request"].GET, **changes)


def query_string(query, **changes) -> str:
    """`query` (a QueryDict) with some parameters replaced, None removing one."""
    params = query.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.filter
def person(user) -> str:
    """`{{ user|person }}`: the name in Chinese order, or the username."""
    from crm.models import person_name

    return person_name(user)


@register.filter
def person_role(user) -> str:
    """`{{ user|person_role }}`: name, role and branch (王伟 · 客户经理 · 北京营业部), for a
    page that names people of several roles (select `staff__branch` with the user)."""
    from crm.references import person_label

    return person_label(user) if user is not None else ""


@register.simple_tag
def due_badge(due_at, warn_hours: int = 24):
    """A deadline with the SLA colours: red when overdue, amber when close."""
    if due_at is None:
        return ""
    now = timezone.now()
    local = timezone.localtime(due_at).strftime("%m-%d %H:%M")
    if due_at < now:
        return format_html(
            '<span class="badge text-bg-danger" title="{}">{} {}</span>',
            _("Overdue"),
            _("Overdue"),
            local,
        )
    if due_at - now < timedelta(hours=warn_hours):
        return format_html(
            '<span class="badge text-bg-warning" title="{}">{}</span>', _("Due soon"), local
        )
    return format_html('<span class="badge text-bg-light">{}</span>', local)


def _bootstrap_class(field, size: str) -> str:
    widget = field.field.widget
    input_type = getattr(widget, "input_type", None)
    if input_type == "checkbox":
        css = "form-check-input"
    elif input_type == "select" or widget.__class__.__name__.endswith("Select"):
        css = "form-select"
    else:
        css = "form-control"
    if size and css != "form-check-input":
        css += f" {css}-{size}"
    if field.errors:
        css += " is-invalid"
    return f"{css} {widget.attrs.get('class', '')}".strip()


@register.filter
def bs(field, size: str = ""):
    """Render a form field with Bootstrap classes (form-select for choices, form-control
    otherwise; `is-invalid` when it has errors). Radio buttons and check-box lists are
    one inline Bootstrap check per option."""
    if isinstance(field.field.widget, forms.RadioSelect):  # CheckboxSelectMultiple too
        return _inline_checks(field)
    return field.as_widget(attrs={"class": _bootstrap_class(field, size)})


def _inline_checks(field):
    invalid = " is-invalid" if field.errors else ""
    options = format_html_join(
        "",
        '<div class="form-check form-check-inline"><input class="form-check-input{}" '
        'type="{}" name="{}" value="{}" id="{}"{}><label class="form-check-label" '
        'for="{}">{}</label></div>',
        (
            (invalid, option.data["type"], option.data["name"], option.data["value"],
             option.id_for_label, " checked" if option.data["selected"] else "",
             option.id_for_label, option.choice_label)
            for option in field.subwidgets
        ),
    )  # fmt: skip
    return format_html('<div id="{}" class="d-flex flex-wrap">{}</div>', field.auto_id, options)


def _choices(form_field, widget) -> list:
    """A field's choices; model choices from one plain query (ModelChoiceIterator counts,
    then reads through a server-side cursor: three round trips instead of one)."""
    if isinstance(form_field, forms.ModelChoiceField):
        empty = [] if form_field.empty_label is None else [("", form_field.empty_label)]
        if hasattr(form_field, "plain_choices"):  # people (crm.references)
            return empty + form_field.plain_choices()
        return empty + [
            (form_field.prepare_value(obj), form_field.label_from_instance(obj))
            for obj in form_field.queryset
        ]
    return [*getattr(form_field, "choices", widget.choices)]


@register.filter
def filter_widget(field, size: str = "sm"):
    """A filter bar field as `bs` renders it, built directly instead of through Django's
    widget templates (one template render per option made the filter bar most of a list
    page's time). Selects and plain inputs only; anything else goes through `bs`."""
    widget = field.field.widget
    if isinstance(widget, (forms.SelectMultiple, forms.CheckboxInput)) or not isinstance(
        widget, (forms.Select, Input)
    ):
        return bs(field, size)
    name = field.html_name
    data = field.form.data
    raw = data.getlist(name) if hasattr(data, "getlist") else [data.get(name)]
    selected = {str(v) for v in raw if v is not None}
    attrs = {**widget.attrs, "name": name, "id": field.auto_id,
             "class": _bootstrap_class(field, size)}  # fmt: skip
    if isinstance(widget, forms.Select):
        choices = _choices(field.field, widget)
        if any(isinstance(label, (list, tuple)) for _value, label in choices):
            return bs(field, size)  # grouped choices
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((str(v), " selected" if str(v) in selected else "", label) for v, label in choices),
        )
        return format_html("<select{}>{}</select>", flatatt(attrs), options)
    attrs["type"] = widget.attrs.get("type", widget.input_type)
    if selected:
        attrs["value"] = next(iter(selected))
    return format_html("<input{}>", flatatt(attrs))


register.filter("access_field", access_field_label)
register.filter("yuan", formats.yuan)
register.filter("yuan_short", formats.yuan_short)
register.filter("number", formats.number)
register.filter("percent", formats.percent)
register.filter("points", formats.points)
register.filter("duration", formats.duration)


FILTER_TOGGLE = (
    '<button class="btn btn-outline-secondary btn-sm d-md-none mb-2 filter-toggle" '
    'type="button" data-bs-toggle="collapse" data-bs-target="#filter-bar" '
    'aria-expanded="false" aria-controls="filter-bar"><i class="bi bi-funnel" '
    'aria-hidden="true"></i> {}</button>'
)


@register.simple_tag(takes_context=True)
def filter_bar(context, filterset, target: str = ""):
    """A list's filter bar: one control per filter (a drop-down of check boxes for a
    multiple choice), collapsed behind a button on a phone; with `target`, HTMX reloads
    that part of the page as a filter changes. Built here rather than in a template (the
    template made up a fifth of a list page's time)."""
    form = filterset.form
    controls, hidden = [], []
    for field in form:
        if field.is_hidden:
            if field.value():
                hidden.append(str(field))
        elif field.name != "ordering":
            controls.append(_filter_control(field))
    ordering = context["request"].GET.get("ordering")
    if ordering:
        hidden.append(format_html('<input type="hidden" name="ordering" value="{}">', ordering))
    htmx = ""
    if target:
        htmx = format_html(
            ' hx-get="" hx-target="{}" hx-trigger="input changed delay:400ms, change" '
            'hx-push-url="true"', target
        )  # fmt: skip
    label = _("Filter")
    return format_html(
        FILTER_TOGGLE + '\n<form method="get" id="filter-bar" class="collapse d-md-flex row '
        'g-2 align-items-end filter-bar mb-3"{}>{}{}<div class="col-auto"><button '
        'class="btn btn-sm btn-outline-primary text-nowrap" type="submit"><i '
        'class="bi bi-funnel"></i> {}</button></div>\n</form>',
        label, htmx, mark_safe("".join(controls)), mark_safe("".join(hidden)), label,
    )  # fmt: skip


def _filter_control(field) -> str:
    widget = field.field.widget
    if not (widget.input_type == "checkbox" and widget.allow_multiple_selected):
        return format_html(
            '<div class="col-6 col-md-auto"><label class="form-label small mb-0" '
            'for="{}">{}</label>{}</div>',
            field.id_for_label, field.label, filter_widget(field, "sm"),
        )  # fmt: skip
    chosen = len(field.value() or ())
    summary = (
        ngettext("%(n)s chosen", "%(n)s chosen", chosen) % {"n": chosen} if chosen else _("All")
    )
    checks = format_html_join(
        "",
        '<div class="form-check text-nowrap"><input type="{}" name="{}" value="{}"{}>'
        '<label class="form-check-label" for="{}">{}</label></div>',
        (
            (option["type"], option["name"], option["value"], flatatt(option["attrs"]),
             option["attrs"]["id"], option["label"])
            for option in (sub.data for sub in field.subwidgets)
        ),
    )  # fmt: skip
    return format_html(
        '<div class="col-6 col-md-auto"><span class="form-label small mb-0 d-block">{}</span>'
        '<div class="dropdown"><button class="btn btn-sm btn-outline-secondary '
        'dropdown-toggle w-100 text-start text-nowrap" type="button" '
        'data-bs-toggle="dropdown" data-bs-auto-close="outside" aria-expanded="false" '
        'id="{}-menu">{}</button><div class="dropdown-menu p-2 check-menu" '
        'aria-labelledby="{}-menu">{}</div></div></div>',
        field.label, field.auto_id, summary, field.auto_id, checks,
    )  # fmt: skip


@register.simple_tag
def sla_badge(due, done=None, met=None, now=None):
    """A clock's badge: met or breached once done, else overdue by or time left."""
    return badges.sla_badge(due, done, met, now)


@register.filter
def measure_value(value, unit: str = "") -> str:
    """A measure's value with its unit: 92.5%, 1,234, ¥78.46万, 3.2 (days or score)."""
    if value is None:
        return formats.MISSING
    if unit == "percent":
        return formats.percent(value)
    if unit == "count":
        return formats.number(value)
    if unit == "yuan":
        return formats.yuan_short(value)
    return formats.number(value, 1)


@register.filter
def with_units(line, breakdown) -> list[tuple]:
    """A breakdown line's values (after its category) each with its column's unit."""
    units = list(breakdown.units)
    return [(v, units[i] if i < len(units) else "") for i, v in enumerate(line[1:])]


@register.filter
def measure_change(value, unit: str = "") -> str:
    """The change of a measure against the previous period, signed: rates in percentage
    points (+1.2 个百分点), counts and money as a difference (+1,234, -¥3.20万)."""
    if value is None:
        return formats.MISSING
    if unit == "percent":
        return formats.points(value)
    sign = "+" if value > 0 else ""
    return sign + measure_value(value, unit)


@register.simple_tag
def drill_url(measure, filters) -> str:
    return measure.drill(filters) if measure.drill else ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.simple_tag
def form_token():
    """A create form's one-time token (crm.once.submit_once)."""
    from crm.once import FIELD, new_token

    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())


@register.simple_tag(takes_context=True)
def record_actions(context, kind, obj):
    """`{% record_actions "complaint" complaint %}`: the buttons other apps offer on this
    record's page for the user's role (crm.record_actions), as small outline links."""
    from crm.record_actions import record_actions_for

    request = context.get("request")
    if request is None or obj is None:
        return ""
    actions = record_actions_for(request.user, kind, obj)
    return format_html_join(
        "",
        '<a class="btn btn-sm btn-outline-danger" id="record-action-{}" href="{}">'
        '<i class="bi {}"></i> {}</a>',
        ((a.key, url, a.icon, a.label) for a, url in actions),
    )
