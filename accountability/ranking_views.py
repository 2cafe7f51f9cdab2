"""The rankings page (regions, departments, enterprises) and the monthly circular."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from hazards.selectors import parse_month
from organizations.audit import audit_export
from organizations.errors import PermissionDeniedError
from organizations.forms import managed_regions
from organizations.models import Region, User
from organizations.scoping import scope_for

from .models import RegionAssessment
from .rankings import LEVEL_MODELS, PAGE_SIZE, circular_pdf, formula, ranking, trend
from .scoring import scheme_for


def _context(request: HttpRequest) -> dict[str, Any]:
    actor: User = request.user  # type: ignore[assignment]
    scope = scope_for(actor)
    if not (scope.is_tenant_admin or scope.committee_region_ids):
        raise PermissionDeniedError()
    level = request.GET.get("level", "region")
    if level not in LEVEL_MODELS:
        level = "region"
    latest = (
        RegionAssessment.objects.visible_to(actor).order_by("-month").values_list("month", flat=True).first()
    )
    month = (
        parse_month(request.GET["month"])
        if request.GET.get("month")
        else (latest or (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1))
    )
    # The regions this committee may rank: its own and everything below.
    managed = managed_regions(actor).order_by("path")
    region = (
        Region.objects.get_visible(actor, pk=request.GET["region"]) if request.GET.get("region") else None
    )
    if region is None or not managed.filter(pk=region.pk).exists():
        region = managed.first()
    assert actor.tenant is not None and region is not None
    try:
        after = max(0, int(request.GET.get("after", "0")))
    except ValueError:
        after = 0
    rows = ranking(actor=actor, level=level, region=region, month=month, after=after)
    scheme = scheme_for(actor.tenant, month)
    return {
        "actor": actor,
        "level": level,
        "month": month,
        "region": region,
        "parent": region,
        "managed": managed,
        "rows": rows,
        "after": after,
        "next_after": (
            rows[-1]["assessment"].rank if level == "enterprise" and len(rows) == PAGE_SIZE else None
        ),
        "scheme": scheme,
        "formula": formula(level, scheme, rows[0]["assessment"] if rows else None),
        "can_edit_scheme": bool(
            scheme.campaign
            and (
                scope.is_tenant_admin
                or any(scheme.campaign.region_path.startswith(path) for path in scope.committee_paths)
            )
        ),
    }


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    if context["level"] != "enterprise":  # one line per enterprise would not be readable
        context["trend"] = trend(actor=context["actor"], level=context["level"], region=context["region"])
    return render(request, "accountability/rankings.html", context)


@login_required
def circular(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    region, month = context["region"], context["month"]
    rows = ranking(actor=context["actor"], level="region", region=region, month=month)
    departments = ranking(actor=context["actor"], level="department", region=region, month=month)
    audit_export(actor=context["actor"], export="rankings circular", fmt="pdf", target=region, month=month)
    title = f"{region.name}{month:%Y年%m月}安全生产考核排名通报"
    response = HttpResponse(
        circular_pdf(title=title, rows=rows, month=month, department_rows=departments),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="circular-{month:%Y-%m}.pdf"'
    return response
