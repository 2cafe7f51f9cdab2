"""Browser forms of enforcement orders: issue one, and accept the enterprise back (resume)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.widgets import QuickSelect
from organizations.forms import restrict_choices
from organizations.models import Enterprise, User

from .choices import OPEN_STATES
from .enforcement import AcceptanceRole, OrderKind
from .models import Hazard, Inspection

# Rows of the acceptance's participant list on the page; blank rows are left out.
PARTICIPANT_ROWS = 4


class EnterprisePickForm(forms.Form):
    """First step when the page was not opened from an enterprise: which enterprise the order is for."""

    enterprise = forms.ModelChoiceField(
        label=_("Enterprise"), queryset=Enterprise.objects.none(), widget=QuickSelect
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor)


class HazardChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.title}"


class OrderForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of order"), choices=OrderKind.choices)
    hazards = HazardChoices(
        label=_("Hazards the order is issued for"),
        queryset=Hazard.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Resumption waits until every hazard ticked here is closed."),
    )
    legal_basis = forms.CharField(
        label=_("Legal basis"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The law and article, e.g. 《安全生产法》第一百零二条."),
    )
    issued_on = forms.DateField(label=_("Issued on"), widget=forms.DateInput(attrs={"type": "date"}))
    inspection = forms.ModelChoiceField(
        label=_("Inspection"), queryset=Inspection.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, actor: User, enterprise: Enterprise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(
            self,
            actor,
            hazards=Hazard.objects.visible_to(actor)
            .filter(enterprise=enterprise, state__in=OPEN_STATES)
            .order_by("-discovered_at"),
            inspection=Inspection.objects.visible_to(actor).filter(enterprise=enterprise),
        )


class ResumeForm(forms.Form):
    """The on-site acceptance (复产验收): who took part and in which role, what it found, and when."""

    date = forms.DateField(label=_("Acceptance date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(
        label=_("What the acceptance found"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        roles = [("", "—"), *AcceptanceRole.choices]
        for row in range(1, PARTICIPANT_ROWS + 1):
            self.fields[f"participant_{row}_name"] = forms.CharField(
                label=_("Participant %(number)d") % {"number": row}, max_length=100, required=False
            )
            self.fields[f"participant_{row}_role"] = forms.ChoiceField(
                label=_("Role of participant %(number)d") % {"number": row}, choices=roles, required=False
            )

    def participant_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"participant_{row}_name"], self[f"participant_{row}_role"])
            for row in range(1, PARTICIPANT_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        participants = []
        for row in range(1, PARTICIPANT_ROWS + 1):
            name, role = data.pop(f"participant_{row}_name", ""), data.pop(f"participant_{row}_role", "")
            if name or role:
                participants.append({"name": name, "role": role})
        data["participants"] = participants
        return data
