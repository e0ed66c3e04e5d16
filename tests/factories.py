import factory
from django.contrib.auth import get_user_model

from crm import services
from crm.models import Branch

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


def make_client(
    owner, *, name="张三", client_no=None, id_number=None, phone="13800138000", **extra
):
    """A client through the service, so that every rule (encryption, history) applies."""
    from clients import services

    data = {"name": name, "phone": phone, "client_type": extra.pop("client_type", "individual")}
    if id_number:
        data.update(id_type="id_card", id_number=id_number)
    if client_no:
        data["client_no"] = client_no
    data.update(extra)
    data["owner"] = owner
    return services.client_create(user=owner, data=data)


def valid_id_number(seq: int) -> str:
    """A valid GB 11643 number for 1990-01-01 with the given sequence (0-999)."""
    from clients.validators import id_check_character

    body = f"11010519900101{seq:03d}"
    return body + id_check_character(body)
