"""The two ledger-fed lists of a campaign's "one table and four lists": read-only (their rows change
through the hazard transitions), each with the ledger filter behind it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from campaigns.api.plan_serializers import LedgerListSerializer
from campaigns.choices import ListKind, ListState
from campaigns.models import Campaign
from organizations.scoping import actor_of

from ..campaign_lists import ledger_list_page

STATE_PARAMETER = OpenApiParameter(
    "state", str, enum=list(ListState.values), description="open, in_progress or done"
)


def _answer(request: Request, pk: int, kind: str) -> Response:
    campaign = Campaign.objects.select_related("region").get_visible(actor_of(request), pk=pk)
    state = request.query_params.get("state") or None
    if state is not None and state not in ListState.values:
        raise ValidationError({"state": _("Choose open, in progress or done.")})
    page = ledger_list_page(actor=actor_of(request), campaign=campaign, kind=kind, state=state)
    return Response(LedgerListSerializer(page).data)


@extend_schema(parameters=[STATE_PARAMETER], responses=LedgerListSerializer)
@api_view(["GET"])
def campaign_problems(request: Request, pk: int) -> Response:
    """The campaign's problems list: its general hazards as list entries, with the ledger filter behind
    the list and behind each state. Read-only: entries move through the hazard transitions."""
    return _answer(request, pk, ListKind.PROBLEMS)


@extend_schema(parameters=[STATE_PARAMETER], responses=LedgerListSerializer)
@api_view(["GET"])
def campaign_major_hazards(request: Request, pk: int) -> Response:
    """The campaign's major-hazards list, as the problems list but for major hazards."""
    return _answer(request, pk, ListKind.MAJOR_HAZARDS)
