from django import template

from clients import masking

register = template.Library()
register.filter("mask_phone", masking.mask_phone)
register.filter("mask_id", masking.mask_id)
register.filter("mask_name", masking.mask_name)


@register.simple_tag(takes_context=True)
def client_name(context, value) -> str:
    """`{% client_name client %}` (a client, or a complainant's name): the name as the
    viewer may see it (张* for service agents). Without a viewer in the context: masked."""
    request = context.get("request")
    viewer = getattr(request, "user", None) or context.get("user")
    return masking.display(viewer, "name", getattr(value, "name", value))
