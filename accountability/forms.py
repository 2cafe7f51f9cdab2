from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.forms import managed_regions, restrict_choices
from organizations.models import Enterprise, Region, User

from .choices import InterviewReason, SanctionKind, Track
from .models import Accident


class AccidentForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none())
    occurred_at = forms.DateTimeField(
        label=_("Occurred at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    deaths = forms.IntegerField(label=_("Deaths"), min_value=0, initial=0)
    injuries = forms.IntegerField(label=_("Injuries"), min_value=0, initial=0)
    economic_loss = forms.DecimalField(label=_("Direct economic loss (10,000 yuan)"), min_value=0, initial=0)
    description = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor)


class InvestigationForm(forms.Form):
    track = forms.ChoiceField(choices=Track.choices, widget=forms.HiddenInput)
    subject_unit = forms.CharField(label=_("Unit"), max_length=200, required=False)
    subject_person = forms.CharField(label=_("Person in charge"), max_length=100, required=False)
    findings = forms.CharField(label=_("Findings"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CasePageForm(forms.Form):
    """Which of the case page's forms was sent, and for which track: each track's investigation and sanction
    forms carry both (their field ids carry the track, so the page can hold all of them at once)."""

    form = forms.ChoiceField(choices=[("investigation", "investigation"), ("sanction", "sanction")])
    track = forms.ChoiceField(choices=Track.choices)


class SanctionForm(forms.Form):
    track = forms.ChoiceField(choices=Track.choices, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Sanction"), choices=SanctionKind.choices)
    subject = forms.CharField(label=_("Subject (person or unit)"), max_length=200)
    issuing_body = forms.CharField(label=_("Issuing body"), max_length=200)
    decided_on = forms.DateField(label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), required=False)


class InterviewForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    interviewer = forms.CharField(label=_("Interviewer (body and person)"), max_length=200)
    interviewee_unit = forms.CharField(label=_("Unit interviewed"), max_length=200)
    interviewee_person = forms.CharField(label=_("Person in charge interviewed"), max_length=100)
    reason = forms.ChoiceField(label=_("Reason"), choices=InterviewReason.choices)
    reason_detail = forms.CharField(
        label=_("Details of the reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    accident = forms.ModelChoiceField(
        label=_("Accident (if the reason)"), queryset=Accident.objects.none(), required=False
    )
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    commitments = forms.CharField(
        label=_("Commitments"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up = forms.CharField(
        label=_("Follow-up"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor, region=managed_regions(actor))


SCALING_CHOICES = [
    ("relative", _("Relative to the units ranked together")),
    ("absolute", _("Absolute bounds")),
]


class SchemeForm(forms.Form):
    """The four group weights and, per scored indicator, relative scaling or absolute best/worst bounds."""

    weight_progress = forms.DecimalField(label=_("Overall rectification progress"), min_value=0, max_digits=5)
    weight_self_inspection = forms.DecimalField(
        label=_("Enterprise self-inspection quality"), min_value=0, max_digits=5
    )
    weight_enforcement = forms.DecimalField(
        label=_("Departments' precise enforcement"), min_value=0, max_digits=5
    )
    weight_leadership = forms.DecimalField(label=_("Leadership"), min_value=0, max_digits=5)

    def __init__(self, *args: Any, indicators: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for name, label in indicators.items():
            self.fields[f"{name}__method"] = forms.ChoiceField(
                label=label, choices=SCALING_CHOICES, initial="relative"
            )
            self.fields[f"{name}__best"] = forms.DecimalField(label=_("Best value"), required=False)
            self.fields[f"{name}__worst"] = forms.DecimalField(label=_("Worst value"), required=False)

    def indicator_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"{n}__method"], self[f"{n}__best"], self[f"{n}__worst"]) for n in self.indicators]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in self.indicators:
            if data.get(f"{name}__method") != "absolute":
                continue
            for bound in ("best", "worst"):
                if data.get(f"{name}__{bound}") is None:
                    self.add_error(f"{name}__{bound}", _("Needed for absolute scaling."))
        return data

    def weights(self) -> dict[str, Any]:
        groups = ("progress", "self_inspection", "enforcement", "leadership")
        return {group: self.cleaned_data[f"weight_{group}"] for group in groups}

    def normalisation(self) -> dict[str, dict[str, Any]]:
        rules: dict[str, dict[str, Any]] = {}
        for name in self.indicators:
            if self.cleaned_data.get(f"{name}__method") == "absolute":
                rules[name] = {
                    "method": "absolute",
                    "best": self.cleaned_data[f"{name}__best"],
                    "worst": self.cleaned_data[f"{name}__worst"],
                }
        return rules


class LeadershipForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    leader_inspections = forms.IntegerField(label=_("Inspections led by leaders"), min_value=0)
    meetings = forms.IntegerField(label=_("Safety meetings held"), min_value=0)

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor, region=managed_regions(actor))
