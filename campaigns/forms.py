from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.forms import managed_regions, restrict_choices
from organizations.models import Department, Industry, Region, User

from .choices import CampaignStatus
from .models import Campaign, Task

DATE = forms.DateInput(attrs={"type": "date"})


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    region = forms.ModelChoiceField(
        label=_("Region (its committee runs the campaign)"), queryset=Region.objects.none()
    )
    parent = forms.ModelChoiceField(
        label=_("Part of campaign"), queryset=Campaign.objects.none(), required=False
    )
    start_date = forms.DateField(label=_("Start"), widget=DATE)
    end_date = forms.DateField(label=_("End"), widget=DATE)
    industries = forms.ModelMultipleChoiceField(
        label=_("Key industries"), queryset=Industry.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    general_requirement = forms.CharField(
        label=_("General requirement"), required=False, widget=forms.Textarea
    )
    responsibilities = forms.CharField(label=_("Responsibilities"), required=False, widget=forms.Textarea)
    guarantee_measures = forms.CharField(label=_("Guarantee measures"), required=False, widget=forms.Textarea)
    status = forms.ChoiceField(label=_("Status"), choices=CampaignStatus.choices)

    def __init__(self, *args: Any, actor: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor, region=managed_regions(actor))
        if editing:
            for name in ("region", "parent"):
                self.fields[name].disabled = True
                self.fields[name].required = False


class StageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    name_en = forms.CharField(label=_("English name"), max_length=100, required=False)
    start_date = forms.DateField(label=_("Start"), widget=DATE)
    end_date = forms.DateField(label=_("End"), widget=DATE)


class TaskForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=20)
    parent = forms.ModelChoiceField(label=_("Under task"), queryset=Task.objects.none(), required=False)
    title = forms.CharField(label=_("Task"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    weight = forms.DecimalField(label=_("Weight"), min_value=0, initial=1, max_digits=6, decimal_places=2)
    departments = forms.ModelMultipleChoiceField(
        label=_("Responsible departments"), required=False, queryset=Department.objects.none()
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Responsible regions"), required=False, queryset=Region.objects.none()
    )

    def __init__(self, *args: Any, actor: User, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(
            self,
            actor,
            parent=campaign.tasks.all(),  # the campaign is already in the actor's scope
            departments=Department.objects.visible_to(actor)
            .filter(region__path__startswith=campaign.region_path)
            .select_related("region"),
            regions=Region.objects.visible_to(actor).filter(path__startswith=campaign.region_path),
        )


class ProgressForm(forms.Form):
    percent = forms.IntegerField(label=_("Progress (%)"), min_value=0, max_value=100)
    narrative = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    attachments = forms.FileField(
        label=_("Attachments (photos or PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )


class TaskImportForm(forms.Form):
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))
