from django import forms
from django.utils.translation import gettext_lazy as _

from crm.forms import BoundedForm
from crm.models import Role

from .models import Article, Category


class ArticleForm(BoundedForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Article.Kind.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all())
    body = forms.CharField(
        label=_("Body"), max_length=20000, widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("Plain text; an empty line starts a new paragraph."),
    )  # fmt: skip
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=200,
        help_text=_("Separated by commas or spaces."),
    )  # fmt: skip
    audience = forms.MultipleChoiceField(
        label=_("Published to roles"), required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(r.value, r.label) for r in Role if r != Role.INTEGRATION],
        help_text=_("None ticked: all staff."),
    )  # fmt: skip
    review_due = forms.DateField(
        label=_("Review due"), required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Empty: in 12 months."),
    )  # fmt: skip
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1,
                                 max_value=2**31 - 1)  # fmt: skip

    def clean_tags(self):
        raw = self.cleaned_data["tags"].replace("，", ",").replace(",", " ")
        return [t for t in raw.split() if t]

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Enter a title."))
        return title
