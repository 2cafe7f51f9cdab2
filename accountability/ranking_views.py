"""The rankings page (regions, departments, enterprises), its spreadsheet export and the monthly circular."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from core.errors import DomainError, NotFoundError, PermissionDeniedError
from core.months import parse_month, previous_month
from organizations.audit import audit_export
from organizations.forms import managed_regions
from organizations.models import Region, User
from organizations.scoping import Scope, actor_of, scope_for

from .models import RegionAssessment
from .permissions import may_set_scheme
from .ranking_export import FORMATS, ranking_file
from .rankings import LEVEL_MODELS, PAGE_SIZE, circular_pdf, formula, ranking, trend
from .scoring import scheme_for


def requested_month(request: HttpRequest) -> dt.date | None:
    return _month_of(request.GET)


def _month_of(params: Any) -> dt.date | None:
    """The `month` asked for (YYYY-MM), if any; a malformed one is a 400 naming the field, not a crash."""
    if not params.get("month"):
        return None
    try:
        return parse_month(params["month"])
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from None


@dataclass(frozen=True)
class Selection:
    """Which rank group a request asks for (level tab, region picker, month), already checked: what the
    page shows and what its exports write."""

    actor: User
    scope: Scope
    level: str
    month: dt.date
    region: Region
    managed: QuerySet[Region]


def _selection(request: HttpRequest) -> Selection:
    return ranking_selection(actor=actor_of(request), params=request.GET)


def ranking_selection(*, actor: User, params: Any) -> Selection:
    """Committee staff and tenant admins only (403); another tenant's region is a 404; a region of the
    tenant the committee may not rank falls back to its own; no month means the latest scored one. The
    page and the rankings export jobs (which have no request) choose here."""
    scope = scope_for(actor)
    if not (scope.is_tenant_admin or scope.committee_region_ids):
        raise PermissionDeniedError()
    level = params.get("level", "region")
    if level not in LEVEL_MODELS:
        level = "region"
    latest = (
        RegionAssessment.objects.visible_to(actor).order_by("-month").values_list("month", flat=True).first()
    )
    month = _month_of(params) or latest or previous_month(timezone.localdate())
    # The regions this committee may rank: its own and everything below.
    managed = managed_regions(actor).order_by("path")
    region = Region.objects.get_visible(actor, pk=params["region"]) if params.get("region") else None
    if region is None or not managed.filter(pk=region.pk).exists():
        region = managed.first()
    assert actor.tenant is not None and region is not None
    return Selection(actor=actor, scope=scope, level=level, month=month, region=region, managed=managed)


def _context(request: HttpRequest) -> dict[str, Any]:
    chosen = _selection(request)
    actor, level, month, region = chosen.actor, chosen.level, chosen.month, chosen.region
    assert actor.tenant is not None
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
        "managed": chosen.managed,
        "rows": rows,
        "after": after,
        "next_after": (
            rows[-1]["assessment"].rank if level == "enterprise" and len(rows) == PAGE_SIZE else None
        ),
        "scheme": scheme,
        "formula": formula(level, scheme, rows[0]["assessment"] if rows else None),
        "can_edit_scheme": bool(scheme.campaign and may_set_scheme(actor, scheme.campaign)),
    }


@login_required
def rankings(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    if context["level"] != "enterprise":  # one line per enterprise would not be readable
        context["trend"] = trend(actor=context["actor"], level=context["level"], region=context["region"])
    return render(request, "accountability/rankings.html", context)


@login_required
def circular(request: HttpRequest) -> HttpResponse:
    chosen = _selection(request)
    actor, region, month = chosen.actor, chosen.region, chosen.month
    rows = ranking(actor=actor, level="region", region=region, month=month)
    departments = ranking(actor=actor, level="department", region=region, month=month)
    audit_export(actor=actor, export="rankings circular", fmt="pdf", target=region, month=month)
    title = f"{region.name}{month:%Y年%m月}安全生产考核排名通报"
    response = HttpResponse(
        circular_pdf(title=title, rows=rows, month=month, department_rows=departments),
        content_type="application/pdf",
    )
    response["Content-Disposition"] = f'attachment; filename="circular-{month:%Y-%m}.pdf"'
    return response


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The rank group the page shows, whole (every enterprise, not one page of them), as XLSX or CSV.
    Every rankings spreadsheet leaves through here: the one place to record an export."""
    if fmt not in FORMATS:
        raise NotFoundError()
    chosen = _selection(request)
    rows = ranking(
        actor=chosen.actor, level=chosen.level, region=chosen.region, month=chosen.month, whole=True
    )
    body = ranking_file(fmt=fmt, level=chosen.level, region=chosen.region, month=chosen.month, rows=rows)
    audit_export(actor=chosen.actor, export="rankings", fmt=fmt, target=chosen.region, month=chosen.month)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    name = f"rankings-{chosen.level}-{chosen.region.code}-{chosen.month:%Y-%m}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
