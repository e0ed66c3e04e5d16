from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination links);
    a parameter given as None is removed."""
    params = context["request"].GET.copy()
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


@register.filter
def bs(field, size: str = ""):
    """Render a form field with Bootstrap classes (form-select for choices, form-control
    otherwise; `is-invalid` when it has errors)."""
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
    existing = widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{css} {existing}".strip()})


@register.filter
def measure_value(value, unit: str = "") -> str:
    """A measure's value with its unit: 92.5%, 1,234, 3.2 (days or score)."""
    if value is None:
        return "—"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit in ("count", "yuan"):
        return f"{value:,.0f}"
    return f"{value:.1f}"


@register.simple_tag
def drill_url(measure, filters) -> str:
    return measure.drill(filters) if measure.drill else ""


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None
