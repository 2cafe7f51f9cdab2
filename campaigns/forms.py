from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from organizations.forms import managed_regions, restrict_choices
from organizations.models import Department, Industry, Region, User

from .choices import AdoptionState, CampaignStatus, GroupRole, ListKind, ListState, RiskLevel
from .models import Campaign, LeadingGroupMember, Task

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


# ------------------------------------------------------------------ the plan's structure (issue 17)


def _owner_choices(form: forms.Form, actor: User, campaign: Campaign) -> None:
    restrict_choices(
        form,
        actor,
        owner_department=Department.objects.visible_to(actor)
        .filter(region__path__startswith=campaign.region_path)
        .select_related("region"),
        owner_region=Region.objects.visible_to(actor).filter(path__startswith=campaign.region_path),
    )


class ListEntryForm(forms.Form):
    number = forms.CharField(label=_("Number"), max_length=20)
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    owner_department = forms.ModelChoiceField(
        label=_("Owner department"), required=False, queryset=Department.objects.none()
    )
    owner_region = forms.ModelChoiceField(
        label=_("Owner region"), required=False, queryset=Region.objects.none()
    )
    responsible_position = forms.CharField(label=_("Responsible position"), max_length=100)
    due_date = forms.DateField(label=_("Due date"), widget=DATE)
    state = forms.ChoiceField(label=_("State"), choices=ListState.choices, initial=ListState.OPEN)

    def __init__(self, *args: Any, actor: User, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _owner_choices(self, actor, campaign)


class MeasureForm(ListEntryForm):
    document_number = forms.CharField(
        label=_("Number of the adopting document"), max_length=100, required=False
    )
    document_date = forms.DateField(label=_("Document date"), required=False, widget=DATE)
    document_issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False)


class RiskForm(ListEntryForm):
    level = forms.ChoiceField(label=_("Risk level"), choices=RiskLevel.choices, initial=RiskLevel.HIGH)
    controls = forms.CharField(
        label=_("Control measures"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class EntryMoveForm(forms.Form):
    state = forms.ChoiceField(label=_("Move to"), choices=ListState.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)
    document_number = forms.CharField(
        label=_("Number of the adopting document"), max_length=100, required=False
    )
    document_date = forms.DateField(label=_("Document date"), required=False, widget=DATE)
    document_issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False)


class ListImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("List"),
        choices=[
            (ListKind.MEASURES.value, ListKind.MEASURES.label),
            (ListKind.RISKS.value, ListKind.RISKS.label),
        ],
    )
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))


class LeadingGroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    industry = forms.ModelChoiceField(
        label=_("Key industry (empty: the general group)"), required=False, queryset=Industry.objects.none()
    )
    duties = forms.CharField(label=_("Duties"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, actor: User, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor, industry=Industry.objects.visible_to(actor).filter(campaigns=campaign))


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    position = forms.CharField(label=_("Position"), max_length=200)
    role = forms.ChoiceField(label=_("Role in the group"), choices=GroupRole.choices)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=0)


class AdoptedMeasureForm(forms.Form):
    source = forms.CharField(label=_("Source"), max_length=200)
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=32767)
    text = forms.CharField(label=_("Measure"), widget=forms.Textarea(attrs={"rows": 2}))
    note = forms.CharField(label=_("Note"), required=False, max_length=300)


class AdoptionForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    state = forms.ChoiceField(label=_("State"), choices=AdoptionState.choices)
    document = forms.CharField(label=_("Local document"), required=False, max_length=200)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, actor: User, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(
            self, actor, region=Region.objects.visible_to(actor).filter(pk__in=[r.pk for r in regions])
        )


class LeaderDutyForm(forms.Form):
    number = forms.IntegerField(label=_("Number"), min_value=1, max_value=32767)
    text = forms.CharField(label=_("Duty"), max_length=300)


class DutyCheckForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Leader"), queryset=LeadingGroupMember.objects.none())
    done_on = forms.DateField(label=_("Met on"), widget=DATE)
    evidence = forms.CharField(label=_("What shows it"), max_length=300)

    def __init__(self, *args: Any, actor: User, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(
            self, actor, member=LeadingGroupMember.objects.visible_to(actor).filter(group__campaign=campaign)
        )


class SubPlanForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Issuing department"), queryset=Department.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    start_date = forms.DateField(label=_("Start"), widget=DATE)
    end_date = forms.DateField(label=_("End"), widget=DATE)
    industries = forms.ModelMultipleChoiceField(
        label=_("Key industries (empty: those of the campaign the department covers)"),
        required=False,
        queryset=Industry.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    general_requirement = forms.CharField(
        label=_("General requirement"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, actor: User, campaign: Campaign, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(
            self,
            actor,
            department=Department.objects.visible_to(actor)
            .filter(region__path__startswith=campaign.region_path)
            .select_related("region"),
            industries=Industry.objects.visible_to(actor).filter(campaigns=campaign),
        )
