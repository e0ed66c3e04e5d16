"""To-do pages: list, detail, create, edit, complete and cancel."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from ..filters import TodoFilterSet
from ..forms import TodoForm, add_service_errors, success_link
from ..models import Todo
from ..once import submit_once
from ..paging import page_with_total
from ..redirects import next_url
from ..services.errors import TransitionNotAllowed
from ..services.todos import todo_cancel, todo_complete, todo_create, todo_update
from ..tables import TodoTable
from .base import StaffRequiredMixin


class TodoListView(StaffRequiredMixin, View):
    def get(self, request):
        qs = Todo.objects.visible_to(request.user).select_related("assignee", "branch")
        data = request.GET.copy()
        if "status" not in data:
            data["status"] = Todo.Status.OPEN
        filterset = TodoFilterSet(data, queryset=qs)
        page = page_with_total(request, filterset.qs)
        table = TodoTable(page, request=request, filterset=filterset, target="#todo-table")
        template = "crm/partials/table.html" if request.htmx else "crm/todo_list.html"
        return render(request, template, {"table": table, "page": page, "filter": filterset})


class TodoDetailView(StaffRequiredMixin, View):
    def get(self, request, pk):
        todo = get_object_or_404(
            Todo.objects.visible_to(request.user).select_related(
                "assignee", "created_by", "branch", "policy"
            ),
            pk=pk,
        )
        return render(request, "crm/todo_detail.html", {"todo": todo})


class TodoCreateView(StaffRequiredMixin, View):
    def get(self, request):
        if self.staff.is_read_only:
            raise PermissionDenied(_("Your role may not create to-dos."))
        return render(request, "crm/todo_form.html", {"form": TodoForm(user=request.user)})

    @submit_once
    def post(self, request):
        form = TodoForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                todo = todo_create(
                    created_by=request.user,
                    assignee=data.get("assignee") or request.user,
                    title=data["title"],
                    description=data["description"],
                    due_at=data["due_at"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                success_link(request, _("To-do %(obj)s created."), todo, todo.title)
                return redirect(todo)
        return render(request, "crm/todo_form.html", {"form": form}, status=400)


class TodoEditView(StaffRequiredMixin, View):
    def get_todo(self, pk):
        return get_object_or_404(Todo.objects.visible_to(self.request.user), pk=pk)

    def get(self, request, pk):
        todo = self.get_todo(pk)
        form = TodoForm(
            user=request.user,
            editing=True,
            initial={
                "title": todo.title,
                "description": todo.description,
                "due_at": timezone.localtime(todo.due_at),
            },
        )
        return render(request, "crm/todo_form.html", {"form": form, "todo": todo})

    def post(self, request, pk):
        todo = self.get_todo(pk)
        form = TodoForm(request.POST, user=request.user, editing=True)
        if form.is_valid():
            try:
                todo_update(user=request.user, todo=todo, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            except TransitionNotAllowed as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("To-do saved."))
                return redirect(todo)
        return render(request, "crm/todo_form.html", {"form": form, "todo": todo}, status=400)


class TodoActionView(StaffRequiredMixin, View):
    actions = {"complete": todo_complete, "cancel": todo_cancel}

    def post(self, request, pk, action):
        todo = get_object_or_404(Todo.objects.visible_to(request.user), pk=pk)
        try:
            self.actions[action](user=request.user, todo=todo)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            status = 409
        else:
            messages.success(request, _("To-do updated."))
            status = 200
        if request.htmx:
            todo.refresh_from_db()
            return render(request, "crm/partials/todo_row.html", {"todo": todo}, status=status)
        return redirect(next_url(request, todo.get_absolute_url()))
