"""Factories for the tests' data.

Rows with a rule are built through the service that owns the rule, so a factory never
makes a state the product cannot: `ClientFactory` (clients.services.client_create:
encryption, search keys, history, stage), `ComplaintFactory` (complaint_receive and the
workflow's steps up to `status`: ticket number, SLA deadlines, clocks) and
`VisitPlanFactory` (visit_plan_create, submit, approve). A callback is a plain row
(`CallbackFactory`): the product makes them in bulk SQL or from a policy, and the tests
set its due time and status themselves.

    client = ClientFactory(owner=org.am, client_no="1100000001")
    complaint = ComplaintFactory(client=client, user=org.agent, status="acknowledged")
    plan = VisitPlanFactory(client=client, status="submitted")
    callback = CallbackFactory(client=client, claimed_by=org.agent)

`make_client` (a client with the tests' usual defaults, 张三 13800138000) and `make_staff`
stay the short forms most tests use.
"""

from datetime import timedelta

import factory
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm import services
from crm.models import Branch, Role, StaffProfile

PASSWORD = "Test-pass-2026"


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"B{n:03d}")
    name = factory.Sequence(lambda n: f"营业部{n}")
    kind = Branch.Kind.BRANCH


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "测试"
    last_name = "王"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)


def make_staff(username: str, branch: Branch, role: str, **extra):
    user = UserFactory(username=username, **extra)
    services.staff_assign(user=user, branch=branch, role=role)
    user.refresh_from_db()
    return user


def make_people(people: dict, branches: dict, **extra_by_name) -> dict:
    """The users of a people table of tests/roles.py (name -> (username, branch code,
    role)), created in its order; `extra_by_name` adds user fields for one name."""
    return {
        name: make_staff(username, branches[code], role, **extra_by_name.get(name, {}))
        for name, (username, code, role) in people.items()
    }


def colleague(user, role: str):
    """The first person of `role` in `user`'s branch (e.g. the branch manager who approves)."""
    staff = StaffProfile.objects.filter(branch_id=user.staff.branch_id, role=role)
    found = staff.select_related("user").order_by("pk").first()
    if found is None:
        raise ValueError(f"no {role} in branch {user.staff.branch_id}")
    return found.user


def _account_manager():
    """An account manager of a branch of their own (a client's default owner)."""
    user = UserFactory()
    services.staff_assign(user=user, branch=BranchFactory(), role=Role.ACCOUNT_MANAGER)
    user.refresh_from_db()
    return user


class ServiceFactory(factory.Factory):
    """A factory whose `_create` calls a service instead of saving the model."""

    class Meta:
        abstract = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise NotImplementedError(f"{cls.__name__} creates through a service; use create()")


class ClientFactory(ServiceFactory):
    """A client through clients.services.client_create: a potential client without
    `client_no`, an opened account with one (`opened_on` defaults to today)."""

    class Meta:
        model = "clients.Client"

    owner = factory.LazyFunction(_account_manager)
    name = factory.Sequence(lambda n: f"客户{n:03d}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    client_type = "individual"

    @classmethod
    def _create(cls, model_class, owner, id_number=None, client_no=None, **data):
        from clients import services as client_services

        if id_number:
            data.update(id_type=data.get("id_type", "id_card"), id_number=id_number)
        if client_no:
            data["client_no"] = client_no
        data["owner"] = owner
        return client_services.client_create(user=owner, data=data)


def make_client(
    owner, *, name="张三", client_no=None, id_number=None, phone="13800138000", **extra
):
    """A client through the service, so that every rule (encryption, history) applies."""
    return ClientFactory(
        owner=owner, name=name, client_no=client_no, id_number=id_number, phone=phone, **extra
    )


def make_product(*, code="P0001", name="稳健增利1号", risk_level="R2", product_type="wealth",
                 **extra):  # fmt: skip
    """A catalogue product (products.Product), stored directly: a test's fixture."""
    from products.models import Product
    from products.services import name_initials

    return Product.objects.create(code=code, name=name, name_initials=name_initials(name),
                                  risk_level=risk_level, product_type=product_type,
                                  **extra)  # fmt: skip


COMPLAINT_STATUSES = ("received", "acknowledged", "waiting", "resolved", "reviewed")


class ComplaintFactory(ServiceFactory):
    """A complaint received by `user` (default: the client's account manager) through
    complaints.services.complaint_receive, then taken through the workflow's steps to
    `status`; the review is a branch manager's of the client's branch (or `reviewer`)."""

    class Meta:
        model = "complaints.Complaint"

    client = factory.SubFactory(ClientFactory, client_no=factory.Sequence(lambda n: f"12{n:08d}"))
    channel = "phone"
    topic = "trading"
    description = "委托未成交"

    @classmethod
    def _create(cls, model_class, user=None, status="received", reviewer=None, **data):
        from complaints import services as complaint_services

        user = user or data["client"].owner
        if status not in COMPLAINT_STATUSES:
            raise ValueError(f"ComplaintFactory makes {COMPLAINT_STATUSES}, not {status!r}")
        complaint = complaint_services.complaint_receive(user=user, data=data)
        if status == "received":
            return complaint
        complaint = complaint_services.complaint_acknowledge(user=user, complaint=complaint)
        if status == "acknowledged":
            return complaint
        if status == "waiting":
            return complaint_services.complaint_pause(user=user, complaint=complaint, note="补材料")
        complaint = complaint_services.complaint_resolve(
            user=user, complaint=complaint, resolution="已处理", feedback="已书面答复"
        )
        if status == "resolved":
            return complaint
        reviewer = reviewer or colleague(user, Role.BRANCH_MANAGER)
        return complaint_services.complaint_review(user=reviewer, complaint=complaint, note="复核")


class VisitPlanFactory(ServiceFactory):
    """A door-to-door visit plan written by `user` (default: the client's account
    manager) through visits.services, submitted and approved up to `status`; the approval
    is a branch manager's of the client's branch (or `approver`)."""

    class Meta:
        model = "visits.VisitPlan"

    client = factory.SubFactory(ClientFactory, client_no=factory.Sequence(lambda n: f"13{n:08d}"))
    kind = "door_to_door"
    planned_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=2))
    place = "客户公司"
    purpose = "介绍服务"

    @classmethod
    def _create(cls, model_class, user=None, status="draft", approver=None, **data):
        """A plan for a time already past was written, submitted and approved a day
        before it (the service plans only in the future): the clock is set back for it."""
        now = timezone.now()
        if data["planned_at"] > now:
            return cls._write(user, status, approver, data)
        with time_machine.travel(data["planned_at"] - timedelta(days=1), tick=False):
            return cls._write(user, status, approver, data)

    @classmethod
    def _write(cls, user, status, approver, data):
        from visits import services as visit_services

        user = user or data["client"].owner
        plan = visit_services.visit_plan_create(user=user, **data)
        if status in ("submitted", "approved"):
            plan = visit_services.visit_plan_submit(user=user, plan=plan)
        if status == "approved":
            plan = visit_services.visit_plan_approve(
                user=approver or colleague(user, Role.BRANCH_MANAGER), plan=plan
            )
        return plan


class CallbackFactory(factory.django.DjangoModelFactory):
    """A callback row in the client's branch, due now unless told (`due_at`, `status`,
    `claimed_by`, ... as the test needs)."""

    class Meta:
        model = "callcenter.Callback"

    client = factory.SubFactory(ClientFactory, client_no=factory.Sequence(lambda n: f"14{n:08d}"))
    branch_id = factory.LazyAttribute(lambda cb: cb.client.branch_id)
    reason = "new_account"
    due_at = factory.LazyFunction(timezone.now)


def valid_id_number(seq: int) -> str:
    """A valid GB 11643 number for 1990-01-01 with the given sequence (0-999)."""
    from clients.validators import id_check_character

    body = f"11010519900101{seq:03d}"
    return body + id_check_character(body)
