from datetime import datetime

from crm.workdays import SHANGHAI
from tests.factories import ComplaintFactory, make_client


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def receive(org, user=None, client=None, **extra):
    """A complaint about a client of `org.am` (number 11 + `seq`), taken by the agent."""
    if client is None:
        client = make_client(org.am, client_no=f"11{extra.pop('seq', 1):08d}")
    return ComplaintFactory(client=client, user=user or org.agent, **extra)
