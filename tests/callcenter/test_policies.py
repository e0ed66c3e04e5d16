"""Callback policies are set through callcenter.services.callback_policy_save, from the
policy page and the admin alike: one policy per tier and stage, a bounded interval, and
only branch managers and headquarters may set them."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from callcenter import services
from callcenter.models import CallbackPolicy

VIP_EVERY_90_DAYS = {"tier": "vip", "stage": "", "interval_days": 90, "channel": "phone",
                     "assignee": "owner", "is_active": True}  # fmt: skip


def test_a_policy_is_made_then_changed_for_its_tier_and_stage(org):
    made = services.callback_policy_save(user=org.bm, **VIP_EVERY_90_DAYS)
    assert (made.tier, made.interval_days, made.assignee) == ("vip", 90, "owner")
    changed = services.callback_policy_save(
        user=org.hq, **{**VIP_EVERY_90_DAYS, "interval_days": 30, "is_active": False}
    )
    assert changed.pk == made.pk
    assert CallbackPolicy.objects.get().interval_days == 30
    assert not CallbackPolicy.objects.get().is_active


def test_a_named_policy_is_the_one_changed(org):
    vip = services.callback_policy_save(user=org.hq, **VIP_EVERY_90_DAYS)
    every = services.callback_policy_save(user=org.hq, **{**VIP_EVERY_90_DAYS, "tier": ""})
    services.callback_policy_save(
        user=org.hq, policy=every, **{**VIP_EVERY_90_DAYS, "tier": "", "interval_days": 7}
    )
    assert CallbackPolicy.objects.get(pk=every.pk).interval_days == 7
    assert CallbackPolicy.objects.get(pk=vip.pk).interval_days == 90


@pytest.mark.parametrize("days", [0, 3661])
def test_an_interval_out_of_bounds_is_refused_on_its_field(org, days):
    with pytest.raises(ValidationError) as refused:
        services.callback_policy_save(user=org.bm, **{**VIP_EVERY_90_DAYS, "interval_days": days})
    assert set(refused.value.message_dict) == {"interval_days"}
    assert not CallbackPolicy.objects.exists()


def test_unknown_choices_are_refused_on_their_fields(org):
    with pytest.raises(ValidationError) as refused:
        services.callback_policy_save(
            user=org.bm, **{**VIP_EVERY_90_DAYS, "channel": "pigeon", "assignee": "nobody",
                            "interval_days": -1},
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"channel", "assignee", "interval_days"}
    assert not CallbackPolicy.objects.exists()


@pytest.mark.parametrize("role", ["am", "advisor", "agent", "compliance", "integration"])
def test_only_branch_managers_and_headquarters_set_policies(org, role):
    with pytest.raises(PermissionDenied):
        services.callback_policy_save(user=getattr(org, role), **VIP_EVERY_90_DAYS)
    assert not CallbackPolicy.objects.exists()


def test_the_policy_page_saves_through_the_service_and_shows_its_errors(org, client):
    client.force_login(org.bm)
    url = reverse("callcenter:policies")
    body = {**VIP_EVERY_90_DAYS, "is_active": "on"}
    assert client.post(url, body).status_code == 302
    assert client.post(url, {**body, "interval_days": 45}).status_code == 302
    assert CallbackPolicy.objects.get().interval_days == 45  # the pair's policy, changed
    response = client.post(url, {**body, "interval_days": 0})
    assert response.status_code == 400 and "interval_days" in response.context["form"].errors


def test_the_admin_saves_policies_through_the_service(db, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "x"))
    body = {**VIP_EVERY_90_DAYS, "is_active": "on"}
    add = reverse("admin:callcenter_callbackpolicy_add")
    assert client.post(add, body).status_code == 302
    policy = CallbackPolicy.objects.get()
    change = reverse("admin:callcenter_callbackpolicy_change", args=[policy.pk])
    assert client.post(change, {**body, "interval_days": 14}).status_code == 302
    assert CallbackPolicy.objects.get().interval_days == 14
    response = client.post(add, {**body, "tier": "", "interval_days": 0})
    assert response.status_code == 200 and "interval_days" in response.context["adminform"].errors
    assert CallbackPolicy.objects.count() == 1
