from typing import Any

from django import forms
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hazards.choices import HazardLevel, HazardState
from hazards.models import HandoverReceipt, Hazard, Inspection
from organizations.forms import managed_regions, restrict_choices
from organizations.models import Enterprise, Region, User

from .choices import (
    REPORTING_VIOLATIONS,
    AccidentGrade,
    AccidentReporting,
    InterviewReason,
    SanctionBasis,
    SanctionKind,
    Track,
)
from .models import Accident, DepartmentAssessment, RegionAssessment, SpotCheck
from .sanctions import BASIS_EVIDENCE, EVIDENCE_KINDS, evidence_summary


class AccidentForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none())
    occurred_at = forms.DateTimeField(
        label=_("Occurred at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    reported_at = forms.DateTimeField(
        label=_("Reached the county department at"),
        required=False,
        help_text=_(
            "Within one hour of the accident is on time; later is late. Leave empty if not reported."
        ),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    deaths = forms.IntegerField(label=_("Deaths"), min_value=0, initial=0)
    serious_injuries = forms.IntegerField(
        label=_("Serious injuries (acute industrial poisoning included)"), min_value=0, initial=0
    )
    injuries = forms.IntegerField(label=_("Injured in all"), min_value=0, initial=0)
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
    amount = forms.DecimalField(label=_("Fine (yuan)"), required=False, min_value=0, max_digits=12)
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
    deduct_general = forms.DecimalField(
        label=_("General accident"), min_value=0, max_digits=5, initial=2, required=False
    )
    deduct_larger = forms.DecimalField(
        label=_("Larger accident"), min_value=0, max_digits=5, initial=10, required=False
    )
    deduct_major = forms.DecimalField(
        label=_("Major accident"), min_value=0, max_digits=5, initial=30, required=False
    )
    deduct_especially_major = forms.DecimalField(
        label=_("Especially major accident"), min_value=0, max_digits=5, initial=100, required=False
    )

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

    def deductions(self) -> dict[str, Any]:
        """The points off per grade that were given (a grade left empty keeps the scheme's value)."""
        given = {grade: self.cleaned_data.get(f"deduct_{grade}") for grade in AccidentGrade.values}
        return {grade: value for grade, value in given.items() if value is not None}

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


class SpotCheckResultForm(forms.Form):
    checked_on = forms.DateField(label=_("Re-inspected on"), widget=forms.DateInput(attrs={"type": "date"}))
    missed_count = forms.IntegerField(label=_("Hazards the enterprise missed"), min_value=0, initial=0)
    findings = forms.CharField(
        label=_("What the enterprise missed"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    inspection = forms.ModelChoiceField(
        label=_("The re-inspection's record (optional)"), queryset=Inspection.objects.none(), required=False
    )

    def __init__(self, *args: Any, actor: User, spot_check: SpotCheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(
            self,
            actor,
            inspection=Inspection.objects.visible_to(actor).filter(enterprise_id=spot_check.enterprise_id),
        )


class AccidentReportingForm(forms.Form):
    reporting = forms.ChoiceField(
        label=_("Reporting"),
        choices=[(v, label) for v, label in AccidentReporting.choices if v != AccidentReporting.NOT_REPORTED],
    )
    reported_at = forms.DateTimeField(
        label=_("Reached the county department at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    note = forms.CharField(label=_("What shows it"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CitedChoiceField(forms.ModelMultipleChoiceField):
    """Records a sanction may cite (the first hundred candidates), each labelled as the sanction keeps it."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        candidates = kwargs.pop("queryset")
        first = list(candidates.values_list("pk", flat=True)[:100])
        super().__init__(queryset=candidates.filter(pk__in=first), required=False, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return evidence_summary(self.kind, obj)


class SanctionImposeForm(forms.Form):
    """A sanction without an accident: whom, what, on which basis, citing which records."""

    region = forms.ModelChoiceField(label=_("Region of the subject"), queryset=Region.objects.none())
    track = forms.ChoiceField(label=_("Subject is"), choices=Track.choices)
    kind = forms.ChoiceField(label=_("Sanction"), choices=SanctionKind.choices)
    basis = forms.ChoiceField(
        label=_("Basis"), choices=[(b.value, b.label) for b in SanctionBasis if b in BASIS_EVIDENCE]
    )
    subject = forms.CharField(label=_("Subject (person or unit)"), max_length=200)
    issuing_body = forms.CharField(label=_("Issuing body"), max_length=200)
    decided_on = forms.DateField(label=_("Decided on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(label=_("Fine (yuan)"), required=False, min_value=0, max_digits=12)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor, region=managed_regions(actor))  # before the cited records are added
        today = timezone.localdate()
        hazards = Hazard.objects.visible_to(actor)
        self.fields["region_assessment"] = CitedChoiceField(
            "region_assessment",
            label=_("Regions at the bottom of a ranking"),
            queryset=RegionAssessment.objects.visible_to(actor)
            .filter(rank=F("rank_of"), rank_of__gt=1)
            .select_related("region")
            .order_by("-month", "region_path"),
        )
        self.fields["department_assessment"] = CitedChoiceField(
            "department_assessment",
            label=_("Departments at the bottom of a ranking"),
            queryset=DepartmentAssessment.objects.visible_to(actor)
            .filter(rank=F("rank_of"), rank_of__gt=1)
            .select_related("department")
            .order_by("-month", "region_path"),
        )
        self.fields["hazard"] = CitedChoiceField(
            "hazard",
            label=_("Major hazards overdue"),
            queryset=hazards.filter(level=HazardLevel.MAJOR, deadline__lt=today)
            .exclude(state__in=[HazardState.CLOSED, HazardState.WITHDRAWN])
            .order_by("deadline"),
        )
        self.fields["handover_receipt"] = CitedChoiceField(
            "handover_receipt",
            label=_("Handovers not acknowledged in time"),
            queryset=HandoverReceipt.objects.filter(
                handover__hazard__in=hazards, acknowledged_at__isnull=True, receipt_deadline__lt=today
            )
            .select_related("handover__hazard", "department")
            .order_by("receipt_deadline"),
        )
        self.fields["accident"] = CitedChoiceField(
            "accident",
            label=_("Accidents reported late, missed, falsely or concealed"),
            queryset=Accident.objects.visible_to(actor)
            .filter(reporting__in=REPORTING_VIOLATIONS)
            .select_related("enterprise")
            .order_by("-occurred_at"),
        )

    def evidence(self) -> list[dict[str, Any]]:
        return [
            {"kind": kind, "id": record.pk}
            for kind in EVIDENCE_KINDS
            for record in self.cleaned_data.get(kind) or []
        ]

    def service_fields(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in SANCTION_FIELDS}
        return {**data, "evidence": self.evidence()}


SANCTION_FIELDS = (
    "region",
    "track",
    "kind",
    "basis",
    "subject",
    "issuing_body",
    "decided_on",
    "amount",
    "note",
)
