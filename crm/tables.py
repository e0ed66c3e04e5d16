"""The lists of the web pages, on django-tables2, over the apps' filter sets.

A table declares its columns (headers translated, cells formatted); what may be sorted
is not declared here but read from the filter set's `crm.filters.OrderingFilter`: a
column is sortable when its name is one of the orders (`sort_names` maps a column to an
order of another name), so the API's `?ordering=` and the web list's headers are the
same parameter, served by the same indexes. The rows are a page of the filtered,
ordered queryset (`crm.paging.page_with_total`); the table neither sorts nor counts.

Each person chooses the columns they see (`TablePreference`, per list `key`); the
columns in `required` are always shown and those in `hidden_by_default` until chosen.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import django_tables2 as tables
from django.forms.utils import flatatt
from django.middleware.csrf import get_token
from django.template.defaultfilters import linebreaksbr
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from .exports import access_field_label
from .models import TablePreference, Todo, person_name, staff_of
from .references import person_label
from .templatetags.crm_tags import due_badge, query_string

TABLES: dict[str, type[Table]] = {}
SORT_ICONS = {"ascending": "bi-sort-up", "descending": "bi-sort-down"}


class Table(tables.Table):
    key: ClassVar[str] = ""  # the list's name for the saved column choice
    required: ClassVar[tuple[str, ...]] = ()
    hidden_by_default: ClassVar[tuple[str, ...]] = ()
    sort_names: ClassVar[dict[str, str]] = {}  # column -> order, where the names differ
    descending_first: ClassVar[frozenset[str]] = frozenset()  # columns newest/biggest first

    class Meta:
        template_name = "crm/partials/table.html"
        orderable = False  # the filter set orders; the headers only link to ?ordering=
        attrs = {"class": "table table-hover align-middle mb-0 crm-table"}
        default = "—"
        empty_text = _("Nothing matches.")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.key:
            TABLES[cls.key] = cls

    def __init__(self, page, *, request, filterset=None, target: str = "", **kwargs):
        super().__init__(page.object_list, request=request, **kwargs)
        self.page_obj = page
        self.target = target
        self.orders: dict[str, Any] = {}
        self.current = ""
        if filterset is not None and "ordering" in filterset.filters:
            self.orders = filterset.filters["ordering"].orders
            if filterset.form.is_valid():
                chosen = filterset.form.cleaned_data.get("ordering") or []
                self.current = chosen[0] if chosen else ""
        self.shown = self.chosen_columns(request.user)
        for name in self.hideable():
            if name not in self.shown:
                self.columns.hide(name)

    @classmethod
    def column_names(cls) -> list[str]:
        return list(cls.base_columns)

    @classmethod
    def hideable(cls) -> list[str]:
        return [name for name in cls.base_columns if name not in cls.required]

    @classmethod
    def default_columns(cls) -> list[str]:
        return [name for name in cls.base_columns if name not in cls.hidden_by_default]

    @classmethod
    def clean_columns(cls, names) -> list[str]:
        """The valid names, in the table's order, required columns added; ValueError on
        a name the table does not have."""
        names = set(names)
        unknown = names - set(cls.base_columns)
        if unknown:
            raise ValueError(sorted(unknown))
        return [n for n in cls.base_columns if n in names or n in cls.required]

    def chosen_columns(self, user) -> list[str]:
        if not self.key or not getattr(user, "is_authenticated", False):
            return self.default_columns()
        saved = (
            TablePreference.objects.filter(user=user, table=self.key)
            .values_list("columns", flat=True)
            .first()
        )
        if saved is None:
            return self.default_columns()
        known = set(self.base_columns)  # a column since removed is dropped, not an error
        return self.clean_columns([n for n in saved if n in known])

    def body_html(self) -> str:
        """The rows as HTML: each column's `render_<name>` (or its accessor) called
        directly, the arguments it names found once per column instead of once per cell
        as django-tables2's rows do (that introspection was two thirds of a 25-row page's
        rendering), the cells joined here rather than in a template loop."""
        columns = []
        for column in self.columns:
            render = getattr(self, f"render_{column.name}", None)
            wants = set(inspect.signature(render).parameters) if render else set()
            columns.append((column, render, wants, f"<td {column.attrs['td'].as_html()}>"))
        row_attrs = [
            (name, fn, set(inspect.signature(fn).parameters) if callable(fn) else None)
            for name, fn in (self._meta.row_attrs or {}).items()
        ]
        rows = []
        for record in self.data:
            attrs = {}
            for name, fn, wants in row_attrs:
                if wants is None:
                    attrs[name] = fn
                else:
                    attrs[name] = fn(**{k: v for k, v in (("record", record), ("table", self))
                                        if k in wants})  # fmt: skip
            cells = [f"<tr{flatatt({k: v for k, v in attrs.items() if v})}>"]
            for column, render, wants, td in columns:
                value = column.accessor.resolve(record, quiet=True)
                if value in column.column.empty_values:
                    cell = self.default
                elif render is None:
                    cell = value
                else:
                    args = {"value": value, "record": record}
                    cell = render(**{k: v for k, v in args.items() if k in wants})
                cells += (td, conditional_escape(cell), "</td>")
            cells.append("</tr>\n  ")
            rows.append("".join(cells))
        if not rows:
            return format_html(
                '<tr><td colspan="{}" class="text-muted">{}</td></tr>\n  ',
                len(self.columns), self.empty_text,
            )  # fmt: skip
        return mark_safe("".join(rows))  # every cell escaped above

    def head_html(self) -> str:
        """The header cells, each sortable one a link to the order it switches to (HTMX
        reloads the table where the list has a `target`)."""
        cells = []
        for h in self.headers():
            column = h["column"]
            th = column.attrs.get("th", {}).get("class")
            css = f"text-nowrap {th}" if th else "text-nowrap"
            sort = f' aria-sort="{h["direction"]}"' if h["direction"] else ""
            if h["sort"] is None:
                cells.append(format_html('<th scope="col" class="{}"{}>{}</th>', css,
                                         mark_safe(sort), column.header))  # fmt: skip
                continue
            query = query_string(self.request.GET, ordering=h["sort"], page=None)
            htmx = ""
            if self.target:
                htmx = format_html(' hx-get="?{}" hx-target="{}" hx-push-url="true"', query,
                                   self.target)  # fmt: skip
            icon = SORT_ICONS.get(h["direction"], "bi-arrow-down-up text-muted")
            cells.append(format_html(
                '<th scope="col" class="{}"{}><a class="sort-link link-dark text-nowrap" '
                'href="?{}"{}>{} <i class="bi {}" aria-hidden="true"></i></a></th>',
                css, mark_safe(sort), query, htmx, column.header, icon,
            ))  # fmt: skip
        return mark_safe("".join(cells))

    def sort_name(self, column: str) -> str | None:
        name = self.sort_names.get(column, column)
        return name if name in self.orders else None

    def headers(self) -> list[dict[str, Any]]:
        """Each visible column with its sort link: the order it switches to and whether
        the list is sorted by it now."""
        cells = []
        for column in self.columns:
            name = self.sort_name(column.name)
            cell: dict[str, Any] = {"column": column, "sort": None, "direction": None}
            if name is not None:
                if self.current == name:
                    cell["direction"], cell["sort"] = "ascending", f"-{name}"
                elif self.current == f"-{name}":
                    cell["direction"], cell["sort"] = "descending", name
                else:
                    first_down = column.name in self.descending_first
                    cell["sort"] = f"-{name}" if first_down else name
            cells.append(cell)
        return cells

    def column_menu(self) -> list[dict[str, Any]]:
        """The columns a person may show or hide, with their headers."""
        hideable = set(self.hideable())
        return [
            {"name": column.name, "header": column.header, "shown": column.name in self.shown}
            for column in self.columns.iterall()
            if column.name in hideable
        ]


def local_minute(value) -> str:
    """A timestamp in a list: Shanghai time to the minute."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


# --- the kernel's lists -------------------------------------------------------------------


class TodoTable(Table):
    key = "todos"
    required = ("title", "actions")
    hidden_by_default = ("created_at",)
    descending_first = frozenset({"created_at"})

    title = tables.Column(verbose_name=_("Title"))
    assignee = tables.Column(verbose_name=_("Assignee"))
    due_at = tables.Column(verbose_name=_("Due at"), attrs={"td": {"class": "text-nowrap"}})
    created_at = tables.Column(verbose_name=_("Created at"), attrs={"td": {"class": "text-nowrap"}})
    status = tables.Column(verbose_name=_("Status"))
    actions = tables.Column(
        verbose_name="", empty_values=(), accessor="pk", attrs={"td": {"class": "text-end"}}
    )

    class Meta(Table.Meta):
        row_attrs = {"id": lambda record: f"todo-{record.pk}"}
        empty_text = _("No to-dos match.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        staff = staff_of(self.request.user)
        self.can_complete = staff is not None and not staff.is_read_only
        self.csrf = get_token(self.request)

    def render_title(self, record):
        return format_html('<a href="{}">{}</a>', record.get_absolute_url(), record.title)

    def render_assignee(self, value):
        return person_name(value)

    def render_due_at(self, record):
        if record.status == Todo.Status.OPEN:
            return due_badge(record.due_at)
        return local_minute(record.due_at)

    def render_created_at(self, value):
        return local_minute(value)

    def render_status(self, record):
        return record.get_status_display()

    def render_actions(self, record):
        if record.status != Todo.Status.OPEN or not self.can_complete:
            return ""
        url = reverse("crm:todo-action", args=[record.pk, "complete"])
        return format_html(
            '<form method="post" action="{url}" hx-post="{url}" hx-target="#todo-{pk}" '
            'hx-swap="outerHTML"><input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
            '<button class="btn btn-sm btn-outline-success text-nowrap">{label}</button></form>',
            url=url, pk=record.pk, csrf=self.csrf, label=_("Done"),
        )  # fmt: skip


class AccessLogTable(Table):
    """The access log (crm:access-log): who saw or exported what, newest first; a person
    or a record links to the log filtered by them."""

    key = "access-log"
    required = ("occurred_at", "user")
    descending_first = frozenset({"occurred_at"})

    occurred_at = tables.Column(verbose_name=_("When"), attrs={"td": {"class": "text-nowrap"}})
    user = tables.Column(verbose_name=_("User"))
    action = tables.Column(verbose_name=_("Action"))
    record = tables.Column(verbose_name=_("Record"), accessor="object_repr", empty_values=())
    field = tables.Column(verbose_name=_("Field"), empty_values=())
    ip_address = tables.Column(verbose_name=_("IP address"))

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle mb-0 crm-table"}
        row_attrs = {"id": lambda record: f"entry-{record.pk}"}
        empty_text = _("No entries.")

    def link(self, **changes) -> str:
        """This list's query string with some filters changed, back on its first page."""
        params = self.request.GET.copy()
        for name in ("page", "export"):
            params.pop(name, None)
        for name, value in changes.items():
            params[name] = value
        return f"?{params.urlencode()}"

    def render_occurred_at(self, value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")

    def render_user(self, value):
        return format_html('<a href="{}">{}</a>', self.link(user=value.username),
                           person_label(value))  # fmt: skip

    def render_action(self, record):
        return record.get_action_display()

    def render_record(self, record):
        if record.content_type is None:
            return record.object_repr
        content_type = record.content_type
        kind = f"{content_type.app_label}.{content_type.model}"
        return format_html(
            '<a href="{}">{}: {}</a>',
            self.link(object_type=kind, object_id=str(record.object_id)),
            content_type.name, record.object_repr,
        )  # fmt: skip

    def render_field(self, record):
        return access_field_label(record) or "—"


class ExportRequestTable(Table):
    """The unmasked export requests (crm:exports), as crm.views.export_requests prepares
    them: each with its export's name, its filters in words and what this person may do."""

    key = "exports"
    required = ("number", "actions")
    descending_first = frozenset({"requested_at"})

    number = tables.Column(verbose_name="#", accessor="pk")
    requested_at = tables.Column(
        verbose_name=_("Requested at"), attrs={"td": {"class": "text-nowrap"}}
    )
    requested_by = tables.Column(verbose_name=_("Requested by"))
    kind = tables.Column(verbose_name=_("Export"), accessor="kind_label")
    filters = tables.Column(
        verbose_name=_("Filters"), accessor="filters_text", empty_values=(),
        attrs={"td": {"class": "small"}},
    )  # fmt: skip
    reason = tables.Column(verbose_name=_("Reason"))
    status = tables.Column(verbose_name=_("Status"))
    actions = tables.Column(
        verbose_name="", accessor="pk", empty_values=(), attrs={"td": {"class": "text-nowrap"}}
    )

    class Meta(Table.Meta):
        attrs = {"class": "table table-sm table-hover align-middle mb-0 crm-table"}
        row_attrs = {"id": lambda record: f"export-{record.pk}"}
        empty_text = _("No requests.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.csrf = get_token(self.request)
        self.status_cell = get_template("crm/partials/export_status.html")
        self.actions_cell = get_template("crm/partials/export_actions.html")

    def render_requested_at(self, value):
        return local_minute(value)

    def render_requested_by(self, value):
        return person_name(value)

    def render_filters(self, value):
        return value or _("none (the whole list)")

    def render_reason(self, value):
        return linebreaksbr(value)

    def render_status(self, record):
        return self.status_cell.render({"r": record})  # safe: the template escapes

    def render_actions(self, record):
        return self.actions_cell.render({"r": record, "csrf_token": self.csrf})  # {% csrf_token %}
