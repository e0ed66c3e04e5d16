"""`{% suggested_articles code %}`: the knowledge-base articles beside a complaint intake,
a callback or a service request, by its category (one query)."""

from django import template

from ..selectors import suggested_for

register = template.Library()


@register.inclusion_tag("knowledge/_suggested.html", takes_context=True)
def suggested_articles(context, category_code, limit=5):
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"articles": suggested_for(user, category_code, limit) if user else []}
