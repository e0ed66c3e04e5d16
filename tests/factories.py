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
