"""Staff pages: review a month's draft against last month, publish, correct; triage tip-offs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hazards.models import Hazard
from organizations.forms import apply_service_errors
from organizations.models import User
from organizations.scoping import actor_of, require_role, tenant_of

from .choices import PublicationStatus
from .forms import CorrectionForm, PolicyForm, PublicTitleForm, TriageForm
from .models import PUBLIC_TITLE_MAX, DisclosurePolicy, Publication, TipOff
from .services import (
    disclosure_policy_update,
    publication_correct,
    publication_publish,
    publication_titles_set,
)
from .tipoffs import tipoff_triage


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
    publications = (
        Publication.objects.visible_to(actor_of(request)).select_related("region").defer("pdf")[:200]
    )
    return render(request, "disclosure/publication_list.html", {"publications": publications})


def _title_rows(actor: User, item: Publication, form: PublicTitleForm | None) -> list[dict[str, Any]]:
    """A draft's hazards with their public titles to edit; beside each, for the reviewer only, the title
    typed into the ledger (never published) and whether the public title was written by staff."""
    if item.status != PublicationStatus.DRAFT:
        return []
    rows = item.content["major_hazards"]
    ledger = {
        public_id: (pk, title, bool(written))
        for public_id, pk, title, written in Hazard.objects.visible_to(actor)
        .filter(public_id__public_id__in=[row["public_id"] for row in rows])
        .values_list("public_id__public_id", "pk", "title", "public_id__title")
    }
    # The row whose title was refused shows the error and what was typed.
    failed, errors_of_failed, typed = "", [], ""
    if form is not None and form.errors:
        failed, typed = form.data.get("public_id", ""), form.data.get("title", "")
        errors_of_failed = list(form.errors.get("title", []))
    result = []
    for row in rows:
        pk, ledger_title, written = ledger.get(row["public_id"], (None, "", False))
        errors = errors_of_failed if row["public_id"] == failed else []
        result.append(
            {
                "row": row,
                "ledger_pk": pk,
                "ledger_title": ledger_title,
                "written": written,
                "errors": errors,
                "value": typed if errors else row["title"],
            }
        )
    return result


def _review_page(
    request: HttpRequest, item: Publication, *, title_form: PublicTitleForm | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
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
            "title_rows": _title_rows(actor, item, title_form),
            "title_max": PUBLIC_TITLE_MAX,
            # Errors that belong to no row (an unknown hazard): shown above the list.
            "title_errors": [
                error
                for field, errors in (title_form.errors.items() if title_form is not None else [])
                if field != "title"
                for error in errors
            ],
        },
        status=status,
    )


@login_required
def publication_review(request: HttpRequest, pk: int) -> HttpResponse:
    item: Publication = (
        Publication.objects.select_related("region").defer("pdf").get_visible(actor_of(request), pk=pk)
    )
    return _review_page(request, item)


@login_required
@require_POST
def publication_title_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Write (or, left empty, reset to the default wording) one hazard's public title in a draft."""
    actor = actor_of(request)
    item: Publication = Publication.objects.select_related("region").defer("pdf").get_visible(actor, pk=pk)
    form = PublicTitleForm(request.POST)
    if form.is_valid():
        public_id = form.cleaned_data["public_id"]
        try:
            publication_titles_set(
                actor=actor, publication=item, titles={public_id: form.cleaned_data["title"]}
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Public title saved."))
            return redirect(reverse("publication-review", args=[item.pk]) + f"#title-{public_id}")
    return _review_page(request, item, title_form=form, status=400)


@login_required
@require_POST
def publication_publish_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    item = Publication.objects.defer("pdf").get_visible(actor, pk=pk)
    published = publication_publish(actor=actor, publication=item)
    messages.success(request, _("Published. SHA-256 of the PDF: %(digest)s") % {"digest": published.sha256})
    return redirect("publication-review", pk=published.pk)


@login_required
@require_POST
def publication_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    item = Publication.objects.defer("pdf").get_visible(actor, pk=pk)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            corrected = publication_correct(actor=actor, publication=item, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The corrected version is published."))
            return redirect("publication-review", pk=corrected.pk)
    messages.error(request, _("Give the public reason for the correction."))
    return redirect("publication-review", pk=item.pk)


@login_required
def tipoff_list(request: HttpRequest) -> HttpResponse:
    tips = TipOff.objects.visible_to(actor_of(request)).select_related("region")[:200]
    return render(request, "disclosure/tipoff_list.html", {"tips": tips})


@login_required
def tipoff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
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
            return redirect("tipoff-detail", pk=tip.pk)
    return render(
        request,
        "disclosure/tipoff_detail.html",
        {"tip": tip, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def policy(request: HttpRequest) -> HttpResponse:
    """The tenant's redaction policy: which optional fields the public sees."""
    actor = actor_of(request)
    require_role(actor, {"security_admin"}, _("Only the security administrator sets the disclosure policy."))
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
        return redirect("disclosure-policy")
    return render(request, "disclosure/policy.html", {"form": form})
