"""Reads of outreach: the message record and the templates, as a user may see them."""

from __future__ import annotations

from .models import Message, MessageTemplate


def messages_for(user):
    return Message.objects.visible_to(user).select_related(
        "client", "branch", "template", "created_by"
    )


def templates_for(user):
    return MessageTemplate.objects.visible_to(user).select_related("branch", "updated_by__staff")


def usable_templates(user, client=None, channel: str | None = None):
    """The active templates a sender may use for `client`: HQ's and the client's branch's."""
    qs = MessageTemplate.objects.filter(active=True)
    if client is not None:
        qs = qs.filter(branch__isnull=True) | qs.filter(branch_id=client.branch_id)
    else:
        qs = qs.visible_to(user)
    if channel:
        qs = qs.filter(channel=channel)
    return qs.order_by("channel", "code")


def recent_for_client(client, limit: int = 10):
    return list(
        Message.objects.filter(client=client)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )
