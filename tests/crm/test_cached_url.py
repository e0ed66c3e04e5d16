"""`{% url %}` as every template has it (crm/templatetags/cached_url.py): the same answers as
Django's reverse(), kept only for names without arguments."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse, set_script_prefix

from crm.templatetags import cached_url


def render(text: str, **context) -> str:
    return Template(text).render(Context(context))


def test_a_name_without_arguments_is_reversed_once():
    cached_url._answers.clear()
    assert render("{% url 'crm:workbench' %}") == reverse("crm:workbench")
    assert list(cached_url._answers) and render("{% url 'crm:workbench' %}") == reverse(
        "crm:workbench"
    )
    assert len(cached_url._answers) == 1


def test_arguments_as_variables_and_escaping_are_djangos():
    assert render("{% url 'clients:detail' pk %}", pk=7) == reverse("clients:detail", args=[7])
    assert render("{% url 'clients:detail' pk=pk %}", pk=8) == reverse(
        "clients:detail", kwargs={"pk": 8}
    )
    assert (
        render("{% url 'crm:workbench' as here %}[{{ here }}]") == f"[{reverse('crm:workbench')}]"
    )
    assert render("{% url 'no-such-page' as here %}[{{ here }}]") == "[]"
    with pytest.raises(NoReverseMatch):
        render("{% url 'no-such-page' %}")


def test_another_script_prefix_is_another_answer():
    cached_url._answers.clear()
    plain = render("{% url 'crm:workbench' %}")
    set_script_prefix("/crm/")
    try:
        assert render("{% url 'crm:workbench' %}") == "/crm" + plain
    finally:
        set_script_prefix("/")
    assert render("{% url 'crm:workbench' %}") == plain
