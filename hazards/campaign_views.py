"""Campaign pages that need the ledger: the wall chart, the dashboard and the summary exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from campaigns.choices import ListKind
from campaigns.forms import EntryMoveForm, MeasureForm, RiskForm
from campaigns.list_sheets import entries_of
from campaigns.models import Campaign
from campaigns.plan_services import is_entry_owner, may_run_campaign
from organizations.audit import audit_export
from organizations.scoping import actor_of

from .campaign_lists import ledger_list_page, one_table_four_lists
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
    series = dashboard_series(actor=actor_of(request), campaign=campaign)
    weekly = series["weekly"]
    return render(
        request,
        "hazards/campaign_dashboard.html",
        {
            "campaign": campaign,
            "series": series,
            # The table under the chart, one row a week: zipped here, not looked up in the template (which
            # walked both series for every week: 50,000 template tests for a three-year campaign).
            "weekly_rows": list(zip(weekly["labels"], weekly["found"], weekly["closed"], strict=True)),
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


@login_required
def campaign_four_lists(request: HttpRequest, pk: int) -> HttpResponse:
    """ "One table and four lists": the problems and major hazards the ledger feeds (each a filter to follow),
    the institutional measures and risks the campaign keeps, with their forms for those who may write."""
    actor = actor_of(request)
    campaign = _campaign(request, pk)
    can_run = may_run_campaign(actor, campaign)
    stored = {}
    for kind in (ListKind.MEASURES, ListKind.RISKS):
        entries = list(entries_of(campaign, kind))
        for entry in entries:
            entry.may_move = can_run or is_entry_owner(actor, entry)  # type: ignore[union-attr]
        stored[kind.value] = entries
    return render(
        request,
        "hazards/campaign_four_lists.html",
        {
            "campaign": campaign,
            "can_run": can_run,
            "problems": ledger_list_page(actor=actor, campaign=campaign, kind=ListKind.PROBLEMS),
            "major_hazards": ledger_list_page(actor=actor, campaign=campaign, kind=ListKind.MAJOR_HAZARDS),
            "measures": stored[ListKind.MEASURES.value],
            "risks": stored[ListKind.RISKS.value],
            "measure_form": MeasureForm(actor=actor, campaign=campaign) if can_run else None,
            "risk_form": RiskForm(actor=actor, campaign=campaign) if can_run else None,
            "move_form": EntryMoveForm(),
        },
    )


@login_required
def campaign_one_table_four_lists(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = _campaign(request, pk)
    actor = actor_of(request)
    audit_export(actor=actor, export="campaign one table and four lists", fmt="xlsx", target=campaign)
    response = HttpResponse(one_table_four_lists(actor=actor, campaign=campaign), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="campaign-{campaign.pk}-one-table-four-lists.xlsx"'
    )
    return response
