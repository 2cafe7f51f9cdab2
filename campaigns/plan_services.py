"""Every write to the plan's structure: the stored lists (institutional measures, risks) and their state
moves, leading groups and their members, the measures adopted from above and each region's adoption
report, the leaders' checklist, and a department's sub-plan under the committee's campaign."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, PermissionDeniedError
from core.scoping import ensure_visible
from organizations.choices import RegionLevel
from organizations.models import Department, Industry, Region, User
from organizations.scoping import scope_for

from .choices import AdoptionState, CampaignStatus, GroupRole, ListKind, ListState, RiskLevel
from .models import (
    AdoptedMeasure,
    Campaign,
    InstitutionalMeasure,
    LeaderDuty,
    LeaderDutyCheck,
    LeadingGroup,
    LeadingGroupMember,
    ListEntryEvent,
    MeasureAdoption,
    Risk,
    Stage,
)
from .services import is_department_head_of, require_campaign_runner, template_stages

ListEntryModel = InstitutionalMeasure | Risk
ENTRY_MODELS: dict[str, type[InstitutionalMeasure] | type[Risk]] = {
    ListKind.MEASURES: InstitutionalMeasure,
    ListKind.RISKS: Risk,
}


def kind_of(entry: ListEntryModel) -> str:
    return ListKind.MEASURES.value if isinstance(entry, InstitutionalMeasure) else ListKind.RISKS.value


# ------------------------------------------------------------------------------------------ who runs it


def may_run_campaign(actor: User, campaign: Campaign) -> bool:
    try:
        require_campaign_runner(actor, campaign)
    except PermissionDeniedError:
        return False
    return True


def _locked_campaign(actor: User, campaign: Campaign) -> Campaign:
    locked: Campaign = Campaign.objects.select_for_update(of=("self",)).get_visible(actor, pk=campaign.pk)
    return locked


def _open_campaign(actor: User, campaign: Campaign) -> Campaign:
    """The campaign, locked, run by the actor and still open to changes of its plan."""
    locked = _locked_campaign(actor, campaign)
    require_campaign_runner(actor, locked)
    if locked.status == CampaignStatus.CLOSED:
        raise InvalidStateError(_("The campaign is closed; its plan no longer changes."))
    return locked


def _within_campaign(campaign: Campaign, due_date: dt.date, field: str = "due_date") -> None:
    if not campaign.start_date <= due_date <= campaign.end_date:
        raise ValidationError(
            {
                field: _("The due date must fall within the campaign, %(start)s to %(end)s.")
                % {"start": campaign.start_date, "end": campaign.end_date}
            }
        )


def _check_owner(
    actor: User, campaign: Campaign, department: Department | None, region: Region | None
) -> None:
    if department is None and region is None:
        raise ValidationError({"owner_department": _("Name the owner unit: a department or a region.")})
    if department is not None and region is not None:
        raise ValidationError({"owner_region": _("Name one owner unit, a department or a region, not both.")})
    unit: Department | Region = department or region  # type: ignore[assignment]
    ensure_visible(actor, unit)
    path = department.region.path if department is not None else region.path  # type: ignore[union-attr]
    if not path.startswith(campaign.region_path):
        field = "owner_department" if department is not None else "owner_region"
        raise ValidationError({field: _("The owner unit must lie within the campaign's region.")})


def _record(actor: User, entry: ListEntryModel, action: str, before: str, note: str = "") -> None:
    ListEntryEvent.objects.create(
        tenant_id=entry.tenant_id,
        kind=kind_of(entry),
        entry_id=entry.pk,
        actor=actor,
        action=action,
        from_state=before,
        to_state=entry.state,
        note=note,
    )


def _check_document(number: str, date: dt.date | None, issuer: str) -> None:
    given = [bool(number.strip()), date is not None, bool(issuer.strip())]
    if any(given) and not all(given):
        missing = ["document_number", "document_date", "document_issuer"][given.index(False)]
        raise ValidationError({missing: _("Give the adopting document's number, date and issuer together.")})


# ------------------------------------------------------------------------------------------ the lists


def _entry_fields(
    actor: User,
    campaign: Campaign,
    model: type[InstitutionalMeasure] | type[Risk],
    *,
    number: str,
    title: str,
    responsible_position: str,
    due_date: dt.date,
    owner_department: Department | None,
    owner_region: Region | None,
) -> dict[str, Any]:
    number, title, position = number.strip(), title.strip(), responsible_position.strip()
    for field, value in (("number", number), ("title", title), ("responsible_position", position)):
        if not value:
            raise ValidationError({field: _("This field is required.")})
    _within_campaign(campaign, due_date)
    _check_owner(actor, campaign, owner_department, owner_region)
    if model.objects.filter(campaign=campaign, number=number).exists():
        raise ValidationError({"number": _("Entry %(number)s already exists.") % {"number": number}})
    return {
        "tenant_id": campaign.tenant_id,
        "campaign": campaign,
        "number": number,
        "title": title,
        "responsible_position": position,
        "due_date": due_date,
        "owner_department": owner_department,
        "owner_region": owner_region,
    }


@transaction.atomic
def measure_create(
    *,
    actor: User,
    campaign: Campaign,
    number: str,
    title: str,
    responsible_position: str,
    due_date: dt.date,
    owner_department: Department | None = None,
    owner_region: Region | None = None,
    description: str = "",
    document_number: str = "",
    document_date: dt.date | None = None,
    document_issuer: str = "",
    state: str = ListState.OPEN,
) -> InstitutionalMeasure:
    """An institutional measure on the campaign's list; a measure done names the document adopting it."""
    campaign = _open_campaign(actor, campaign)
    fields = _entry_fields(
        actor,
        campaign,
        InstitutionalMeasure,
        number=number,
        title=title,
        responsible_position=responsible_position,
        due_date=due_date,
        owner_department=owner_department,
        owner_region=owner_region,
    )
    _check_document(document_number, document_date, document_issuer)
    if state not in ListState.values:
        raise ValidationError({"state": _("Choose open, in progress or done.")})
    if state == ListState.DONE and not document_number.strip():
        raise ValidationError({"document_number": _("A measure is done once a document adopts it: name it.")})
    measure = InstitutionalMeasure.objects.create(
        **fields,
        description=description,
        document_number=document_number.strip(),
        document_date=document_date,
        document_issuer=document_issuer.strip(),
        state=state,
    )
    _record(actor, measure, "create", "")
    return measure


@transaction.atomic
def risk_create(
    *,
    actor: User,
    campaign: Campaign,
    number: str,
    title: str,
    responsible_position: str,
    due_date: dt.date,
    owner_department: Department | None = None,
    owner_region: Region | None = None,
    description: str = "",
    level: str = RiskLevel.HIGH,
    controls: str = "",
    state: str = ListState.OPEN,
) -> Risk:
    """A risk on the campaign's list, graded, with the controls that bring it down."""
    campaign = _open_campaign(actor, campaign)
    fields = _entry_fields(
        actor,
        campaign,
        Risk,
        number=number,
        title=title,
        responsible_position=responsible_position,
        due_date=due_date,
        owner_department=owner_department,
        owner_region=owner_region,
    )
    if level not in RiskLevel.values:
        raise ValidationError({"level": _("Choose a risk level: major, high, moderate or low.")})
    if state not in ListState.values:
        raise ValidationError({"state": _("Choose open, in progress or done.")})
    risk = Risk.objects.create(**fields, description=description, level=level, controls=controls, state=state)
    _record(actor, risk, "create", "")
    return risk


def is_entry_owner(actor: User, entry: ListEntryModel) -> bool:
    """Members of the owner department, or committee staff of (or above) the owner region."""
    scope = scope_for(actor)
    if entry.owner_department_id is not None:
        return entry.owner_department_id in scope.department_ids
    region = entry.owner_region
    return region is not None and any(region.path.startswith(path) for path in scope.committee_paths)


@transaction.atomic
def list_entry_move(
    *, actor: User, entry: ListEntryModel, state: str, note: str = "", document: dict[str, Any] | None = None
) -> ListEntryModel:
    """Move an entry to open, in progress or done: the owner unit or those who run the campaign. A measure
    is done only with the document that adopted it (given now or before)."""
    model = type(entry)
    locked: Any = model.objects.select_for_update(of=("self",)).get_visible(actor, pk=entry.pk)
    if not (is_entry_owner(actor, locked) or may_run_campaign(actor, locked.campaign)):
        raise PermissionDeniedError(_("Only the owner unit or those who run the campaign move this entry."))
    if state not in ListState.values:
        raise ValidationError({"state": _("Choose open, in progress or done.")})
    if locked.state == state:
        raise InvalidStateError(
            _("The entry is already “%(state)s”.") % {"state": locked.get_state_display()}
        )
    if locked.campaign.status == CampaignStatus.CLOSED:
        raise InvalidStateError(_("The campaign is closed; its plan no longer changes."))
    if isinstance(locked, InstitutionalMeasure) and document:
        number = str(document.get("document_number") or "")
        date = document.get("document_date")
        issuer = str(document.get("document_issuer") or "")
        _check_document(number, date, issuer)
        if number:
            locked.document_number, locked.document_date, locked.document_issuer = number, date, issuer
    if isinstance(locked, InstitutionalMeasure) and state == ListState.DONE and not locked.document_number:
        raise ValidationError({"document_number": _("A measure is done once a document adopts it: name it.")})
    before = locked.state
    locked.state = state
    locked.save()
    _record(actor, locked, "move", before, note)
    return locked


# ------------------------------------------------------------------------------------------ leading groups


@transaction.atomic
def leading_group_create(
    *, actor: User, campaign: Campaign, name: str, industry: Industry | None = None, duties: str = ""
) -> LeadingGroup:
    """The campaign's general leading group (no industry) or the group of one of its key industries."""
    campaign = _open_campaign(actor, campaign)
    if not name.strip():
        raise ValidationError({"name": _("This field is required.")})
    if industry is not None:
        ensure_visible(actor, industry)
        if not campaign.industries.filter(pk=industry.pk).exists():
            raise ValidationError({"industry": _("Choose one of the campaign's key industries.")})
    clash = campaign.leading_groups.filter(industry=industry).exists()
    if clash:
        raise ValidationError(
            {
                "industry": _(
                    "This campaign already has that group: one general group and one per key industry."
                )
            }
        )
    return LeadingGroup.objects.create(
        tenant_id=campaign.tenant_id, campaign=campaign, name=name.strip(), industry=industry, duties=duties
    )


@transaction.atomic
def leading_group_member_add(
    *, actor: User, group: LeadingGroup, name: str, position: str, role: str, order: int = 0
) -> LeadingGroupMember:
    group = LeadingGroup.objects.select_for_update(of=("self",)).get_visible(actor, pk=group.pk)
    _open_campaign(actor, group.campaign)
    if role not in GroupRole.values:
        raise ValidationError({"role": _("Choose the member's role in the group.")})
    for field, value in (("name", name), ("position", position)):
        if not value.strip():
            raise ValidationError({field: _("This field is required.")})
    return LeadingGroupMember.objects.create(
        tenant_id=group.tenant_id,
        group=group,
        name=name.strip(),
        position=position.strip(),
        role=role,
        order=order,
    )


def leading_group_gaps(group: LeadingGroup, members: Iterable[LeadingGroupMember]) -> list[str]:
    """Where the group departs from how the plans head it: the province's by the governor, a city's or
    county's by the party secretary and the mayor (or county head) together, an industry's by the leader
    in charge of it. Shown as advice; the data may be entered member by member."""
    heads = [member for member in members if member.role == GroupRole.HEAD]
    if not heads:
        return [_("The group has no head yet.")]
    if group.industry_id is not None:
        return []
    level = group.campaign.region.level
    if level == RegionLevel.PROVINCE and len(heads) != 1:
        return [_("A province's leading group is headed by the governor alone.")]
    if level != RegionLevel.PROVINCE and len(heads) != 2:
        return [
            _("A city's or county's leading group is headed by the party secretary and the mayor together.")
        ]
    return []


# ------------------------------------------------------------------------------------------ adopted measures


@transaction.atomic
def adopted_measure_add(
    *, actor: User, campaign: Campaign, source: str, number: int, text: str, note: str = ""
) -> AdoptedMeasure:
    """An item of a package the plan adopts from above (e.g. "国务院安委会安全生产十五条措施", item 3)."""
    campaign = _open_campaign(actor, campaign)
    source, text = source.strip(), text.strip()
    if not source:
        raise ValidationError({"source": _("This field is required.")})
    if not text:
        raise ValidationError({"text": _("This field is required.")})
    if number < 1:
        raise ValidationError({"number": _("Items are numbered from 1.")})
    if campaign.adopted_measures.filter(source=source, number=number).exists():
        raise ValidationError({"number": _("That item of this source is already listed.")})
    return AdoptedMeasure.objects.create(
        tenant_id=campaign.tenant_id, campaign=campaign, source=source, number=number, text=text, note=note
    )


def reporting_regions(campaign: Campaign) -> list[Region]:
    """The regions that report adoption: those right under the campaign's (a county's campaign: its own)."""
    children = list(Region.objects.filter(tenant_id=campaign.tenant_id, parent_id=campaign.region_id))
    return children or [campaign.region]


@transaction.atomic
def measure_adoption_report(
    *,
    actor: User,
    measure: AdoptedMeasure,
    region: Region,
    state: str,
    document: str = "",
    note: str = "",
    now: dt.datetime | None = None,
) -> MeasureAdoption:
    """A region reports how far it has taken up an adopted measure: its committee staff (or those above)."""
    measure = AdoptedMeasure.objects.select_for_update(of=("self",)).get_visible(actor, pk=measure.pk)
    ensure_visible(actor, region)
    scope = scope_for(actor)
    if not (scope.is_tenant_admin or any(region.path.startswith(p) for p in scope.committee_paths)):
        raise PermissionDeniedError(_("Only the region's safety committee staff report its adoption."))
    if region.pk not in {r.pk for r in reporting_regions(measure.campaign)}:
        raise ValidationError({"region": _("This region does not report on this campaign's measures.")})
    if state not in AdoptionState.values:
        raise ValidationError({"state": _("Choose not started, being adopted or adopted.")})
    if state == AdoptionState.ADOPTED and not document.strip():
        raise ValidationError({"document": _("Name the local document that adopts the measure.")})
    adoption = MeasureAdoption.objects.select_for_update().filter(measure=measure, region=region).first()
    if adoption is None:
        adoption = MeasureAdoption(tenant_id=measure.tenant_id, measure=measure, region=region)
    adoption.state, adoption.document, adoption.note = state, document.strip(), note
    adoption.reported_by, adoption.reported_at = actor, now or timezone.now()
    adoption.save()
    return adoption


# ------------------------------------------------------------------------------ leaders' checklist


@transaction.atomic
def leader_duty_add(*, actor: User, campaign: Campaign, number: int, text: str) -> LeaderDuty:
    campaign = _open_campaign(actor, campaign)
    if not text.strip():
        raise ValidationError({"text": _("This field is required.")})
    if number < 1:
        raise ValidationError({"number": _("Items are numbered from 1.")})
    if campaign.leader_duties.filter(number=number).exists():
        raise ValidationError({"number": _("Item %(number)s already exists.") % {"number": number}})
    return LeaderDuty.objects.create(
        tenant_id=campaign.tenant_id, campaign=campaign, number=number, text=text
    )


@transaction.atomic
def leader_duty_check(
    *, actor: User, duty: LeaderDuty, member: LeadingGroupMember, done_on: dt.date, evidence: str
) -> LeaderDutyCheck:
    """Tick one duty for one leader of the campaign's groups, with what shows it was met."""
    duty = LeaderDuty.objects.select_for_update(of=("self",)).get_visible(actor, pk=duty.pk)
    ensure_visible(actor, member)
    require_campaign_runner(actor, duty.campaign)
    if member.group.campaign_id != duty.campaign_id:
        raise ValidationError({"member": _("The leader belongs to another campaign's group.")})
    if not evidence.strip():
        raise ValidationError({"evidence": _("Say what shows the duty was met.")})
    if done_on > timezone.localdate():
        raise ValidationError({"done_on": _("The date cannot lie in the future.")})
    if duty.checks.filter(member=member).exists():
        raise InvalidStateError(_("This leader's duty is already ticked."))
    try:
        with transaction.atomic():
            return LeaderDutyCheck.objects.create(
                tenant_id=duty.tenant_id,
                duty=duty,
                member=member,
                done_on=done_on,
                evidence=evidence.strip(),
                recorded_by=actor,
            )
    except IntegrityError:
        raise InvalidStateError(_("This leader's duty is already ticked.")) from None


# ------------------------------------------------------------------------------------------ sub-plans


@transaction.atomic
def subplan_create(
    *,
    actor: User,
    parent: Campaign,
    department: Department,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    industries: Iterable[Industry] = (),
    general_requirement: str = "",
) -> Campaign:
    """A department's own sub-plan under the committee's campaign: issued by the department's head (or by
    those who run the parent), in the department's region, within the parent's period and industries."""
    parent = Campaign.objects.get_visible(actor, pk=parent.pk)
    ensure_visible(actor, department)
    if not (is_department_head_of(actor, department.pk) or may_run_campaign(actor, parent)):
        raise PermissionDeniedError(_("Only the department's head or the committee issue its sub-plan."))
    if parent.status == CampaignStatus.CLOSED:
        raise InvalidStateError(_("The campaign is closed; its plan no longer changes."))
    if not department.region.path.startswith(parent.region_path):
        raise ValidationError({"department": _("The department must lie within the campaign's region.")})
    if not name.strip():
        raise ValidationError({"name": _("This field is required.")})
    if end_date < start_date:
        raise ValidationError({"end_date": _("The campaign cannot end before it starts.")})
    if start_date < parent.start_date or end_date > parent.end_date:
        raise ValidationError({"start_date": _("A sub-plan lies within its campaign's period.")})
    chosen = list(industries) or [
        industry
        for industry in parent.industries.all()
        if department.industries.filter(pk=industry.pk).exists()
    ]
    outside = [i for i in chosen if not parent.industries.filter(pk=i.pk).exists()]
    if outside or not chosen:
        raise ValidationError(
            {"industries": _("Choose key industries of the campaign the department covers.")}
        )
    region = department.region
    campaign = Campaign.objects.create(
        tenant_id=parent.tenant_id,
        region=region,
        region_path=region.path,
        parent=parent,
        department=department,
        name=name.strip(),
        start_date=start_date,
        end_date=end_date,
        general_requirement=general_requirement,
        status=CampaignStatus.ACTIVE,
        created_by=actor,
    )
    campaign.industries.set(chosen)
    Stage.objects.bulk_create(
        [
            Stage(
                tenant_id=campaign.tenant_id,
                campaign=campaign,
                order=index,
                name=zh,
                name_en=en,
                start_date=start,
                end_date=end,
            )
            for index, (zh, en, start, end) in enumerate(template_stages(start_date, end_date), start=1)
        ]
    )
    return campaign
