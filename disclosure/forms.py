from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from organizations.models import Department, Region


class TipOffForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Where (region)"), queryset=Region.objects.none())
    enterprise_name = forms.CharField(label=_("Enterprise or place"), max_length=200, required=False)
    description = forms.CharField(
        label=_("What you saw"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )
    contact = forms.CharField(
        label=_("Contact (optional)"),
        max_length=200,
        required=False,
        help_text=_("Only the safety committee sees it; leave it empty to stay anonymous."),
    )

    def __init__(self, *args: Any, regions: QuerySet[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]


class CorrectionForm(forms.Form):
    reason = forms.CharField(
        label=_("Public reason for the correction"), widget=forms.Textarea(attrs={"rows": 3})
    )


class TriageForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[("lead", _("Pass to inspectors as a lead")), ("dismiss", _("Close without inspection"))],
    )
    public_note = forms.CharField(
        label=_("Note for the sender (required when closing)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssignForm(forms.Form):
    department = forms.ModelChoiceField(
        label=_("Department to inspect it"), queryset=Department.objects.none()
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments  # type: ignore[attr-defined]


class RewardForm(forms.Form):
    granted_on = forms.DateField(label=_("Reward granted on"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("Kept for the committee's records; never published."),
    )


class PolicyForm(forms.Form):
    show_criterion = forms.BooleanField(label=_("Publish the criterion met"), required=False)
    show_deadline = forms.BooleanField(label=_("Publish the rectification deadline"), required=False)
    show_listing = forms.BooleanField(label=_("Publish listed supervision"), required=False)


class PublicTitleForm(forms.Form):
    """One hazard's public title in a draft review; left empty, the hazard keeps its default wording."""

    public_id = forms.CharField(widget=forms.HiddenInput, max_length=20)
    # The length, like every other rule of a title, is the service's (publication_titles_set) to check.
    title = forms.CharField(label=_("Public title"), required=False)
