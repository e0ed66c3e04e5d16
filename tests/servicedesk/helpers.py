from datetime import datetime

from crm.workdays import SHANGHAI
from servicedesk import services
from servicedesk.models import ServiceCategory
from tests.factories import make_client


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def category(code="account"):
    """A seeded category (servicedesk migration 0001), recreated after a flush."""
    found, _created = ServiceCategory.objects.get_or_create(code=code, defaults={"name": code})
    return found


def receive(org, user=None, client=None, **extra):
    """A request of a client of `org.am` (number 11 + `seq`), taken by the agent."""
    if client is None and not extra.get("caller_name"):
        client = make_client(org.am, client_no=f"11{extra.pop('seq', 1):08d}")
    extra.pop("seq", None)
    data = {"client": client, "channel": "phone", "description": "咨询开户所需材料",
            **extra}  # fmt: skip
    if not isinstance(data.get("category"), ServiceCategory):
        data["category"] = category(data.get("category") or "account")
    return services.servicerequest_receive(user=user or org.agent, data=data)
