"""Staff pages: review a month's draft against last month, publish, correct; triage tip-offs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.forms import apply_service_errors
from organizations.models import User

from .choices import PublicationStatus
from .forms import CorrectionForm, PolicyForm, TriageForm
from .models import Publication, TipOff
from .services import disclosure_policy_update, publication_correct, publication_publish
from .tipoffs import tipoff_triage


def _actor(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def differences(current: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """What changed since last month's publication: hazards added, no longer listed, state changed."""
    before = {row["public_id"]: row for row in (previous or {}).get("major_hazards", [])}
    now = {row["public_id"]: row for row in current["major_hazards"]}
    return {
        "added": [now[key] for key in now if key not in before],
        "removed": [before[key] for key in before if key not in now],
        "changed": [
            {"row": now[key], "was": before[key]["state"]}
            for key in now
            if key in before and before[key]["state"] != now[key]["state"]
        ],
    }


@login_required
def publication_list(request: HttpRequest) -> HttpResponse:
    publications = Publication.objects.visible_to(_actor(request)).select_related("region").defer("pdf")[:200]
    return render(request, "disclosure/publication_list.html", {"publications": publications})


@login_required
def publication_review(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    item: Publication = Publication.objects.select_related("region").defer("pdf").get_visible(actor, pk=pk)
    previous = (
        Publication.objects.filter(
            tenant_id=item.tenant_id,
            region=item.region,
            month__lt=item.month,
            status=PublicationStatus.PUBLISHED,
        )
        .defer("pdf")
        .order_by("-month")
        .first()
    )
    return render(
        request,
        "disclosure/publication_review.html",
        {
            "publication": item,
            "content": item.content,
            "previous": previous,
            "diff": differences(item.content, previous.content if previous else None),
            "correction_form": CorrectionForm(),
        },
    )


@login_required
@require_POST
def publication_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    item = Publication.objects.defer("pdf").get_visible(actor, pk=pk)
    published = publication_publish(actor=actor, publication=item)
    messages.success(request, _("Published. SHA-256 of the PDF: %(digest)s") % {"digest": published.sha256})
    return redirect(f"/disclosure/{published.pk}/")


@login_required
@require_POST
def publication_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    item = Publication.objects.defer("pdf").get_visible(actor, pk=pk)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            corrected = publication_correct(actor=actor, publication=item, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The corrected version is published."))
            return redirect(f"/disclosure/{corrected.pk}/")
    messages.error(request, _("Give the public reason for the correction."))
    return redirect(f"/disclosure/{item.pk}/")


@login_required
def tipoff_list(request: HttpRequest) -> HttpResponse:
    tips = TipOff.objects.visible_to(_actor(request)).select_related("region")[:200]
    return render(request, "disclosure/tipoff_list.html", {"tips": tips})


@login_required
def tipoff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _actor(request)
    tip: TipOff = TipOff.objects.select_related("region").get_visible(actor, pk=pk)
    form = TriageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            tipoff_triage(
                actor=actor,
                tip_off=tip,
                lead=form.cleaned_data["decision"] == "lead",
                public_note=form.cleaned_data["public_note"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Tip-off triaged."))
            return redirect(f"/tip-offs/{tip.pk}/")
    return render(
        request,
        "disclosure/tipoff_detail.html",
        {"tip": tip, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """The tenant's redaction policy: which optional fields the public sees."""
    actor = _actor(request)
    from organizations.scoping import require_role, tenant_of

    require_role(actor, {"security_admin"}, _("Only the security administrator sets the disclosure policy."))
    from .models import DisclosurePolicy

    # Reading the page writes nothing: an absent policy shows the defaults until the first save.
    current = DisclosurePolicy.objects.filter(tenant_id=tenant_of(actor)).first() or DisclosurePolicy()
    form = PolicyForm(
        request.POST or None, initial={name: getattr(current, name) for name in PolicyForm.base_fields}
    )
    if request.method == "POST" and form.is_valid():
        disclosure_policy_update(actor=actor, **form.cleaned_data)
        messages.success(
            request, _("Saved. New drafts follow this policy; published months stay as published.")
        )
        return redirect("/disclosure/policy/")
    return render(request, "disclosure/policy.html", {"form": form})
