"""Campaign pages that need the ledger: the wall chart, the dashboard and the summary exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from campaigns.models import Campaign
from organizations.audit import audit_export
from organizations.scoping import actor_of

from .campaign_stats import dashboard_series, wall_chart
from .campaign_summary import summary_pdf, summary_xlsx

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _campaign(request: HttpRequest, pk: int) -> Campaign:
    campaign: Campaign = (
        Campaign.objects.select_related("region")
        .prefetch_related("stages", "industries")
        .get_visible(actor_of(request), pk=pk)
    )
    return campaign


@login_required
def campaign_wall_chart_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    return render(
        request,
        "hazards/campaign_wall_chart.html",
        {
            "campaign": campaign,
            "chart": wall_chart(actor=actor_of(request), campaign=campaign),
            "current_stage": campaign.current_stage(),
            "today": timezone.localdate(),
        },
    )


@login_required
def campaign_dashboard_page(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    return render(
        request,
        "hazards/campaign_dashboard.html",
        {
            "campaign": campaign,
            "series": dashboard_series(actor=actor_of(request), campaign=campaign),
            "current_stage": campaign.current_stage(),
            "today": timezone.localdate(),
        },
    )


@login_required
def campaign_summary(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    campaign = _campaign(request, pk)
    audit_export(actor=request.user, export="campaign summary", fmt=fmt, target=campaign)
    if fmt == "pdf":
        response = HttpResponse(
            summary_pdf(actor=actor_of(request), campaign=campaign), content_type="application/pdf"
        )
    else:
        response = HttpResponse(summary_xlsx(actor=actor_of(request), campaign=campaign), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}-summary.{fmt}"'
    return response
