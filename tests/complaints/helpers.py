from datetime import datetime

from complaints import services
from crm.workdays import SHANGHAI
from tests.factories import make_client


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def receive(org, user=None, client=None, **extra):
    user = user or org.agent
    if client is None:
        client = make_client(org.am, client_no=f"11{extra.pop('seq', 1):08d}")
    data = {"client": client, "channel": "phone", "topic": "trading",
            "description": "委托未成交", **extra}  # fmt: skip
    return services.complaint_receive(user=user, data=data)
