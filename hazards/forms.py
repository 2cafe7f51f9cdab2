"""Browser forms for the ledger: parse input; services decide. Choices come from the caller's scope."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.widgets import QuickCheckboxes, QuickSelect
from organizations.choices import DEPARTMENT_ROLES
from organizations.forms import NamedModelChoiceField, restrict_choices
from organizations.models import Department, Enterprise, Industry, Membership, Region, User
from organizations.scoping import scope_for

from .choices import (
    AcceptanceMethod,
    AcceptanceRole,
    HazardCategory,
    HazardLevel,
    HazardSource,
    HazardState,
    InspectionKind,
    ItemResult,
    ListingLevel,
    StopProduction,
)
from .models import Criterion, Hazard, Inspection, SelfInspectionItem, current_criteria
from .services.inspections import ChecklistLine
from .services.permissions import REGULATOR_ROLES, listing_levels_for


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


PHOTO_HELP = _(
    "Take a photo or choose one from the gallery. The time and place the camera recorded are kept with it."
)


class MultipleFileField(forms.FileField):
    """Several photos in one input. Without a `capture` attribute a phone offers both the camera and the
    gallery (Android's chooser, iOS's Take Photo / Photo Library menu); `capture` would force the camera and
    hide photos taken earlier. Listing JPEG and PNG (not image/*) makes iOS send a HEIC photo as JPEG."""

    def __init__(self, *args: Any, pdf: bool = False, **kwargs: Any) -> None:
        # Evidence may also be a PDF (a report, a certificate).
        accept = "image/jpeg,image/png,application/pdf" if pdf else "image/jpeg,image/png"
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("help_text", PHOTO_HELP)
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def criterion_choices(industry_code: str | None = None, tenant_id: int | None = None) -> Any:
    criteria = current_criteria(tenant_id)
    if industry_code:
        criteria = criteria.filter(standard__industry_code=industry_code)
    return criteria


class LedgerFilterForm(forms.Form):
    """The ledger page's filter bar (the same names the API uses)."""

    q = forms.CharField(label=_("Search"), required=False)
    state = forms.MultipleChoiceField(
        label=_("State"), choices=HazardState.choices, required=False, widget=QuickCheckboxes
    )
    level = forms.ChoiceField(
        label=_("Grade"), choices=[("", "—"), *HazardLevel.choices], required=False, widget=QuickSelect
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *HazardCategory.choices], required=False, widget=QuickSelect
    )
    proposed_level = forms.ChoiceField(
        label=_("Reported by the enterprise as"),
        choices=[("", "—"), (HazardLevel.MAJOR, _("Major (self-reported)"))],
        required=False,
        widget=QuickSelect,
    )
    source = forms.ChoiceField(
        label=_("Source"), choices=[("", "—"), *HazardSource.choices], required=False, widget=QuickSelect
    )
    industry = NamedModelChoiceField(
        label=_("Industry"),
        queryset=Industry.objects.none(),
        required=False,
        to_field_name="code",
        widget=QuickSelect,
    )
    region = NamedModelChoiceField(
        label=_("Region"), queryset=Region.objects.none(), required=False, widget=QuickSelect
    )
    overdue = forms.NullBooleanField(
        label=_("Overdue"),
        required=False,
        widget=QuickSelect(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
    listed = forms.NullBooleanField(
        label=_("Listed for supervision"),
        required=False,
        widget=QuickSelect(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
    found_from = forms.DateField(
        label=_("Found from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    found_to = forms.DateField(
        label=_("Found to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ordering = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("-discovered_at", _("Newest first")),
            ("discovered_at", _("Oldest first")),
            ("deadline", _("Deadline soonest")),
        ],
        widget=QuickSelect,
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor)


def category_field(**kwargs: Any) -> forms.ChoiceField:
    return forms.ChoiceField(label=_("Category"), choices=HazardCategory.choices, **kwargs)


class ReportForm(forms.Form):
    """Report a hazard. A regulator may grade it at once; the enterprise may report it as major, citing the
    criterion it meets (the regulator then confirms the grade)."""

    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    location = forms.CharField(label=_("Location"), max_length=200)
    category = category_field(widget=forms.RadioSelect)
    industry = forms.ModelChoiceField(label=_("Industry"), queryset=Industry.objects.none(), required=False)
    level = forms.ChoiceField(label=_("Grade"), required=False, widget=forms.RadioSelect)
    criterion = forms.ModelChoiceField(
        label=_("Criterion met (major hazards)"), queryset=Criterion.objects.none(), required=False
    )
    photos = MultipleFileField(label=_("Photos"))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        enterprises = Enterprise.objects.visible_to(actor)
        criteria = criterion_choices()
        level = self.fields["level"]
        assert isinstance(level, forms.ChoiceField)
        if scope_for(actor).has_any_role(REGULATOR_ROLES):
            level.choices = [("", _("Not graded yet")), *HazardLevel.choices]
        else:  # the enterprise: the criteria of its own industries
            criteria = criteria.filter(
                standard__industry_code__in=Industry.objects.filter(enterprises__in=enterprises).values(
                    "code"
                )
            )
            level.label = _("Is it a major hazard?")
            level.choices = [
                ("", _("No, or not sure: the inspector grades it")),
                (HazardLevel.MAJOR, _("Yes, major")),
            ]
            level.help_text = _(
                "A major hazard cites the criterion of the determination standard it meets; the regulating "
                "departments and the safety committee are told at once."
            )
        level.initial = ""
        restrict_choices(self, actor, enterprise=enterprises, criterion=criteria)
        if enterprises.count() == 1:
            self.fields["enterprise"].initial = enterprises.get().pk


class ConfirmForm(forms.Form):
    level = forms.ChoiceField(label=_("Grade"), choices=HazardLevel.choices, widget=forms.RadioSelect)
    criterion = forms.ModelChoiceField(
        label=_("Criterion met (major hazards)"), queryset=Criterion.objects.none(), required=False
    )
    reason = forms.CharField(
        label=_("Reason for a grade other than the enterprise's proposal"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, hazard: Hazard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = criterion_choices(hazard.industry.code, hazard.tenant_id)  # type: ignore[attr-defined]
        if hazard.proposed_level:
            # The enterprise's proposal and its criterion are what the inspector confirms or changes.
            self.fields["level"].initial = hazard.proposed_level
            self.fields["criterion"].initial = hazard.criterion_id
        else:
            del self.fields["reason"]


class HandoverForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Territorial region"), queryset=Region.objects.none())
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments to follow it"),
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args: Any, actor: User, hazard: Hazard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ancestors = [code for code in hazard.region_path.split("/") if code]
        regions = Region.objects.visible_to(actor).filter(code__in=ancestors)
        restrict_choices(
            self,
            actor,
            region=regions,
            departments=Department.objects.visible_to(actor)
            .filter(region__in=regions, industries=hazard.industry_id)
            .select_related("region")
            .distinct(),
        )
        self.fields["region"].initial = hazard.region_id


class PlanForm(forms.Form):
    responsible_person = forms.CharField(label=_("Responsible person"), max_length=100)
    measures = forms.CharField(label=_("Measures"), widget=forms.Textarea(attrs={"rows": 3}))
    funds = forms.DecimalField(label=_("Funds (yuan)"), min_value=0, max_digits=14, decimal_places=2)
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    contingency_plan = forms.CharField(label=_("Contingency plan"), widget=forms.Textarea(attrs={"rows": 2}))


class SubmitForm(forms.Form):
    report = forms.CharField(label=_("What was done"), widget=forms.Textarea(attrs={"rows": 3}))
    evidence = MultipleFileField(label=_("Photos or PDF"), pdf=True)


class ParticipantRows(forms.Widget):
    """One row per participant (name, role, unit), as many as were sent plus an empty one; on phones the
    rows stack. static/js/participant-rows.js adds rows without a round trip."""

    MIN_ROWS = 3

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[dict[str, str]]:
        names, roles, units = (data.getlist(f"{name}-{part}") for part in ("name", "role", "unit"))
        return [
            {"name": n, "role": r, "unit": u}
            for n, r, u in zip(names, roles + [""] * len(names), units + [""] * len(names), strict=False)
        ]

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return f"{name}-name" not in data

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        rows = [row for row in (value or []) if isinstance(row, dict)]
        rows += [{}] * max(self.MIN_ROWS - len(rows), 1 if len(rows) >= self.MIN_ROWS else 0)
        first_id = (attrs or {}).get("id", f"id_{name}")
        role_label = pgettext_lazy("acceptance participant", "Role")
        name_label, unit_label = pgettext_lazy("person", "Name"), _("Unit (optional)")
        roles = [("", role_label), *AcceptanceRole.choices]

        def row_html(index: int, row: dict[str, str]) -> SafeString:
            options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((value, " selected" if row.get("role") == value else "", label) for value, label in roles),
            )
            return format_html(
                '<div class="participant-row">'
                '<input type="text" name="{}-name" value="{}" maxlength="100"'
                ' aria-label="{}" placeholder="{}"{}>'
                '<select name="{}-role" aria-label="{}">{}</select>'
                '<input type="text" name="{}-unit" value="{}" maxlength="200"'
                ' aria-label="{}" placeholder="{}">'
                "</div>",
                name,
                row.get("name", ""),
                name_label,
                name_label,
                format_html(' id="{}"', first_id) if index == 0 else "",
                name,
                role_label,
                options,
                name,
                row.get("unit", ""),
                unit_label,
                unit_label,
            )

        return format_html(
            '<div class="participant-rows" data-participant-rows>{}</div>'
            '<button type="button" class="button-secondary" data-add-participant hidden>{}</button>',
            format_html_join("", "{}", ((row_html(index, row),) for index, row in enumerate(rows))),
            _("Add a participant"),
        )


class ParticipantsField(forms.Field):
    """The acceptance's participants as [{name, role, unit}], blank rows dropped; the service checks them."""

    widget = ParticipantRows

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> list[dict[str, str]]:
        rows = value if isinstance(value, list) else []
        return [
            {key: str(row.get(key, "")).strip() for key in ("name", "role", "unit")}
            for row in rows
            if any(str(part).strip() for part in row.values())
        ]


class VerifyForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Result"),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        choices=[("yes", _("Accept and close")), ("no", _("Reject"))],
    )
    on_site = forms.BooleanField(label=_("Verified on site"), required=False, initial=True)
    note = forms.CharField(
        label=_("Note (required when rejecting)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # The on-site acceptance (销号验收): required to accept a major hazard.
    participants = ParticipantsField(
        label=_("Acceptance participants"),
        help_text=_("At least two for a major hazard: inspectors and experts, each with their role."),
    )
    method = forms.ChoiceField(
        label=_("Acceptance method"),
        required=False,
        choices=[("", "—"), *AcceptanceMethod.choices],
        widget=QuickSelect,
    )
    conclusion = forms.CharField(
        label=_("Acceptance conclusion"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    attachments = MultipleFileField(label=_("Acceptance attachments (photos or PDF)"), pdf=True)

    ACCEPTANCE_FIELDS = ("participants", "method", "conclusion", "attachments")
    # What accepting a major hazard needs; the service checks the same (services/closure.py).
    REQUIRED_TO_ACCEPT = {
        "participants": _("Name at least two participants of the on-site acceptance."),
        "method": _("Choose how the rectification was accepted."),
        "conclusion": _("Write the acceptance conclusion."),
    }

    def __init__(self, *args: Any, hazard: Hazard | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if hazard is not None and hazard.level != HazardLevel.MAJOR:
            for name in self.ACCEPTANCE_FIELDS:  # a general hazard closes without an acceptance record
                del self.fields[name]
            return
        for name, message in self.REQUIRED_TO_ACCEPT.items():
            self.fields[name].required = True
            self.fields[name].error_messages["required"] = message

    def full_clean(self) -> None:
        # A rejection needs no acceptance: only its note (the service says so when it is missing).
        if self.is_bound and self.data.get(self.add_prefix("accepted")) == "no":
            for name in self.REQUIRED_TO_ACCEPT:
                if name in self.fields:
                    self.fields[name].required = False
        super().full_clean()


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("What the follow-up check found"), widget=forms.Textarea(attrs={"rows": 2})
    )
    deadline = forms.DateField(label=_("New deadline"), widget=forms.DateInput(attrs={"type": "date"}))


class ExtensionRequestForm(forms.Form):
    new_deadline = forms.DateField(label=_("New deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionDecisionForm(forms.Form):
    approved = forms.TypedChoiceField(
        label=_("Decision"),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
    )
    note = forms.CharField(label=_("Note (required when refusing)"), required=False)


class ListingForm(forms.Form):
    """Listed supervision by the actor's own unit: only the levels within its authority are offered."""

    level = forms.ChoiceField(
        label=_("Level"),
        choices=ListingLevel.choices,
        help_text=_("Your own unit becomes the listing body; it lists at its own level or below."),
    )
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    deadline = forms.DateField(label=_("Listing deadline"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, actor: User, hazard: Hazard, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        levels = listing_levels_for(scope_for(actor), hazard)
        self.fields["level"].choices = [(level.value, level.label) for level in levels]  # type: ignore[attr-defined]


class LiftListingForm(forms.Form):
    note = forms.CharField(
        label=_("Lifting note"),
        help_text=_("What the listing body checked before lifting the listing."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ListingFilterForm(forms.Form):
    """The listings register's filters (the same names as the API's query parameters)."""

    level = forms.ChoiceField(label=_("Level"), choices=[("", "—"), *ListingLevel.choices], required=False)
    overdue = forms.NullBooleanField(
        label=_("Past the listing deadline"),
        required=False,
        widget=forms.Select(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )
    lifted = forms.NullBooleanField(
        label=_("Lifted"),
        required=False,
        widget=forms.Select(choices=[("", "—"), ("true", _("Yes")), ("false", _("No"))]),
    )


def assigned_leads(actor: User) -> QuerySet[Any]:
    """Tip-offs assigned to the actor's departments as leads, which an inspection of theirs may cite."""
    tip_offs = Inspection._meta.get_field("tip_off").related_model
    return (
        tip_offs._default_manager.visible_to(actor)  # type: ignore[attr-defined]  # a ScopedManager
        .filter(department_id__in=scope_for(actor).department_ids, status="lead")  # TipOffStatus.LEAD
        .select_related("region")
        .order_by("-created_at")
    )


class LeadChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.tracking_code} · {obj.enterprise_name or obj.region.display_name}"


class InspectionForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Enterprise.objects.none())
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Kind"), choices=InspectionKind.choices)
    inspectors = forms.ModelMultipleChoiceField(
        label=_("Other inspectors on the team"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    summary = forms.CharField(label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    rectification_order = forms.BooleanField(label=_("Rectification order issued"), required=False)
    stop_production = forms.ChoiceField(label=_("Stop-production order"), choices=StopProduction.choices)
    fine_amount = forms.DecimalField(
        label=_("Fine (yuan)"), min_value=0, initial=0, max_digits=12, decimal_places=2
    )
    tip_off = LeadChoiceField(
        label=_("Prompted by tip-off"),
        queryset=None,
        required=False,
        help_text=_(
            "A tip-off from the public assigned to your department; its findings count as tip-off finds."
        ),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope = scope_for(actor)
        team = Membership.objects.filter(
            department_id__in=scope.department_ids, role__in=DEPARTMENT_ROLES, is_active=True
        ).values("user_id")
        restrict_choices(
            self,
            actor,
            inspectors=User.objects.visible_to(actor)
            .filter(pk__in=team)
            .exclude(pk=actor.pk)
            .order_by("username"),
            tip_off=assigned_leads(actor),
        )


class FindingForm(forms.Form):
    """One finding of an inspection; an empty title means the row is unused."""

    title = forms.CharField(label=_("Finding"), max_length=200, required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    # Required on a used row: the service says so, on the row.
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *HazardCategory.choices], required=False
    )
    level = forms.ChoiceField(label=_("Grade"), choices=HazardLevel.choices, initial=HazardLevel.GENERAL)
    criterion = forms.ModelChoiceField(
        label=_("Criterion (major)"), queryset=Criterion.objects.none(), required=False
    )
    photos = MultipleFileField(label=_("Photos"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criterion"].queryset = criterion_choices()  # type: ignore[attr-defined]


FindingFormSet = forms.formset_factory(FindingForm, extra=3, max_num=10)


class SelfInspectionStartForm(forms.Form):
    """Open an enterprise's self-inspection of a month (this month when none is given)."""

    # An id the view looks up in the actor's scope: another tenant's enterprise is a 404, not a field error.
    enterprise = forms.IntegerField(widget=forms.HiddenInput)
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        error_messages={"invalid": _("Give the month as YYYY-MM, e.g. 2023-06.")},
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )


class SelfInspectionForm(forms.Form):
    """The self-inspection page: for each checklist line a result (ok / hazard / n.a.) with what was found and
    where, up to EXTRA_SLOTS free-form hazards with photos, and a note. Field names are the page's input names
    (result-<line key>, extra-<n>-description, …); answers() and extra_hazards() are the service's input. Text
    is passed on as typed (the service decides what blank means)."""

    EXTRA_SLOTS = 3

    note = forms.CharField(label=_("Note"), required=False, strip=False)

    def __init__(
        self, *args: Any, lines: Sequence[ChecklistLine], saved: dict[str, SelfInspectionItem], **kwargs: Any
    ) -> None:
        """`saved`: the items already on the draft by line key, shown until the user types something else."""
        initial: dict[str, str] = {}
        for key, item in saved.items():
            initial |= {
                f"result-{key}": item.result,
                f"category-{key}": item.category,
                f"description-{key}": item.description,
                f"location-{key}": item.location,
            }
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"result-{line.key}"] = forms.ChoiceField(
                label=line.label,
                choices=ItemResult.choices,
                required=False,
                error_messages={"invalid_choice": _("Mark the item ok, hazard or not applicable.")},
            )
            self.fields[f"category-{line.key}"] = forms.ChoiceField(
                label=_("Category"),
                choices=[("", "—"), *HazardCategory.choices],
                required=False,
                error_messages={"invalid_choice": _("Choose the hazard's category.")},
            )
            self.fields[f"description-{line.key}"] = forms.CharField(
                label=_("What was found"), required=False, strip=False
            )
            self.fields[f"location-{line.key}"] = forms.CharField(
                label=_("Where"), required=False, strip=False, max_length=200
            )
        for slot in range(self.EXTRA_SLOTS):
            self.fields[f"extra-{slot}-description"] = forms.CharField(
                label=_("What was found"), required=False, strip=False
            )
            self.fields[f"extra-{slot}-location"] = forms.CharField(
                label=_("Where"), required=False, strip=False, max_length=200
            )
            self.fields[f"extra-{slot}-category"] = forms.ChoiceField(
                label=_("Category"),
                choices=[("", "—"), *HazardCategory.choices],
                required=False,
                error_messages={"invalid_choice": _("Choose the hazard's category.")},
            )
            self.fields[f"extra-{slot}-photos"] = MultipleFileField(label=_("Photos"))

    @property
    def submitting(self) -> bool:
        """The head pressed "Submit" rather than "Save draft"."""
        return "submit" in self.data

    def answers(self) -> dict[str, dict[str, str]]:
        """The lines given a result: {line key: {"result", "category", "description", "location"}}."""
        data = self.cleaned_data
        return {
            line.key: {
                "result": data[f"result-{line.key}"],
                "category": data[f"category-{line.key}"],
                "description": data[f"description-{line.key}"],
                "location": data[f"location-{line.key}"],
            }
            for line in self.lines
            if data[f"result-{line.key}"]
        }

    def _extra_slots_used(self) -> list[int]:
        return [
            slot for slot in range(self.EXTRA_SLOTS) if self.cleaned_data[f"extra-{slot}-description"].strip()
        ]

    def extra_hazards(self) -> list[dict[str, Any]]:
        """The free-form hazards described ({"category", "description", "location", "photos"}); empty slots
        left out."""
        return [
            {
                "category": self.cleaned_data[f"extra-{slot}-category"],
                "description": self.cleaned_data[f"extra-{slot}-description"],
                "location": self.cleaned_data[f"extra-{slot}-location"],
                "photos": self.cleaned_data[f"extra-{slot}-photos"],
            }
            for slot in self._extra_slots_used()
        ]

    def add_service_errors(self, error: ValidationError) -> None:
        """The service names checklist lines by key and free-form hazards by their position among those sent
        (extra_<n>); each error lands on the field the user fixes, the others at the top."""
        fields = {line.key: f"result-{line.key}" for line in self.lines}
        fields |= {f"extra_{n}": f"extra-{slot}-location" for n, slot in enumerate(self._extra_slots_used())}
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            self.add_error(fields.get(key), errors)

    def line_rows(self) -> list[dict[str, Any]]:
        """Per checklist line what the page shows: what was typed (after a refused POST) or what was saved."""
        rows = []
        for line in self.lines:
            result, category, description, location = (
                self[f"{name}-{line.key}"] for name in ("result", "category", "description", "location")
            )
            rows.append(
                {
                    "line": line,
                    "result": result.value() or self.initial.get(result.name, ""),
                    "category": category.value() or "",
                    "description": description.value() or "",
                    "location": location.value() or "",
                    "errors": [*result.errors, *category.errors, *description.errors, *location.errors],
                }
            )
        return rows

    def extra_rows(self) -> list[dict[str, Any]]:
        rows = []
        for slot in range(self.EXTRA_SLOTS):
            description, location, photos, category = (
                self[f"extra-{slot}-{name}"] for name in ("description", "location", "photos", "category")
            )
            rows.append(
                {
                    "slot": slot,
                    "category": category.value() or "",
                    "description": description.value() or "",
                    "location": location.value() or "",
                    "errors": [*description.errors, *location.errors, *photos.errors, *category.errors],
                }
            )
        return rows


class RecheckResultForm(forms.Form):
    """The result of a re-check after closure (回头看): held, or not held (the hazard is reopened)."""

    held = forms.TypedChoiceField(
        label=_("Did the rectification hold?"),
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        choices=[("yes", _("Held")), ("no", _("Not held: reopen the hazard"))],
    )
    note = forms.CharField(
        label=_("What the re-check found (required when not held)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    deadline = forms.DateField(
        label=_("New rectification deadline when not held"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty for 30 days from today."),
    )
