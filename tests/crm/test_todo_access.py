from datetime import timedelta

from django.utils import timezone

from crm.models import Todo
from tests.access import ApiAccessCase, WebAccessCase

EVERYONE_READS = {"list": 200, "detail": 200}
FULL_API = {**EVERYONE_READS, "create": 201, "update": 200}


def _todo(user, branch=None, title="核对客户资料"):
    return Todo.objects.create(
        branch=branch or user.staff.branch,
        title=title,
        assignee=user,
        created_by=user,
        due_at=timezone.now() + timedelta(days=1),
    )


class TodoScopes:
    def make_in_scope(self, org, user):
        return _todo(user)

    def make_out_of_scope(self, org, user):
        if user.staff.sees_all_branches:
            return None
        return _todo(org.am_sh, title="上海的待办")


class TestTodoApiAccess(TodoScopes, ApiAccessCase):
    list_url = "api:todo-list"
    detail_url = "api:todo-detail"
    expected = {
        "account_manager": FULL_API,
        "advisor": FULL_API,
        "service_agent": FULL_API,
        "branch_manager": FULL_API,
        "compliance": EVERYONE_READS,
        "hq": FULL_API,
        "integration": FULL_API,
    }

    def create_payload(self, org, user):
        return {"title": "新待办", "due_at": (timezone.now() + timedelta(days=2)).isoformat()}

    def update_payload(self, org, user, obj):
        return {"title": "改过的待办"}


WEB = {"list": 200, "detail": 200, "create": 302, "update": 302}


class TestTodoWebAccess(TodoScopes, WebAccessCase):
    list_url = "crm:todo-list"
    detail_url = "crm:todo-detail"
    create_url = "crm:todo-create"
    expected = {
        "account_manager": WEB,
        "advisor": WEB,
        "service_agent": WEB,
        "branch_manager": WEB,
        "compliance": EVERYONE_READS,
        "hq": WEB,
        "integration": {},
    }

    def create_payload(self, org, user):
        due = timezone.localtime(timezone.now() + timedelta(days=2))
        return {"title": "新待办", "due_at": due.strftime("%Y-%m-%dT%H:%M")}

    def update_payload(self, org, user, obj):
        due = timezone.localtime(timezone.now() + timedelta(days=3))
        return {"title": "改过的待办", "due_at": due.strftime("%Y-%m-%dT%H:%M")}
