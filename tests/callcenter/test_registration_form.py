"""The 是/否 questions of the callback registration form are radio buttons that show the
choice made (they were rendered as selects with `form-select` and showed nothing)."""

from django.template.loader import render_to_string
from django.utils import translation

from callcenter.forms import RegistrationFormForm


def test_yes_no_questions_render_as_inline_radios_that_keep_the_choice():
    form = RegistrationFormForm({"trading_by_staff": "no", "risks_disclosed": "yes"})
    form.is_valid()
    with translation.override("zh-hans"):
        html = render_to_string("crm/partials/form.html", {"form": form})
    assert "form-select" not in html.split('name="satisfaction"')[0]
    assert html.count('type="radio" name="trading_by_staff"') == 2
    no = 'type="radio" name="trading_by_staff" value="no" id="id_trading_by_staff_1" checked'
    assert no in html
    assert 'name="risks_disclosed" value="yes" id="id_risks_disclosed_0" checked' in html
    # an unanswered question is marked invalid, each option with it
    assert 'class="form-check-input is-invalid" type="radio" name="discretionary_mandate"' in html
    assert '<label class="form-check-label" for="id_trading_by_staff_0">' in html
