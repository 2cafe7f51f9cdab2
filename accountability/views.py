"""Accountability pages: accidents, cases with their trace and three investigations, warning interviews."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from organizations.forms import apply_service_errors
from organizations.scoping import actor_of
from organizations.views import form_page

from . import services
from .accidents import INVESTIGATED_BY
from .choices import Track
from .forms import (
    AccidentForm,
    AccidentReportingForm,
    CasePageForm,
    InterviewForm,
    InvestigationForm,
    SanctionForm,
)
from .models import Accident, AccountabilityCase, WarningInterview
from .services import FINDINGS


@login_required
def accident_list(request: HttpRequest) -> HttpResponse:
    accidents = Accident.objects.visible_to(actor_of(request)).select_related("enterprise", "case")[:200]
    return render(request, "accountability/accident_list.html", {"accidents": accidents})


@login_required
def accident_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = AccidentForm(request.POST or None, actor=actor)
    return form_page(
        request,
        form,
        "accountability/accident_form.html",
        save=lambda data: services.accident_record(actor=actor, **data),
        success=lambda accident: reverse("accident-detail", args=[accident.pk]),
    )


@login_required
def accident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    accident = Accident.objects.select_related("enterprise", "case").get_visible(actor_of(request), pk=pk)
    return render(
        request,
        "accountability/accident_detail.html",
        {
            "accident": accident,
            "investigated_by": INVESTIGATED_BY[accident.grade],
            "reporting_form": AccidentReportingForm() if accident.reporting not in FINDINGS else None,
        },
    )


@login_required
@require_POST
def case_open(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    accident = Accident.objects.get_visible(actor, pk=pk)
    case = services.case_open(actor=actor, accident=accident)
    messages.success(request, _("Case opened; the trace was assembled from the ledger."))
    return redirect("case-detail", pk=case.pk)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    case: AccountabilityCase = (
        AccountabilityCase.objects.select_related("accident__enterprise")
        .prefetch_related("investigations__sanctions")
        .get_visible(actor, pk=pk)
    )
    bound_investigation: InvestigationForm | None = None
    bound_sanction: SanctionForm | None = None
    sent = CasePageForm(request.POST if request.method == "POST" else None)
    if sent.is_valid():
        track = sent.cleaned_data["track"]
        bound: InvestigationForm | SanctionForm
        save: Callable[..., object]
        if sent.cleaned_data["form"] == "investigation":
            bound = bound_investigation = InvestigationForm(request.POST, auto_id=f"{track}-%s")
            save = services.investigation_save
        else:
            bound = bound_sanction = SanctionForm(request.POST, auto_id=f"{track}-sanction-%s")
            save = services.sanction_record
        if bound.is_valid():
            try:
                save(actor=actor, case=case, **bound.cleaned_data)
            except ValidationError as error:
                apply_service_errors(bound, error)
            else:
                return redirect("case-detail", pk=case.pk)
    tracks = []
    for investigation in case.investigations.all():
        tracks.append(
            {
                "investigation": investigation,
                "form": bound_investigation
                if bound_investigation and bound_investigation.data.get("track") == investigation.track
                else InvestigationForm(
                    auto_id=f"{investigation.track}-%s",
                    initial={
                        "track": investigation.track,
                        "subject_unit": investigation.subject_unit,
                        "subject_person": investigation.subject_person,
                        "findings": investigation.findings,
                    },
                ),
                "sanction_form": bound_sanction
                if bound_sanction and bound_sanction.data.get("track") == investigation.track
                else SanctionForm(
                    auto_id=f"{investigation.track}-sanction-%s", initial={"track": investigation.track}
                ),
            }
        )
    return render(
        request,
        "accountability/case_detail.html",
        {
            "case": case,
            "trace": case.trace,
            "tracks": tracks,
            "track_labels": dict(Track.choices),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    cases = AccountabilityCase.objects.visible_to(actor_of(request)).select_related("accident__enterprise")[
        :200
    ]
    return render(request, "accountability/case_list.html", {"cases": cases})


@login_required
def interview_list(request: HttpRequest) -> HttpResponse:
    interviews = WarningInterview.objects.visible_to(actor_of(request)).select_related("region")[:200]
    return render(request, "accountability/interview_list.html", {"interviews": interviews})


@login_required
def interview_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = InterviewForm(request.POST or None, actor=actor)
    return form_page(
        request,
        form,
        "accountability/interview_form.html",
        save=lambda data: services.interview_record(actor=actor, **data),
        success=lambda _interview: reverse("interview-list"),
    )
