"""Committee staff edit a campaign's scoring scheme and enter the leadership figures in the browser."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from campaigns.models import Campaign
from core.errors import PermissionDeniedError
from core.months import previous_month
from organizations.models import User
from organizations.scoping import actor_of, scope_for
from organizations.views import form_page

from . import services
from .forms import LeadershipForm, SchemeForm
from .models import LeadershipInput, ScoringScheme
from .permissions import require_scheme_setter
from .ranking_views import requested_month
from .rankings import INDICATOR_LABELS
from .scoring import DEFAULT_DEDUCTIONS, DEFAULT_WEIGHTS, SCORED_INDICATORS


def _committee(request: HttpRequest, path: str | None = None) -> User:
    """The caller, if committee staff (of `path`, when given) or a tenant admin; else 403."""
    actor = actor_of(request)
    scope = scope_for(actor)
    if scope.is_tenant_admin:
        return actor
    paths = scope.committee_paths
    if not paths or (path is not None and not any(path.startswith(own) for own in paths)):
        raise PermissionDeniedError()
    return actor


@login_required
def scheme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    campaign = Campaign.objects.get_visible(actor, pk=pk)
    require_scheme_setter(actor, campaign)  # the same rule as the service: a lower committee's page is a 403
    scheme = ScoringScheme.objects.visible_to(actor).filter(campaign=campaign).first()
    weights = scheme.weights() if scheme else DEFAULT_WEIGHTS
    initial: dict[str, object] = {f"weight_{group}": value for group, value in weights.items()}
    deductions = scheme.deductions() if scheme else DEFAULT_DEDUCTIONS
    initial |= {f"deduct_{grade}": value for grade, value in deductions.items()}
    for name, rule in (scheme.normalisation if scheme else {}).items():
        initial |= {
            f"{name}__method": "absolute",
            f"{name}__best": rule["best"],
            f"{name}__worst": rule["worst"],
        }
    form = SchemeForm(
        request.POST or None,
        initial=initial,
        indicators={name: str(INDICATOR_LABELS[name]) for name in SCORED_INDICATORS},
    )
    return form_page(
        request,
        form,
        "accountability/scheme_form.html",
        save=lambda _data: services.scoring_scheme_set(
            actor=actor,
            campaign=campaign,
            weights=form.weights(),
            normalisation=form.normalisation(),
            deductions=form.deductions(),
        ),
        success=lambda _scheme: f"{reverse('rankings')}?month={timezone.localdate():%Y-%m}",
        context={"campaign": campaign, "scheme": scheme},
    )


@login_required
def leadership_inputs(request: HttpRequest) -> HttpResponse:
    actor = _committee(request)
    month = requested_month(request) or previous_month(timezone.localdate())
    form = LeadershipForm(request.POST or None, actor=actor, initial={"month": month})
    entries = (
        LeadershipInput.objects.visible_to(actor)
        .filter(month=month)
        .select_related("region", "entered_by")
        .order_by("region__path")
    )
    return form_page(
        request,
        form,
        "accountability/leadership.html",
        save=lambda data: services.leadership_input_set(actor=actor, **data),
        success=lambda entry: f"{reverse('leadership-inputs')}?month={entry.month:%Y-%m}",
        context={"month": month, "entries": entries},
    )
