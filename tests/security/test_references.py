"""Issue #14, finding 3 and its class: a field that names a person or a client accepts
only what the acting user may see, and a person of the object's branch.

- the requests of the finding (advisor of another branch on a client, handler of another
  branch on a complaint, advisor of another branch on a consultation sheet), by API and
  web form, each refused with a field message and nothing stored;
- the class: every serializer and every form of the project is discovered, each field
  that names a person or a client (by model, and by name for plain fields) must be one of
  the scoped fields and refuse a person of another branch and, for an account manager,
  a colleague's client; the services refuse the branch mismatch too.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework import serializers
from rest_framework.test import APIClient, APIRequestFactory

from clients.models import Client
from complaints.models import Complaint
from crm import references
from crm.api import references as api_references
from crm.models import Role
from tests.factories import BranchFactory, make_client, make_staff
from visits.models import Consultation

User = get_user_model()
APPS = ("crm", "clients", "visits", "complaints", "callcenter", "knowledge", "compliance")
# Field names that name a person or a client, whatever their type.
PERSON_NAMES = {"owner", "advisor", "handler", "agent", "assignee", "reviewer", "invitee",
                "account_manager", "user", "person", "claimed_by", "recorded_by"}  # fmt: skip
CLIENT_NAMES = {"client", "client_no", "clients", "other_clients"}
# Fields of those names that are no reference: the record's own number, given to it; and
# the bulk snapshot rows, resolved row by row among the poster's visible clients
# (clients.services.snapshots_upsert: an unknown or foreign number is a row error, see
# test_snapshot_rows_of_foreign_clients_are_row_errors); likewise the client master and
# holding rows, whose client number is the key being loaded and whose owner is resolved by
# staff number among the poster's branches (clients.services.clients_upsert; see
# tests/clients/test_bulk_clients.py: rows outside the caller's scope are row errors).
NOT_REFERENCES = {"ClientForm.client_no", "OpenAccountForm.client_no",
                  "ClientSerializer.client_no", "SnapshotRowSerializer.client_no",
                  "ClientBulkRowSerializer.client_no", "ClientBulkRowSerializer.owner",
                  "HoldingBulkRowSerializer.client_no"}  # fmt: skip


@pytest.fixture
def people(db):
    """BJ01 and SH01 with one person per role each, HQ; a client of `am` advised by
    `advisor`, a colleague's client and a Shanghai client."""
    hq = BranchFactory(code="HQ", name="总部", kind="hq")
    bj = BranchFactory(code="BJ01", name="北京营业部")
    sh = BranchFactory(code="SH01", name="上海营业部")
    p = {"bj": bj, "sh": sh, "hq_branch": hq}
    for role in Role.values:
        p[role] = make_staff(f"{role}_bj", bj, role)
        p[f"{role}_sh"] = make_staff(f"{role}_sh", sh, role)
    p["hq"] = make_staff("hq_person", hq, Role.HQ)
    p["am2"] = make_staff("am2_bj", bj, Role.ACCOUNT_MANAGER)
    am = p[Role.ACCOUNT_MANAGER]
    p["mine"] = make_client(am, name="甲客户", client_no="1100000001", advisor=p[Role.ADVISOR])
    p["colleague"] = make_client(p["am2"], name="乙客户", client_no="1100000002")
    p["sh_client"] = make_client(p["account_manager_sh"], name="丙客户", client_no="3100000001")
    return p


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def message_of(response, field) -> str:
    return " ".join(response.json()[field])


# --- The requests of the finding ------------------------------------------------------
def test_account_manager_cannot_name_an_advisor_of_another_branch(people):
    am, client = people[Role.ACCOUNT_MANAGER], people["mine"]
    api = api_as(am)
    url = reverse("api:client-detail", args=[client.pk])
    patch = api.patch(url, {"advisor": "advisor_sh"}, format="json")
    assert patch.status_code == 400
    unknown = api.patch(url, {"advisor": "nobody-at-all"}, format="json")
    assert message_of(patch, "advisor") == message_of(unknown, "advisor")  # no existence
    assert "本营业部" in message_of(patch, "advisor")
    client.refresh_from_db()
    assert client.advisor == people[Role.ADVISOR]
    body = {"client_type": "individual", "name": "新客户", "advisor": "advisor_sh"}
    post = api.post(reverse("api:client-list"), body, format="json")
    assert post.status_code == 400 and "advisor" in post.json()
    assert not Client.objects.filter(name="新客户").exists()


def test_hq_cannot_name_an_advisor_of_another_branch_than_the_clients(people):
    """HQ sees every person; the person must still belong to the client's branch."""
    api = api_as(people["hq"])
    client = people["mine"]
    patch = api.patch(reverse("api:client-detail", args=[client.pk]), {"advisor": "advisor_sh"},
                      format="json")  # fmt: skip
    assert patch.status_code == 400 and "advisor" in patch.json()
    post = api.post(reverse("api:client-list"), {
        "client_type": "individual", "name": "新客户", "owner": "account_manager_bj",
        "advisor": "advisor_sh",
    }, format="json")  # fmt: skip
    assert post.status_code == 400 and "advisor" in post.json()
    ok = api.patch(reverse("api:client-detail", args=[client.pk]),
                   {"advisor": "advisor_bj", "email": "a@example.com"}, format="json")  # fmt: skip
    assert ok.status_code == 200, ok.content


def test_client_form_refuses_an_advisor_of_another_branch(people, client):
    am, target = people[Role.ACCOUNT_MANAGER], people["mine"]
    client.force_login(am)
    response = client.post(reverse("clients:edit", args=[target.pk]), {
        "client_type": "individual", "name": target.name, "phone": target.phone,
        "investor_class": "ordinary", "advisor": people["advisor_sh"].pk,
        "version": target.version, "reason": "核对",
    })  # fmt: skip
    assert response.status_code == 400
    assert "本营业部" in response.content.decode()
    target.refresh_from_db()
    assert target.advisor == people[Role.ADVISOR]


def test_agent_cannot_give_a_complaint_to_a_handler_of_another_branch(people, client):
    agent = people[Role.SERVICE_AGENT]
    body = {"client": people["mine"].pk, "channel": "phone", "topic": "fees",
            "description": "佣金收取有误"}  # fmt: skip
    response = api_as(agent).post(
        reverse("api:complaint-list"), {**body, "handler": "service_agent_sh"}, format="json"
    )
    assert response.status_code == 400 and "handler" in response.json()
    client.force_login(agent)
    form = {
        **body,
        "client": f"id:{people['mine'].pk}",
        "category": "general",
        "severity": 2,
        "handler": people["service_agent_sh"].pk,
    }
    web = client.post(reverse("complaints:intake"), form)
    assert web.status_code == 400
    assert not Complaint.objects.exists()


def test_hq_cannot_give_a_branch_complaint_to_a_handler_of_another_branch(people):
    body = {"client": people["mine"].pk, "channel": "phone", "topic": "fees",
            "description": "佣金收取有误", "handler": "service_agent_sh"}  # fmt: skip
    response = api_as(people["hq"]).post(reverse("api:complaint-list"), body, format="json")
    assert response.status_code == 400 and "handler" in response.json()
    assert not Complaint.objects.exists()


def test_consultation_with_an_advisor_of_another_branch_is_refused(people, client):
    am = people[Role.ACCOUNT_MANAGER]
    response = api_as(am).post(reverse("api:consultation-list"), {
        "client": people["mine"].pk, "advisor": "advisor_sh", "question": "是否适合加仓？",
    }, format="json")  # fmt: skip
    assert response.status_code == 400 and "advisor" in response.json()
    client.force_login(am)
    web = client.post(reverse("visits:consultation-create"), {
        "client": "1100000001", "advisor": people["advisor_sh"].pk, "question": "加仓？",
    })  # fmt: skip
    assert web.status_code == 400
    assert not Consultation.objects.exists()


def test_services_refuse_a_person_of_another_branch(people):
    """Defence in depth: the services check the branch whatever the caller passed."""
    from clients import services as client_services
    from complaints import services as complaint_services
    from visits import services as visit_services

    hq, mine = people["hq"], people["mine"]
    with pytest.raises(ValidationError) as exc:
        client_services.client_update(user=hq, client=mine,
                                      data={"advisor": people["advisor_sh"]})  # fmt: skip
    assert "advisor" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        complaint_services.complaint_receive(user=hq, data={
            "client": mine, "channel": "phone", "topic": "fees", "description": "x",
            "handler": people["service_agent_sh"],
        })  # fmt: skip
    assert "handler" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        visit_services.consultation_file(user=people["branch_manager"], client=mine,
                                         advisor=people["advisor_sh"], question="x")  # fmt: skip
    assert "advisor" in exc.value.message_dict
    assert references.may_work_in(people["hq"], people["bj"])  # HQ serves every branch
    assert not references.may_work_in(people["advisor_sh"], people["bj"])


# --- The class: every serializer and every form ----------------------------------------
def project_modules():
    for app in APPS:
        package = importlib.import_module(app)
        for info in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in info.name or ".management" in info.name:
                continue
            yield importlib.import_module(info.name)


def project_classes(base):
    found = {}
    for module in project_modules():
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, base) and cls.__module__.split(".")[0] in APPS:
                found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def request_as(user):
    request = APIRequestFactory().post("/")
    request.user = user
    return request


def referenced_model(field):
    """User or Client when a serializer or form field names one, else None."""
    if isinstance(field, serializers.ManyRelatedField):
        field = field.child_relation
    queryset = getattr(field, "base_queryset", None)  # the scoped client fields
    if queryset is None:
        queryset = getattr(field, "queryset", None)
    model = getattr(queryset, "model", None)
    return model if model in (User, Client) else None


def names_by_name(path: str, name: str, field) -> bool:
    """A plain field (no fixed choices) whose name says it names a person or a client."""
    if f"{path.rsplit('.', 1)[-1]}.{name}" in NOT_REFERENCES:
        return False
    if isinstance(field, (forms.ChoiceField, serializers.ChoiceField)) and not isinstance(
        field, forms.ModelChoiceField
    ):
        return False
    if getattr(field, "read_only", False) or isinstance(field, serializers.ReadOnlyField):
        return False
    return name in PERSON_NAMES | CLIENT_NAMES


def out_of_scope_values(people, field, acting):
    """Values the field must refuse for `acting`: a person of another branch with a role
    the field takes (and for client fields, a Shanghai client and a colleague's)."""
    inner = field.child_relation if isinstance(field, serializers.ManyRelatedField) else field
    slug = getattr(inner, "slug_field", None) or getattr(inner, "to_field_name", None)
    model = referenced_model(field)
    if model is Client:
        objs = [people["sh_client"]]
        if acting == people[Role.ACCOUNT_MANAGER]:
            objs.append(people["colleague"])
    else:
        roles = getattr(inner, "roles", references.PEOPLE)
        objs = [people[f"{role}_sh"] for role in sorted(roles) if role != Role.HQ]
    values = [getattr(o, slug) if slug else o.pk for o in objs]
    return [[v] for v in values] if isinstance(field, serializers.ManyRelatedField) else values


def test_every_serializer_field_naming_a_person_or_client_is_scoped(people):
    found, problems = [], []
    actors = [people[Role.ACCOUNT_MANAGER], people[Role.BRANCH_MANAGER]]
    for path, cls in sorted(project_classes(serializers.BaseSerializer).items()):
        if issubclass(cls, serializers.ListSerializer) or (
            issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta")
        ):
            continue
        for acting in actors:
            fields = cls(context={"request": request_as(acting)}).fields
            for name, field in fields.items():
                if field.read_only:
                    continue
                model = referenced_model(field)
                if model is None:
                    if names_by_name(path, name, field):
                        problems.append(f"{path}.{name}: names someone but is a "
                                        f"{type(field).__name__}")  # fmt: skip
                    continue
                inner = getattr(field, "child_relation", field)
                if not isinstance(inner, api_references.SCOPED_FIELDS):
                    problems.append(f"{path}.{name}: {type(inner).__name__}, not a scoped field")
                    continue
                found.append((path, name))
                for value in out_of_scope_values(people, field, acting):
                    try:
                        field.run_validation(value)
                    except serializers.ValidationError as exc:
                        assert str(value).strip("[]'") not in str(exc.detail)  # names no one
                    else:
                        problems.append(f"{path}.{name} as {acting.staff.role}: took {value}")
    assert not problems, "\n".join(problems)
    names = {f"{p.rsplit('.', 1)[-1]}.{n}" for p, n in found}
    expected = {"ClientSerializer.owner", "ClientSerializer.advisor", "ComplaintSerializer.client",
                "ComplaintSerializer.handler", "ActionSerializer.handler",
                "ConsultationSerializer.advisor", "ConsultationSerializer.client",
                "VisitPlanSerializer.client", "RiskAssessmentSerializer.client",
                "TodoSerializer.assignee", "CallSerializer.agent"}  # fmt: skip
    assert expected <= names, expected - names


def build_form(cls, acting):
    """An unbound form as its view builds it for `acting`."""
    params = inspect.signature(cls.__init__).parameters
    kwargs = (
        {"user": acting} if "user" in params or issubclass(cls, references.ScopedFormMixin) else {}
    )
    return cls(**kwargs)


def test_every_form_field_naming_a_person_or_client_is_scoped(people):
    found, problems = [], []
    actors = [people[Role.ACCOUNT_MANAGER], people[Role.BRANCH_MANAGER],
              people[Role.SERVICE_AGENT]]  # fmt: skip
    for path, cls in sorted(project_classes(forms.BaseForm).items()):
        if cls.__module__.startswith("django") or inspect.isabstract(cls):
            continue
        if issubclass(cls, forms.BaseModelForm) and cls._meta.model is None:
            continue  # a base (crm.forms.BoundedModelForm), not a form
        if cls.__module__.endswith(".admin"):
            continue  # the admin is headquarters', which sees every branch
        for acting in actors:
            form = build_form(cls, acting)
            for name, field in form.fields.items():
                model = None
                if isinstance(field, forms.ModelChoiceField):
                    model = referenced_model(field)
                if model is None:
                    if names_by_name(path, name, field):
                        problems.append(f"{path}.{name}: names someone but is a "
                                        f"{type(field).__name__}")  # fmt: skip
                    continue
                if not isinstance(field, references.SCOPED_FIELDS):
                    problems.append(f"{path}.{name}: {type(field).__name__}, not a scoped field")
                    continue
                found.append((path, name))
                for value in out_of_scope_values(people, field, acting):
                    try:
                        field.clean(value)
                    except ValidationError as exc:
                        assert str(value) not in " ".join(exc.messages)  # names no one
                    else:
                        problems.append(f"{path}.{name} as {acting.staff.role}: took {value}")
    assert not problems, "\n".join(problems)
    names = {f"{p.rsplit('.', 1)[-1]}.{n}" for p, n in found}
    expected = {
        "ClientForm.advisor", "ClientForm.owner", "ReassignForm.owner", "IntakeForm.client",
        "IntakeForm.handler", "TransferForm.handler", "VisitPlanForm.client",
        "QuotaLogForm.client", "QuotaSetForm.account_manager", "ConsultationForm.client",
        "ConsultationForm.advisor", "TodoForm.assignee",
    }  # fmt: skip
    assert expected <= names, expected - names


def test_unscoped_fields_refuse_everything(people):
    """A field used without an acting user (a form not scoped, a serializer without a
    request) fails closed."""
    assert not references.PersonChoiceField().queryset.exists()
    field = api_references.PersonField()
    serializers.Serializer().fields["x"] = field
    with pytest.raises(serializers.ValidationError):
        field.run_validation(people[Role.ACCOUNT_MANAGER].username)


def test_in_scope_people_are_taken(people):
    """The control: the scoped fields take a person of the branch and one's own client."""
    am = people[Role.ACCOUNT_MANAGER]
    form_field = references.PersonChoiceField(roles=[Role.ADVISOR])
    form_field.scope(am, people["bj"])
    assert form_field.clean(people[Role.ADVISOR].pk) == people[Role.ADVISOR]
    client_field = references.VisibleChoiceField(Client.objects.all())
    client_field.scope(am)
    assert client_field.clean(str(people["mine"].pk)) == people["mine"]
    with pytest.raises(ValidationError):
        client_field.clean("not-a-number")


def test_the_people_drop_down_reads_the_labels_of_the_objects(people):
    """A filter bar lists people from one values() query (plain_choices): the same
    values and labels, in the same order, as the field's objects give; a login name
    only for a person with no name, a bare name for one with no profile."""
    from crm.filters import PersonFilterField

    get_user_model().objects.create(username="nameless_am", first_name="", last_name="")
    am = people[Role.ACCOUNT_MANAGER]
    for field in (
        references.PersonChoiceField(roles=references.PEOPLE),
        PersonFilterField(queryset=get_user_model().objects.order_by("username"),
                          to_field_name="username"),
    ):  # fmt: skip
        if isinstance(field, references.PersonChoiceField):
            field.scope(am, people["bj"])
        expected = [(str(field.prepare_value(u)), field.label_from_instance(u))
                    for u in field.queryset]  # fmt: skip
        assert len(expected) > 3 and field.plain_choices() == expected
    labels = dict(PersonFilterField(queryset=get_user_model().objects.all(),
                                    to_field_name="username").plain_choices())  # fmt: skip
    assert labels["nameless_am"] == "nameless_am"
    assert labels[am.username] == references.person_label(am) != am.username


def test_snapshot_rows_of_foreign_clients_are_row_errors(people):
    """The bulk rows name clients by number: one of another branch is a row error."""
    response = api_as(people[Role.BRANCH_MANAGER]).post(
        reverse("api:snapshot-bulk"),
        [{"client_no": "3100000001", "date": "2026-01-05", "total_assets": "1000.00"},
         {"client_no": "1100000002", "date": "2026-01-05", "total_assets": "1000.00"}],
        format="json",
    )  # fmt: skip
    body = response.json()
    assert body["stored"] == 1 and [e["client_no"] for e in body["errors"]] == ["3100000001"]


def test_reassigning_to_an_account_manager_of_another_branch_is_refused(people, client):
    bm, mine = people[Role.BRANCH_MANAGER], people["mine"]
    client.force_login(bm)
    client.post(reverse("clients:reassign"), {
        "client": mine.pk, "owner": people["account_manager_sh"].pk, "reason": "岗位调整",
    })  # fmt: skip
    mine.refresh_from_db()
    assert mine.owner == people[Role.ACCOUNT_MANAGER]
    from clients import services as client_services

    with pytest.raises(ValidationError):  # HQ sees everyone; the client's branch decides
        client_services.clients_reassign(
            user=people["hq"], clients=[mine], owner=people["account_manager_sh"], reason="调整"
        )


def test_a_person_named_across_branches_sees_nothing_through_it(people):
    """Defence in depth, for references stored before the check (or written around it):
    the personal scopes of account managers and advisors stay inside their branch."""
    from complaints import services as complaint_services
    from visits import services as visit_services
    from visits.models import Consultation as Sheet

    mine, advisor_sh = people["mine"], people["advisor_sh"]
    complaint = complaint_services.complaint_receive(user=people[Role.SERVICE_AGENT], data={
        "client": mine, "channel": "phone", "topic": "fees", "description": "x",
    })  # fmt: skip
    sheet = visit_services.consultation_file(
        user=people[Role.ACCOUNT_MANAGER], client=mine, advisor=people[Role.ADVISOR], question="x"
    )
    Client.objects.filter(pk=mine.pk).update(advisor=advisor_sh)  # as the finding left it
    Complaint.objects.filter(pk=complaint.pk).update(handler=advisor_sh)
    Sheet.objects.filter(pk=sheet.pk).update(advisor=advisor_sh)
    assert not Client.objects.visible_to(advisor_sh).filter(pk=mine.pk).exists()
    assert not Complaint.objects.visible_to(advisor_sh).filter(pk=complaint.pk).exists()
    assert not Sheet.objects.visible_to(advisor_sh).filter(pk=sheet.pk).exists()
    api = api_as(advisor_sh)
    assert api.get(reverse("api:client-detail", args=[mine.pk])).status_code == 404
    assert api.get(reverse("api:client-timeline", args=[mine.pk])).status_code == 404
    answer = api.post(reverse("api:consultation-answer", args=[sheet.pk]),
                      {"analysis": "分析", "advice": "建议"}, format="json")  # fmt: skip
    assert answer.status_code == 404
