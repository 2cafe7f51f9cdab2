"""The rankings page and the monthly circular."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from hazards.selectors import parse_month
from organizations.errors import PermissionDeniedError
from organizations.models import Region, User
from organizations.scoping import scope_for

from .models import RegionAssessment
from .rankings import circular_pdf, ranking, trend
from .scoring import DEFAULT_WEIGHTS, GROUPS, scheme_weights


def _context(request: HttpRequest) -> dict:
    actor: User = request.user  # type: ignore[assignment]
    scope = scope_for(actor)
    if not (scope.is_tenant_admin or scope.committee_region_ids):
        raise PermissionDeniedError()
    latest = (
        RegionAssessment.objects.visible_to(actor).order_by("-month").values_list("month", flat=True).first()
    )
    month = (
        parse_month(request.GET["month"])
        if request.GET.get("month")
        else (latest or (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1))
    )
    own = Region.objects.visible_to(actor).filter(pk__in=scope.committee_region_ids).order_by("path").first()
    parent = (
        Region.objects.get_visible(actor, pk=request.GET["region"])
        if request.GET.get("region")
        else own or Region.objects.visible_to(actor).filter(parent__isnull=True).first()
    )
    assert actor.tenant is not None and parent is not None
    return {
        "actor": actor,
        "month": month,
        "parent": parent,
        "rows": ranking(actor=actor, parent=parent, month=month),
        "weights": scheme_weights(actor.tenant, month),
        "default_weights": DEFAULT_WEIGHTS,
        "groups": GROUPS,
    }


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    context["trend"] = trend(actor=context["actor"], parent=context["parent"])
    return render(request, "accountability/rankings.html", context)


@login_required
def circular(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    title = f"{context['parent'].name}{context['month']:%Y年%m月}安全生产考核排名通报"
    response = HttpResponse(
        circular_pdf(title=title, rows=context["rows"], month=context["month"]),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="circular-{context["month"]:%Y-%m}.pdf"'
    return response
