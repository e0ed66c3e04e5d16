"""What the knowledge base plugs into the kernel: the review clock, the demo seeder, the
dashboard measures and the permissions of the roles."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from crm.demo import register_seeder
from crm.models import Role
from crm.roles import ALL, grant
from crm.sla import Clock, declare_policy, register_clock

from .models import Article

DAY = 24 * 60


def _seed(users, stdout):
    from .demo import seed_knowledge

    seed_knowledge(users, stdout)


def register() -> None:
    from . import measures

    measures.register()
    # The review date is stored on the article; the policy only says when to warn.
    declare_policy("knowledge.review", name="知识库文章复核", target_value=12,
                   target_unit="days", warn_before_minutes=DAY, escalation_roles=[],
                   escalation_interval_minutes=DAY)  # fmt: skip
    register_clock(Clock(
        name="knowledge.review", model=Article, due_field="review_due",
        policy_code="knowledge.review", open_filter=Q(status=Article.Status.PUBLISHED),
        recipients=lambda articles: {a.pk: {a.owner_id} for a in articles},
        describe=lambda a: str(_("review of the article %(title)s") % {"title": a.title}),
        url=lambda a: reverse("knowledge:article", args=[a.pk]),
    ))  # fmt: skip
    register_seeder(70, "knowledge", _seed)
    grant(ALL - {Role.INTEGRATION}, "knowledge.view_article", "knowledge.view_category")
    grant({Role.HQ}, "knowledge.change_article", "knowledge.add_category",
          "knowledge.change_category", "knowledge.view_articleversion",
          "knowledge.view_articlefeedback")  # fmt: skip
