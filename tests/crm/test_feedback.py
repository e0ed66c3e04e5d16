"""Feedback after a form (issue #16 item 15): a success message that names an object is a
link to it, and each workflow step says what happened, declared in its table."""

import pytest
from django.urls import reverse

from complaints.models import Complaint
from complaints.workflow import COMPLAINT_WORKFLOW
from crm.workflow import Action
from tests.factories import VisitPlanFactory, make_client
from visits.workflow import VISIT_PLAN_WORKFLOW


@pytest.mark.parametrize("workflow", [COMPLAINT_WORKFLOW, VISIT_PLAN_WORKFLOW], ids=str)
def test_every_web_step_declares_its_own_feedback(workflow):
    messages = [a.done_message for a in workflow.web_actions]
    assert all(a.done for a in workflow.web_actions)
    assert len(set(messages)) == len(messages)  # no two steps say the same
    assert "已完成。" not in messages


def test_a_step_without_feedback_falls_back_to_its_label():
    assert Action("x", "提交", sources=["a"]).done_message == "提交：已完成。"
    assert Action("x", "提交", sources=["a"], done="已提交。").done_message == "已提交。"


def messages_html(response) -> str:
    return response.content.decode().split('role="alert"', 1)[1].split("</div>", 1)[0]


def test_the_registered_complaint_is_named_as_a_link_to_it(client, org):
    target = make_client(org.am, name="孙女士", client_no="1100000001")
    client.force_login(org.agent)
    response = client.post(reverse("complaints:intake"), {
        "client": f"id:{target.pk}", "channel": "phone", "category": "general",
        "severity": 2, "topic": "fees", "description": "佣金收取有误",
    }, follow=True)  # fmt: skip
    complaint = Complaint.objects.get()
    link = f'<a class="alert-link" href="{complaint.get_absolute_url()}">{complaint.ticket_no}</a>'
    assert f"投诉 {link} 已登记。" in messages_html(response)


def test_a_visit_plan_step_says_what_happened(client, org):
    plan = VisitPlanFactory(client=make_client(org.am, client_no="1100000001"), user=org.am)
    client.force_login(org.am)
    url = reverse("visits:action", args=[plan.pk, "submit"])
    assert "已提交审批。" in messages_html(client.post(url, follow=True))
    client.force_login(org.bm)
    url = reverse("visits:action", args=[plan.pk, "approve"])
    assert "已批准，已通知客户经理。" in messages_html(client.post(url, follow=True))


def test_the_rest_of_a_linked_message_is_escaped(client, org):
    client.force_login(org.am)
    response = client.post(reverse("crm:todo-create"), {"title": "<b>回电</b>"}, follow=True)
    html = messages_html(response)
    assert "&lt;b&gt;回电&lt;/b&gt;</a>" in html and "<b>" not in html
