"""`{% url %}` that keeps its answer for a name without arguments, per process.

A page's navigation names some fifty URLs without arguments, and Django's `reverse()`
takes 40-70 µs each on a 2-core machine: a few milliseconds of every page. Installed as a
template builtin (config/settings.py, TEMPLATES' `builtins`), so every template's
`{% url %}` is this one; with arguments it is Django's own.
"""

from django import template
from django.conf import settings
from django.template.defaulttags import URLNode, url
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()

_answers: dict[tuple, str] = {}


class CachedURLNode(URLNode):
    def render(self, context):
        if self.args or self.kwargs:
            return super().render(context)
        view_name = self.view_name.resolve(context)
        request = getattr(context, "request", None)
        current_app = getattr(request, "current_app", None) or getattr(
            getattr(request, "resolver_match", None), "namespace", None
        )
        key = (view_name, current_app, get_script_prefix(), get_urlconf() or settings.ROOT_URLCONF)
        found = _answers.get(key)
        if found is None:
            try:
                found = _answers[key] = reverse(view_name, current_app=current_app)
            except NoReverseMatch:
                if self.asvar is None:
                    raise
                found = ""
        if self.asvar:
            context[self.asvar] = found
            return ""
        return conditional_escape(found) if context.autoescape else found


@register.tag(name="url")
def cached_url(parser, token):
    node = url(parser, token)
    return CachedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
