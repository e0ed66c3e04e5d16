"""An id read from a query string by hand goes through crm.params: digits that are not
ASCII (`²`, `١٢`) or too many for a column are ignored, never a 500."""

import pytest
from django.urls import reverse

ODD_IDS = ["²", "١٢", "99999999999999999999", "-1", " 1 "]


@pytest.mark.parametrize("raw", ODD_IDS)
@pytest.mark.parametrize(
    "url_name, param, role",
    [("complaints:intake", "client", "agent"), ("visits:create", "client", "am"),
     ("visits:consultation-create", "client", "am"), ("complaints:analysis", "branch", "hq")],
)  # fmt: skip
def test_odd_ids_in_the_query_string_are_ignored(org, client, url_name, param, role, raw):
    client.force_login(getattr(org, role))
    assert client.get(reverse(url_name), {param: raw}).status_code == 200
