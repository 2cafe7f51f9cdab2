"""Staff pages: review a month's draft against last month, publish, correct; triage tip-offs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.scoping import ancestor_paths, any_of, path_within
from hazards.models import Hazard, Inspection
from organizations.choices import Role
from organizations.forms import apply_service_errors
from organizations.models import Department, User
from organizations.scoping import actor_of, require_role, scope_for, tenant_of

from .choices import PublicationStatus, TipOffStatus
from .forms import AssignForm, CorrectionForm, PolicyForm, PublicTitleForm, RewardForm, TriageForm
from .models import PUBLIC_TITLE_MAX, DisclosurePolicy, Publication, TipOff
from .services import (
    disclosure_policy_update,
    publication_correct,
    publication_publish,
    publication_titles_set,
)
from .tipoffs import (
    tipoff_assign,
    tipoff_public_stage,
    tipoff_reward,
    tipoff_triage,
    with_stage_flags,
)


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
    """Committee staff: the tip-offs of their regions; a department: the leads assigned to it."""
    tips = with_stage_flags(
        TipOff.objects.visible_to(actor_of(request)).select_related("region", "department")
    )
    return render(request, "disclosure/tipoff_list.html", {"tips": tips[:200]})


def _assignable_departments(actor: User, tip: TipOff) -> QuerySet[Department]:
    """Active departments of the committee's regions whose region contains the tip-off's."""
    scope = scope_for(actor)
    return (
        Department.objects.visible_to(actor)
        .filter(is_active=True, region__path__in=ancestor_paths(tip.region_path))
        .filter(any_of(path_within("region__path", scope.committee_paths)))
        .select_related("region")
    )


@login_required
def tipoff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    tip: TipOff = TipOff.objects.select_related("region", "department").get_visible(actor, pk=pk)
    tip = with_stage_flags(TipOff.objects.filter(pk=tip.pk, tenant_id=tip.tenant_id)).select_related(
        "region", "department"
    )[0]
    step = request.POST.get("step", "triage") if request.method == "POST" else ""
    form = TriageForm(request.POST if step == "triage" else None)
    assign_form = AssignForm(
        request.POST if step == "assign" else None, departments=_assignable_departments(actor, tip)
    )
    reward_form = RewardForm(request.POST if step == "reward" else None)
    bound = {"triage": form, "assign": assign_form, "reward": reward_form}.get(step)
    if bound is not None and bound.is_valid():
        try:
            if step == "triage":
                tipoff_triage(
                    actor=actor,
                    tip_off=tip,
                    lead=form.cleaned_data["decision"] == "lead",
                    public_note=form.cleaned_data["public_note"],
                )
                done = _("Tip-off triaged.")
            elif step == "assign":
                tipoff_assign(actor=actor, tip_off=tip, department=assign_form.cleaned_data["department"])
                done = _("Tip-off assigned.")
            else:
                tipoff_reward(actor=actor, tip_off=tip, **reward_form.cleaned_data)
                done = _("Reward recorded.")
        except ValidationError as error:
            apply_service_errors(bound, error)
        else:
            messages.success(request, done)
            return redirect("tipoff-detail", pk=tip.pk)
    scope = scope_for(actor)
    committee = tip.contact_visible_to(scope) and Role.COMMITTEE_STAFF in scope.roles
    return render(
        request,
        "disclosure/tipoff_detail.html",
        {
            "tip": tip,
            "form": form,
            "assign_form": assign_form,
            "reward_form": reward_form,
            "show_contact": tip.contact_visible_to(scope),
            "may_assign": committee and tip.status == TipOffStatus.LEAD and tip.department_id is None,
            "may_reward": committee
            and tip.reward_granted_on is None
            and bool(getattr(tip, "stage_open", False) or getattr(tip, "stage_closed", False)),
            "may_inspect": tip.status == TipOffStatus.LEAD and tip.department_id in scope.department_ids,
            "stage": tipoff_public_stage(tip),
            "inspections": Inspection.objects.visible_to(actor)
            .filter(tip_off=tip)
            .select_related("enterprise"),
        },
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
