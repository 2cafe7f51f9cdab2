"""The receivers' page of handover receipts (两移交): what awaits a department or committee, and the one
button that acknowledges it (the same transition as the hazard page's)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.choices import DEPARTMENT_ROLES, Role
from organizations.scoping import actor_of, require_role

from . import services
from .selectors import hazard_get, receipt_list

RECEIVER_ROLES = DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}


class AcknowledgeForm(forms.Form):
    """Nothing to fill in: acknowledging says the receiver has taken the handover over."""


@login_required
def receipt_list_page(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_role(actor, RECEIVER_ROLES, _("Only departments and committees receive handovers."))
    show_all = request.GET.get("show") == "all"
    receipts = list(receipt_list(actor=actor, pending=None if show_all else True)[:200])
    return render(
        request,
        "hazards/receipt_list.html",
        {
            "receipts": receipts,
            "show_all": show_all,
            "today": timezone.localdate(),
            "form": AcknowledgeForm(),
        },
    )


@login_required
@require_POST
def receipt_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """Acknowledge the actor's receipts of the hazard's handover, then back to the list."""
    actor = actor_of(request)
    hazard = hazard_get(actor=actor, pk=pk)
    if AcknowledgeForm(request.POST).is_valid():
        services.hazard_acknowledge_handover(actor=actor, hazard=hazard)
        messages.success(request, _("Handover of %(code)s acknowledged.") % {"code": hazard.code})
    return redirect("handover-receipts")
