"""Committee pages of the final evaluation and of the published monthly rankings
(accountability/evaluations.py), and the public page of what was published (/public/<tenant>/rankings/)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from campaigns.models import Campaign
from core.errors import PermissionDeniedError
from core.months import previous_month
from disclosure.public_views import cached_public_page, public_page
from organizations.audit import audit_export
from organizations.choices import Role
from organizations.forms import managed_regions, restrict_choices
from organizations.middleware import tenant_on_demand
from organizations.models import Region, Tenant, User
from organizations.scoping import actor_of, scope_for
from organizations.views import form_page

from . import evaluations
from .models import FinalEvaluation, RankingPublication


def _committee(request: HttpRequest) -> User:
    actor = actor_of(request)
    if Role.COMMITTEE_STAFF not in scope_for(actor).roles:
        raise PermissionDeniedError(_("Only committee staff evaluate campaigns and publish rankings."))
    return actor


def _may_act(actor: User, path: str) -> bool:
    scope = scope_for(actor)
    return Role.COMMITTEE_STAFF in scope.roles and any(path.startswith(p) for p in scope.committee_paths)


def _rows_for_display(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "grade_label": evaluations.grade_label(row["grade"])} for row in rows]


@login_required
def final_evaluation_list(request: HttpRequest) -> HttpResponse:
    actor = _committee(request)
    items = FinalEvaluation.objects.visible_to(actor).select_related("campaign", "region")
    campaigns = Campaign.objects.visible_to(actor).filter(final_evaluation__isnull=True).order_by("-end_date")
    return render(
        request,
        "accountability/final_evaluation_list.html",
        {"evaluations": items, "campaigns": [c for c in campaigns if _may_act(actor, c.region_path)]},
    )


@login_required
def campaign_final_evaluation(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the campaign's evaluation, or the button that makes it; POST: evaluate the campaign."""
    campaign = Campaign.objects.get_visible(actor_of(request), pk=pk)  # 404 before any 403
    actor = _committee(request)
    if request.method == "POST":
        evaluations.final_evaluation_create(actor=actor, campaign=campaign)
        messages.success(request, _("The campaign has been evaluated."))
        return redirect("campaign-final-evaluation", pk=campaign.pk)
    evaluation = FinalEvaluation.objects.visible_to(actor).filter(campaign=campaign).first()
    return render(
        request,
        "accountability/final_evaluation.html",
        {
            "campaign": campaign,
            "evaluation": evaluation,
            "rows": _rows_for_display(evaluation.rows) if evaluation else [],
            "method": evaluations.method_text(evaluation.method) if evaluation else "",
            "may_act": _may_act(actor, campaign.region_path),
        },
    )


@login_required
@require_POST
def final_evaluation_publish(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = FinalEvaluation.objects.get_visible(actor_of(request), pk=pk)
    actor = _committee(request)
    evaluations.final_evaluation_publish(actor=actor, evaluation=evaluation)
    messages.success(
        request, _("Published: the final evaluation is on the public site and no longer changes.")
    )
    return redirect("campaign-final-evaluation", pk=evaluation.campaign_id)


@login_required
def final_evaluation_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = FinalEvaluation.objects.select_related("campaign").get_visible(actor_of(request), pk=pk)
    actor = _committee(request)
    audit_export(actor=actor, export="final_evaluation", fmt="xlsx", target=evaluation)
    response = HttpResponse(
        evaluations.evaluation_workbook(evaluation),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="final-evaluation-{evaluation.campaign_id}.xlsx"'
    return response


class RankingPublishForm(forms.Form):
    region = forms.ModelChoiceField(
        label=gettext_lazy("Regions ranked under"), queryset=Region.objects.none()
    )
    month = forms.DateField(
        label=gettext_lazy("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor, region=managed_regions(actor).filter(children__isnull=False).distinct())


@login_required
def ranking_publications(request: HttpRequest) -> HttpResponse:
    actor = _committee(request)
    form = RankingPublishForm(
        request.POST or None, actor=actor, initial={"month": previous_month(timezone.localdate())}
    )
    published = RankingPublication.objects.visible_to(actor).select_related("region")
    return form_page(
        request,
        form,
        "accountability/ranking_publications.html",
        save=lambda data: evaluations.ranking_publish(
            actor=actor, region=data["region"], month=data["month"]
        ),
        success=lambda _publication: reverse("ranking-publications"),
        context={"published": published},
    )


# ------------------------------------------------------------------ the public page


@tenant_on_demand
def public_rankings(request: HttpRequest, tenant: str) -> HttpResponse:
    """Published final evaluations and monthly region rankings: region names and numbers, no person.
    Cached like the disclosure index (per tenant, language and path) until the next publication."""

    def build(the_tenant: Tenant) -> HttpResponse:
        finals = (
            FinalEvaluation.objects.filter(tenant=the_tenant, published_at__isnull=False)
            .select_related("campaign", "region")
            .order_by("-period_end", "region_path")
        )
        months = RankingPublication.objects.filter(tenant=the_tenant).select_related("region")
        return public_page(
            request,
            the_tenant,
            "accountability/public_rankings.html",
            {
                "finals": [
                    {
                        "item": item,
                        "rows": _rows_for_display(item.rows),
                        "method": evaluations.method_text(item.method),
                    }
                    for item in finals
                ],
                "rankings": months,
            },
        )

    return cached_public_page(request, tenant, build)
