"""API of the plan's structure: the stored lists (institutional measures, risks) and their state moves,
leading groups and members, the adopted-measures checklist with each region's adoption, the leaders'
checklist, and departments' sub-plans. Every object is read through its scoped manager (404 outside)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from organizations.scoping import actor_of

from .. import plan_services as services
from ..choices import ListKind
from ..list_sheets import entries_of
from ..models import AdoptedMeasure, Campaign, InstitutionalMeasure, LeaderDuty, LeadingGroup, Risk
from . import plan_serializers as s


def _campaign(request: Request, pk: int) -> Campaign:
    campaign: Campaign = Campaign.objects.select_related("region").get_visible(actor_of(request), pk=pk)
    return campaign


@extend_schema(methods=["get"], responses=s.MeasureSerializer(many=True))
@extend_schema(methods=["post"], request=s.MeasureInputSerializer, responses={201: s.MeasureSerializer})
@api_view(["GET", "POST"])
def campaign_measures(request: Request, pk: int) -> Response:
    """The campaign's list of institutional measures; POST adds one (those who run the campaign)."""
    campaign = _campaign(request, pk)
    if request.method == "POST":
        data = s.MeasureInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        measure = services.measure_create(actor=actor_of(request), campaign=campaign, **data.validated_data)
        return Response(s.MeasureSerializer(measure).data, status=status.HTTP_201_CREATED)
    return Response(s.MeasureSerializer(entries_of(campaign, ListKind.MEASURES), many=True).data)


@extend_schema(methods=["get"], responses=s.RiskSerializer(many=True))
@extend_schema(methods=["post"], request=s.RiskInputSerializer, responses={201: s.RiskSerializer})
@api_view(["GET", "POST"])
def campaign_risks(request: Request, pk: int) -> Response:
    """The campaign's list of risks; POST adds one (those who run the campaign)."""
    campaign = _campaign(request, pk)
    if request.method == "POST":
        data = s.RiskInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        risk = services.risk_create(actor=actor_of(request), campaign=campaign, **data.validated_data)
        return Response(s.RiskSerializer(risk).data, status=status.HTTP_201_CREATED)
    return Response(s.RiskSerializer(entries_of(campaign, ListKind.RISKS), many=True).data)


def _move(request: Request, entry: InstitutionalMeasure | Risk) -> Response:
    data = s.EntryMoveSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    fields = dict(data.validated_data)
    moved = services.list_entry_move(
        actor=actor_of(request),
        entry=entry,
        state=fields.pop("state"),
        note=fields.pop("note"),
        document=fields,
    )
    serializer = s.MeasureSerializer if isinstance(moved, InstitutionalMeasure) else s.RiskSerializer
    return Response(serializer(moved).data)


@extend_schema(request=s.EntryMoveSerializer, responses={200: s.MeasureSerializer})
@api_view(["POST"])
def measure_state(request: Request, pk: int) -> Response:
    """Move an institutional measure to open, in progress or done (done names the adopting document)."""
    return _move(request, InstitutionalMeasure.objects.get_visible(actor_of(request), pk=pk))


@extend_schema(request=s.EntryMoveSerializer, responses={200: s.RiskSerializer})
@api_view(["POST"])
def risk_state(request: Request, pk: int) -> Response:
    """Move a risk to open, in progress or done (the owner unit or those who run the campaign)."""
    return _move(request, Risk.objects.get_visible(actor_of(request), pk=pk))


@extend_schema(methods=["get"], responses=s.LeadingGroupSerializer(many=True))
@extend_schema(
    methods=["post"], request=s.LeadingGroupInputSerializer, responses={201: s.LeadingGroupSerializer}
)
@api_view(["GET", "POST"])
def campaign_leading_groups(request: Request, pk: int) -> Response:
    """The campaign's leading groups with their members, and where a group departs from how the plans
    head it; POST creates the general group (no industry) or one key industry's."""
    campaign = _campaign(request, pk)
    if request.method == "POST":
        data = s.LeadingGroupInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        group = services.leading_group_create(
            actor=actor_of(request), campaign=campaign, **data.validated_data
        )
        return Response(s.LeadingGroupSerializer(group).data, status=status.HTTP_201_CREATED)
    groups = campaign.leading_groups.select_related("industry", "campaign__region").prefetch_related(
        "members"
    )
    return Response(s.LeadingGroupSerializer(groups, many=True).data)


@extend_schema(request=s.MemberInputSerializer, responses={201: s.MemberSerializer})
@api_view(["POST"])
def leading_group_members(request: Request, pk: int) -> Response:
    """Add a member to a leading group: name, position, role in the group."""
    group = LeadingGroup.objects.get_visible(actor_of(request), pk=pk)
    data = s.MemberInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    member = services.leading_group_member_add(actor=actor_of(request), group=group, **data.validated_data)
    return Response(s.MemberSerializer(member).data, status=status.HTTP_201_CREATED)


@extend_schema(methods=["get"], responses=s.AdoptedMeasureSerializer(many=True))
@extend_schema(
    methods=["post"], request=s.AdoptedMeasureInputSerializer, responses={201: s.AdoptedMeasureSerializer}
)
@api_view(["GET", "POST"])
def campaign_adopted_measures(request: Request, pk: int) -> Response:
    """The checklist of measures the plan adopts from above, each with the regions' adoption reports."""
    campaign = _campaign(request, pk)
    if request.method == "POST":
        data = s.AdoptedMeasureInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        measure = services.adopted_measure_add(
            actor=actor_of(request), campaign=campaign, **data.validated_data
        )
        return Response(s.AdoptedMeasureSerializer(measure).data, status=status.HTTP_201_CREATED)
    measures = campaign.adopted_measures.prefetch_related("adoptions__region", "adoptions__reported_by")
    return Response(s.AdoptedMeasureSerializer(measures, many=True).data)


@extend_schema(request=s.AdoptionInputSerializer, responses={201: s.AdoptionSerializer})
@api_view(["POST"])
def adopted_measure_adoptions(request: Request, pk: int) -> Response:
    """A region reports its adoption of one measure (its committee staff); a second report replaces it."""
    measure = AdoptedMeasure.objects.get_visible(actor_of(request), pk=pk)
    data = s.AdoptionInputSerializer(data=request.data, context={"request": request})
    data.is_valid(raise_exception=True)
    adoption = services.measure_adoption_report(
        actor=actor_of(request), measure=measure, **data.validated_data
    )
    return Response(s.AdoptionSerializer(adoption).data, status=status.HTTP_201_CREATED)


@extend_schema(methods=["get"], responses=s.LeaderDutySerializer(many=True))
@extend_schema(methods=["post"], request=s.LeaderDutyInputSerializer, responses={201: s.LeaderDutySerializer})
@api_view(["GET", "POST"])
def campaign_leader_duties(request: Request, pk: int) -> Response:
    """The leaders' checklist (e.g. the five musts) with each leader's ticks; POST adds an item."""
    campaign = _campaign(request, pk)
    if request.method == "POST":
        data = s.LeaderDutyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        duty = services.leader_duty_add(actor=actor_of(request), campaign=campaign, **data.validated_data)
        return Response(s.LeaderDutySerializer(duty).data, status=status.HTTP_201_CREATED)
    duties = campaign.leader_duties.prefetch_related("checks__member")
    return Response(s.LeaderDutySerializer(duties, many=True).data)


@extend_schema(request=s.DutyCheckInputSerializer, responses={201: s.DutyCheckSerializer})
@api_view(["POST"])
def leader_duty_checks(request: Request, pk: int) -> Response:
    """Tick a duty for one leader of the campaign's groups, with what shows it was met."""
    duty = LeaderDuty.objects.get_visible(actor_of(request), pk=pk)
    data = s.DutyCheckInputSerializer(data=request.data, context={"request": request})
    data.is_valid(raise_exception=True)
    check = services.leader_duty_check(actor=actor_of(request), duty=duty, **data.validated_data)
    return Response(s.DutyCheckSerializer(check).data, status=status.HTTP_201_CREATED)


@extend_schema(methods=["get"], responses=s.SubPlanSerializer(many=True))
@extend_schema(methods=["post"], request=s.SubPlanInputSerializer, responses={201: s.SubPlanSerializer})
@api_view(["GET", "POST"])
def campaign_sub_plans(request: Request, pk: int) -> Response:
    """Departments' own sub-plans under the campaign; POST issues one (the department's head or the
    committee that runs the campaign)."""
    campaign = _campaign(request, pk)
    if request.method == "POST":
        data = s.SubPlanInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        plan = services.subplan_create(actor=actor_of(request), parent=campaign, **data.validated_data)
        return Response(s.SubPlanSerializer(plan).data, status=status.HTTP_201_CREATED)
    plans = (
        Campaign.objects.visible_to(actor_of(request))
        .filter(parent=campaign, department__isnull=False)
        .select_related("region", "department")
    )
    return Response(s.SubPlanSerializer(plans, many=True).data)
