"""The national standards page's forms: publish a standard (or a new version of one), retire one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from hazards.choices import StandardCoverage
from hazards.services.standards import CLAUSE_UNVERIFIED
from hazards.standards_views import CriteriaField


class PublishStandardForm(forms.Form):
    supersedes = forms.ChoiceField(label=_("New version of"), required=False)
    industry = forms.CharField(
        label=_("Industry code"), max_length=40, help_text=_("e.g. hazardous_chemicals")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=300, required=False)
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    effective_date = forms.DateField(
        label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.CharField(label=_("Version"), max_length=40)
    coverage = forms.ChoiceField(label=_("Items listed"), choices=StandardCoverage.choices)
    criteria = CriteriaField(
        label=_("Items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "One item a line: number | clause | text. Where the clause is not verified write %(unverified)s."
        )
        % {"unverified": CLAUSE_UNVERIFIED},
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    release_note = forms.CharField(label=_("What this version changes"), required=False, max_length=2000)

    def __init__(self, *args: Any, current: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        supersedes = self.fields["supersedes"]
        assert isinstance(supersedes, forms.ChoiceField)
        supersedes.choices = [("", _("— a new standard —")), *current]


class RetireStandardForm(forms.Form):
    retire = forms.ChoiceField(label=_("Standard to retire"))
    release_note = forms.CharField(label=_("Why"), max_length=2000)

    def __init__(self, *args: Any, current: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        retire = self.fields["retire"]
        assert isinstance(retire, forms.ChoiceField)
        retire.choices = current
