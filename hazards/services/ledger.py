"""The hazard state machine (DESIGN.md section 5): one function per transition.

Each transition finds the hazard in the actor's scope (404), locks its row, checks the actor's role
(403) and the current state (409), writes the change and one append-only event, in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.choices import DEPARTMENT_ROLES, ENTERPRISE_ROLES, Role
from organizations.errors import InvalidStateError, PermissionDeniedError
from organizations.models import Department, Enterprise, Industry, Region, User
from organizations.scoping import Scope, ensure_visible, scope_for, tenant_of

from ..choices import (
    OPEN_STATES,
    ExtensionStatus,
    HazardAction,
    HazardLevel,
    HazardSource,
    HazardState,
    ListingLevel,
)
from ..models import (
    Criterion,
    Extension,
    Handover,
    HandoverReceipt,
    Hazard,
    HazardEvent,
    Inspection,
    RectificationReport,
    SelfInspection,
    Verification,
)
from .evidence import evidence_store

S = HazardState

# ------------------------------------------------------------------ shared pieces


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or timezone.now()


def _locked(actor: User, hazard: Hazard | int) -> Hazard:
    """The hazard, re-read under a row lock, if the actor may see it (else 404)."""
    pk = hazard if isinstance(hazard, int) else hazard.pk
    locked: Hazard = (
        Hazard.objects.select_for_update(of=("self",))
        .select_related("enterprise", "industry", "region")
        .get_visible(actor, pk=pk)
    )
    return locked


def _require_state(hazard: Hazard, allowed: Iterable[str], action: str) -> None:
    allowed = list(allowed)
    if hazard.state not in allowed:
        raise InvalidStateError(
            _("Hazard %(code)s is %(state)s; “%(action)s” needs it to be %(allowed)s.")
            % {
                "code": hazard.code,
                "state": hazard.get_state_display(),
                "action": HazardAction(action).label,
                "allowed": " / ".join(str(HazardState(state).label) for state in allowed),
            }
        )


def _event(
    hazard: Hazard,
    *,
    actor: User | None,
    action: str,
    from_state: str,
    at: dt.datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> HazardEvent:
    return HazardEvent.objects.create(
        tenant_id=hazard.tenant_id,
        hazard=hazard,
        actor=actor,
        action=action,
        from_state=from_state,
        to_state=hazard.state,
        note=note,
        data=data or {},
        created_at=at,
    )


def _move(
    hazard: Hazard,
    to_state: str,
    *,
    actor: User,
    action: str,
    at: dt.datetime,
    note: str = "",
    data: dict[str, Any] | None = None,
    fields: Sequence[str] = (),
) -> Hazard:
    from_state = hazard.state
    hazard.state = to_state
    hazard.save(update_fields=["state", "updated_at", *fields])
    _event(hazard, actor=actor, action=action, from_state=from_state, at=at, note=note, data=data)
    return hazard


def _required(**values: Any) -> None:
    missing = {
        name: _("This field is required.") for name, value in values.items() if value in (None, "", [])
    }
    if missing:
        raise ValidationError(missing)


# ------------------------------------------------------------------ who may act


def covering_departments(scope: Scope, hazard: Hazard) -> list[int]:
    """The actor's departments that regulate the hazard's industry in a region containing it."""
    return [
        coverage.department_id
        for coverage in scope.departments
        if hazard.region_path.startswith(coverage.region_path) and hazard.industry_id in coverage.industry_ids
    ]


def handed_to_departments(scope: Scope, hazard: Hazard) -> list[int]:
    if not scope.department_ids:
        return []
    return list(
        HandoverReceipt.objects.filter(handover__hazard=hazard, department_id__in=scope.department_ids)
        .values_list("department_id", flat=True)
        .distinct()
    )


def is_committee_over(scope: Scope, hazard: Hazard) -> bool:
    return Role.COMMITTEE_STAFF in scope.roles and any(
        hazard.region_path.startswith(path) for path in scope.committee_paths
    )


def is_regulator_of(scope: Scope, hazard: Hazard) -> bool:
    """An inspector or department head covering the hazard, or one it was handed over to."""
    if not scope.roles & DEPARTMENT_ROLES:
        return False
    return bool(covering_departments(scope, hazard) or handed_to_departments(scope, hazard))


def is_enterprise_member(scope: Scope, hazard: Hazard) -> bool:
    return hazard.enterprise_id in scope.enterprise_ids


def _deny(message: str) -> PermissionDeniedError:
    return PermissionDeniedError(message)


# ------------------------------------------------------------------ codes


def next_hazard_code(*, tenant_id: int, region_code: str, year: int) -> str:
    """Region code-year-sequence, e.g. 210211-2023-000042; atomic under concurrency."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO hazards_hazardcounter (tenant_id, region_code, year, last) VALUES (%s, %s, %s, 1)
            ON CONFLICT (tenant_id, region_code, year) DO UPDATE SET last = hazards_hazardcounter.last + 1
            RETURNING last
            """,
            [tenant_id, region_code, year],
        )
        (sequence,) = cursor.fetchone()
    return f"{region_code}-{year}-{sequence:06d}"


# ------------------------------------------------------------------ discover


def _check_grade(hazard_industry: Industry, level: str, criterion: Criterion | None) -> Criterion | None:
    if level not in HazardLevel.values:
        raise ValidationError({"level": _("Choose general or major.")})
    if level == HazardLevel.GENERAL:
        return None
    if criterion is None:
        raise ValidationError(
            {"criterion": _("A major hazard must cite the criterion of the standard it meets.")}
        )
    if criterion.standard.industry_code != hazard_industry.code:
        raise ValidationError(
            {
                "criterion": _("This criterion belongs to the %(standard)s standard, not to %(industry)s.")
                % {"standard": criterion.standard.display_name, "industry": hazard_industry.display_name}
            }
        )
    return criterion


@transaction.atomic
def hazard_report(
    *,
    actor: User,
    enterprise: Enterprise,
    title: str,
    description: str,
    location: str,
    industry: Industry | None = None,
    level: str = "",
    criterion: Criterion | None = None,
    source: str = "",
    self_inspection: SelfInspection | None = None,
    inspection: Inspection | None = None,
    photos: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Hazard:
    """Record a newly found hazard. Graded by a regulator at once, it starts `confirmed`."""
    at = _now(now)
    ensure_visible(actor, enterprise)
    scope = scope_for(actor)
    is_regulator = bool(scope.roles & DEPARTMENT_ROLES) or Role.COMMITTEE_STAFF in scope.roles
    if enterprise.pk not in scope.enterprise_ids and not is_regulator:
        raise _deny(_("Only the enterprise itself, inspectors and committee staff report hazards."))
    _required(title=title, description=description, location=location)
    industries = list(enterprise.industries.all())
    if industry is None:
        industry = industries[0] if industries else None
    if industry is None or industry not in industries:
        raise ValidationError({"industry": _("Choose one of the enterprise's industries.")})
    if level and not is_regulator:
        raise _deny(_("Only inspectors and committee staff grade a hazard when reporting it."))
    criterion = _check_grade(industry, level, criterion) if level else None
    if not source:
        source = (
            HazardSource.INSPECTION
            if is_regulator and enterprise.pk not in scope.enterprise_ids
            else (HazardSource.SELF_INSPECTION)
        )
    hazard = Hazard.objects.create(
        tenant_id=tenant_of(actor),
        code=next_hazard_code(tenant_id=tenant_of(actor), region_code=enterprise.region.code, year=at.year),
        enterprise=enterprise,
        region=enterprise.region,
        region_path=enterprise.region_path,
        industry=industry,
        source=source,
        self_inspection=self_inspection,
        inspection=inspection,
        title=title.strip()[:200],
        description=description,
        location=location.strip()[:200],
        level=level,
        criterion=criterion,
        discovered_by=actor,
        discovered_at=at,
        state=S.CONFIRMED if level else S.REPORTED,
    )
    for photo in photos:
        evidence_store(actor=actor, upload=photo, hazard=hazard)
    _event(
        hazard,
        actor=actor,
        action=HazardAction.REPORT,
        from_state="",
        at=at,
        data={"level": level, "criterion": criterion.pk if criterion else None},
    )
    return hazard


@transaction.atomic
def hazard_confirm(
    *,
    actor: User,
    hazard: Hazard,
    level: str,
    criterion: Criterion | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> Hazard:
    """Grade a reported hazard general or major; the enterprise head may only call it general."""
    hazard = _locked(actor, hazard)
    scope = scope_for(actor)
    head = hazard.enterprise_id in scope.head_enterprise_ids
    if not (is_regulator_of(scope, hazard) or is_committee_over(scope, hazard) or head):
        raise _deny(_("Only a covering inspector, committee staff or the enterprise head confirm hazards."))
    _require_state(hazard, [S.REPORTED], HazardAction.CONFIRM)
    if (
        head
        and not (is_regulator_of(scope, hazard) or is_committee_over(scope, hazard))
        and level != "general"
    ):
        raise _deny(
            _("The enterprise head may confirm a hazard as general only; a regulator grades it major.")
        )
    hazard.criterion = _check_grade(hazard.industry, level, criterion)
    hazard.level = level
    return _move(
        hazard,
        S.CONFIRMED,
        actor=actor,
        action=HazardAction.CONFIRM,
        at=_now(now),
        note=note,
        data={"level": level, "criterion": hazard.criterion_id},
        fields=["level", "criterion"],
    )


# ------------------------------------------------------------------ handover


@transaction.atomic
def hazard_handover(
    *,
    actor: User,
    hazard: Hazard,
    region: Region,
    departments: Sequence[Department],
    note: str = "",
    now: dt.datetime | None = None,
) -> Hazard:
    """Hand a major hazard to its territorial government and the departments that will follow it."""
    at = _now(now)
    hazard = _locked(actor, hazard)
    scope = scope_for(actor)
    if not (is_committee_over(scope, hazard) or is_regulator_of(scope, hazard)):
        raise _deny(_("Only committee staff of the region or an inspector hand hazards over."))
    _require_state(hazard, [S.CONFIRMED], HazardAction.HANDOVER)
    if hazard.level != HazardLevel.MAJOR:
        raise InvalidStateError(
            _("Only major hazards are handed over; %(code)s is general.") % {"code": hazard.code}
        )
    ensure_visible(actor, region)
    if not hazard.region_path.startswith(region.path):
        raise ValidationError({"region": _("The territorial region must contain the hazard's region.")})
    if not departments:
        raise ValidationError({"departments": _("Name at least one department to follow the hazard.")})
    for department in departments:
        ensure_visible(actor, department)
        if not hazard.region_path.startswith(department.region.path):
            raise ValidationError(
                {
                    "departments": _("%(department)s does not cover the hazard's region.")
                    % {"department": department}
                }
            )
        if not department.industries.filter(pk=hazard.industry_id).exists():
            raise ValidationError(
                {
                    "departments": _("%(department)s does not regulate %(industry)s.")
                    % {"department": department, "industry": hazard.industry}
                }
            )
    handover = Handover.objects.create(
        tenant_id=hazard.tenant_id, hazard=hazard, region=region, created_by=actor, created_at=at
    )
    deadline = at.date() + dt.timedelta(days=settings.HANDOVER_RECEIPT_DAYS)
    HandoverReceipt.objects.bulk_create(
        [
            HandoverReceipt(
                tenant_id=hazard.tenant_id,
                handover=handover,
                department=department,
                receipt_deadline=deadline,
            )
            for department in {d.pk: d for d in departments}.values()
        ]
    )
    return _move(
        hazard,
        S.HANDED_OVER,
        actor=actor,
        action=HazardAction.HANDOVER,
        at=at,
        note=note,
        data={"region": region.code, "departments": sorted(d.pk for d in departments)},
    )


@transaction.atomic
def hazard_acknowledge_handover(*, actor: User, hazard: Hazard, now: dt.datetime | None = None) -> Hazard:
    """A receiving department confirms it has taken the handover over."""
    at = _now(now)
    hazard = _locked(actor, hazard)
    scope = scope_for(actor)
    receipts = HandoverReceipt.objects.select_for_update().filter(
        handover__hazard=hazard, department_id__in=scope.department_ids
    )
    if not receipts.exists():
        raise _deny(_("Only a department this hazard was handed over to acknowledges it."))
    pending = receipts.filter(acknowledged_at__isnull=True)
    if not pending.exists():
        raise InvalidStateError(_("Your department has already acknowledged this handover."))
    departments = list(pending.values_list("department_id", flat=True))
    pending.update(acknowledged_by=actor, acknowledged_at=at)
    _event(
        hazard,
        actor=actor,
        action=HazardAction.ACKNOWLEDGE,
        from_state=hazard.state,
        at=at,
        data={"departments": departments},
    )
    return hazard


# ------------------------------------------------------------------ rectification


@transaction.atomic
def hazard_plan(
    *,
    actor: User,
    hazard: Hazard,
    responsible_person: str,
    measures: str,
    funds: Decimal | None,
    deadline: dt.date | None,
    contingency_plan: str,
    now: dt.datetime | None = None,
) -> Hazard:
    """The enterprise files the five implementations; the hazard is then under rectification."""
    at = _now(now)
    hazard = _locked(actor, hazard)
    if not is_enterprise_member(scope_for(actor), hazard):
        raise _deny(_("Only the enterprise's officer or head files the rectification plan."))
    _require_state(hazard, [S.CONFIRMED, S.HANDED_OVER], HazardAction.PLAN)
    if hazard.level == HazardLevel.MAJOR and hazard.state != S.HANDED_OVER:
        raise InvalidStateError(_("A major hazard is handed over before its rectification is planned."))
    _required(
        responsible_person=responsible_person,
        measures=measures,
        funds=funds,
        deadline=deadline,
        contingency_plan=contingency_plan,
    )
    assert funds is not None and deadline is not None
    if funds < 0:
        raise ValidationError({"funds": _("Funds cannot be negative.")})
    if deadline < timezone.localtime(at).date():
        raise ValidationError({"deadline": _("The deadline cannot be in the past.")})
    hazard.responsible_person, hazard.measures, hazard.funds = responsible_person, measures, funds
    hazard.deadline, hazard.contingency_plan = deadline, contingency_plan
    return _move(
        hazard,
        S.RECTIFYING,
        actor=actor,
        action=HazardAction.PLAN,
        at=at,
        data={"deadline": deadline.isoformat(), "funds": str(funds)},
        fields=["responsible_person", "measures", "funds", "deadline", "contingency_plan"],
    )


@transaction.atomic
def hazard_submit(
    *,
    actor: User,
    hazard: Hazard,
    report: str,
    evidence: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Hazard:
    """The enterprise reports the rectification done, with evidence, and asks for verification."""
    at = _now(now)
    hazard = _locked(actor, hazard)
    if not is_enterprise_member(scope_for(actor), hazard):
        raise _deny(_("Only the enterprise's officer or head submits the rectification."))
    _require_state(hazard, [S.RECTIFYING], HazardAction.SUBMIT)
    _required(report=report)
    if hazard.level == HazardLevel.MAJOR and not evidence:
        raise ValidationError({"evidence": _("Attach at least one photo or PDF showing the rectification.")})
    rectification = RectificationReport.objects.create(
        tenant_id=hazard.tenant_id, hazard=hazard, report=report, submitted_by=actor, submitted_at=at
    )
    stored = [
        evidence_store(actor=actor, upload=upload, hazard=hazard, report=rectification) for upload in evidence
    ]
    return _move(
        hazard,
        S.PENDING_VERIFICATION,
        actor=actor,
        action=HazardAction.SUBMIT,
        at=at,
        data={"report": rectification.pk, "evidence": [item.pk for item in stored]},
    )


def holds_major_authority(scope: Scope, hazard: Hazard) -> bool:
    """Who may take a major hazard out of the loop, by closing it (verify) or by withdrawing it (DESIGN.md
    section 5): an inspector of a department it was handed over to, or committee staff over its region —
    never the enterprise, nor a department that merely covers the industry. One predicate, so verifying and
    withdrawing can never drift apart."""
    return bool(handed_to_departments(scope, hazard) and Role.INSPECTOR in scope.roles) or is_committee_over(
        scope, hazard
    )


def _may_verify(scope: Scope, hazard: Hazard) -> bool:
    if hazard.level == HazardLevel.MAJOR:
        return holds_major_authority(scope, hazard)
    return (
        hazard.enterprise_id in scope.head_enterprise_ids
        or is_regulator_of(scope, hazard)
        or is_committee_over(scope, hazard)
    )


def _may_withdraw(scope: Scope, hazard: Hazard) -> bool:
    # A major hazard needs the authority that would verify it; anything else a regulator or committee.
    if hazard.level == HazardLevel.MAJOR:
        return holds_major_authority(scope, hazard)
    return is_regulator_of(scope, hazard) or is_committee_over(scope, hazard)


@transaction.atomic
def hazard_verify(
    *,
    actor: User,
    hazard: Hazard,
    accepted: bool,
    note: str = "",
    on_site: bool = True,
    now: dt.datetime | None = None,
) -> Hazard:
    """Accept the rectification and close the record (销号), or reject it back to rectification."""
    at = _now(now)
    hazard = _locked(actor, hazard)
    if not _may_verify(scope_for(actor), hazard):
        if hazard.level == HazardLevel.MAJOR:
            raise _deny(
                _(
                    "A major hazard is verified only by a handed-over department's inspector or by "
                    "committee staff, never by the enterprise."
                )
            )
        raise _deny(_("A general hazard is verified by the enterprise head or an inspector."))
    _require_state(hazard, [S.PENDING_VERIFICATION], HazardAction.VERIFY)
    if not accepted and not note.strip():
        raise ValidationError({"note": _("Say why the rectification is rejected.")})
    Verification.objects.create(
        tenant_id=hazard.tenant_id,
        hazard=hazard,
        verified_by=actor,
        verified_at=at,
        on_site=on_site,
        accepted=accepted,
        note=note,
    )
    if not accepted:
        return _move(
            hazard,
            S.RECTIFYING,
            actor=actor,
            action=HazardAction.REJECT,
            at=at,
            note=note,
            data={"on_site": on_site},
        )
    hazard.closed_at = at
    hazard.is_overdue = False
    return _move(
        hazard,
        S.CLOSED,
        actor=actor,
        action=HazardAction.VERIFY,
        at=at,
        note=note,
        data={"on_site": on_site},
        fields=["closed_at", "is_overdue"],
    )


@transaction.atomic
def hazard_withdraw(*, actor: User, hazard: Hazard, reason: str, now: dt.datetime | None = None) -> Hazard:
    """Take an open record out of the loop (e.g. a duplicate); it stays visible with its reason."""
    hazard = _locked(actor, hazard)
    if not _may_withdraw(scope_for(actor), hazard):
        if hazard.level == HazardLevel.MAJOR:
            raise _deny(
                _(
                    "A major hazard is withdrawn only by a handed-over department's inspector or by "
                    "committee staff, who could also verify it."
                )
            )
        raise _deny(_("Only inspectors and committee staff withdraw hazards."))
    _require_state(hazard, sorted(OPEN_STATES), HazardAction.WITHDRAW)
    _required(reason=reason.strip())
    hazard.withdrawn_reason = reason
    hazard.is_overdue = False
    return _move(
        hazard,
        S.WITHDRAWN,
        actor=actor,
        action=HazardAction.WITHDRAW,
        at=_now(now),
        note=reason,
        fields=["withdrawn_reason", "is_overdue"],
    )


@transaction.atomic
def hazard_reopen(
    *, actor: User, hazard: Hazard, reason: str, deadline: dt.date | None, now: dt.datetime | None = None
) -> Hazard:
    """Reopen a closed record whose rectification did not hold (a follow-up check found it again).

    The record goes back to rectification with a new deadline; its closure stays in the timeline and the
    reopening counts against the units' assessment ("hazards reopened after closure").
    """
    at = _now(now)
    hazard = _locked(actor, hazard)
    scope = scope_for(actor)
    if not (is_regulator_of(scope, hazard) or is_committee_over(scope, hazard)):
        raise _deny(_("Only inspectors and committee staff reopen closed hazards."))
    _require_state(hazard, [S.CLOSED], HazardAction.REOPEN)
    _required(reason=reason.strip(), deadline=deadline)
    assert deadline is not None
    if deadline < timezone.localdate(at):
        raise ValidationError({"deadline": _("The new deadline cannot be in the past.")})
    closed_at = hazard.closed_at
    hazard.closed_at = None
    hazard.deadline = deadline
    hazard.is_overdue = False
    hazard.overdue_since = None
    return _move(
        hazard,
        S.RECTIFYING,
        actor=actor,
        action=HazardAction.REOPEN,
        at=at,
        note=reason,
        data={"closed_at": closed_at.isoformat() if closed_at else None, "deadline": deadline.isoformat()},
        fields=["closed_at", "deadline", "is_overdue", "overdue_since"],
    )


# ------------------------------------------------------------------ extensions and listed supervision


@transaction.atomic
def hazard_request_extension(
    *, actor: User, hazard: Hazard, new_deadline: dt.date | None, reason: str, now: dt.datetime | None = None
) -> Extension:
    at = _now(now)
    hazard = _locked(actor, hazard)
    if not is_enterprise_member(scope_for(actor), hazard):
        raise _deny(_("Only the enterprise asks for more time."))
    _require_state(hazard, [S.RECTIFYING], HazardAction.REQUEST_EXTENSION)
    _required(new_deadline=new_deadline, reason=reason.strip())
    assert new_deadline is not None and hazard.deadline is not None
    if new_deadline <= hazard.deadline:
        raise ValidationError(
            {
                "new_deadline": _("The new deadline must be later than %(deadline)s.")
                % {"deadline": hazard.deadline}
            }
        )
    if hazard.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise InvalidStateError(_("An extension request is already waiting for a decision."))
    extension = Extension.objects.create(
        tenant_id=hazard.tenant_id,
        hazard=hazard,
        requested_by=actor,
        requested_at=at,
        previous_deadline=hazard.deadline,
        new_deadline=new_deadline,
        reason=reason,
    )
    _event(
        hazard,
        actor=actor,
        action=HazardAction.REQUEST_EXTENSION,
        from_state=hazard.state,
        at=at,
        note=reason,
        data={"extension": extension.pk, "new_deadline": new_deadline.isoformat()},
    )
    return extension


@transaction.atomic
def hazard_decide_extension(
    *, actor: User, hazard: Hazard, approved: bool, note: str = "", now: dt.datetime | None = None
) -> Extension:
    """The supervising body approves or refuses the pending extension request."""
    at = _now(now)
    hazard = _locked(actor, hazard)
    scope = scope_for(actor)
    if not (is_regulator_of(scope, hazard) or is_committee_over(scope, hazard)):
        raise _deny(_("Only the supervising department or committee decides extensions."))
    extension = hazard.extensions.select_for_update().filter(status=ExtensionStatus.PENDING).first()
    if extension is None:
        raise InvalidStateError(_("There is no extension request waiting for a decision."))
    if not approved and not note.strip():
        raise ValidationError({"note": _("Say why the extension is refused.")})
    extension.status = ExtensionStatus.APPROVED if approved else ExtensionStatus.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = actor, at, note
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approved:
        hazard.deadline = extension.new_deadline
        hazard.is_overdue = hazard.deadline < timezone.localtime(at).date()
        hazard.save(update_fields=["deadline", "is_overdue", "updated_at"])
    _event(
        hazard,
        actor=actor,
        action=HazardAction.DECIDE_EXTENSION,
        from_state=hazard.state,
        at=at,
        note=note,
        data={"extension": extension.pk, "approved": approved},
    )
    return extension


@transaction.atomic
def hazard_list_supervision(
    *,
    actor: User,
    hazard: Hazard,
    level: str,
    body: str,
    document_number: str,
    deadline: dt.date | None,
    now: dt.datetime | None = None,
) -> Hazard:
    """Place a major hazard under listed supervision (挂牌督办) by a named body, with its own deadline."""
    at = _now(now)
    hazard = _locked(actor, hazard)
    scope = scope_for(actor)
    if not (is_regulator_of(scope, hazard) or is_committee_over(scope, hazard)):
        raise _deny(_("Only inspectors and committee staff list hazards for supervision."))
    _require_state(hazard, sorted(OPEN_STATES - {S.REPORTED}), HazardAction.LIST_SUPERVISION)
    if hazard.level != HazardLevel.MAJOR:
        raise InvalidStateError(_("Only major hazards are listed for supervision."))
    if hazard.listed:
        raise InvalidStateError(_("%(code)s is already listed for supervision.") % {"code": hazard.code})
    if level not in ListingLevel.values:
        raise ValidationError({"level": _("Choose provincial, city or county.")})
    _required(body=body.strip(), deadline=deadline)
    hazard.listed, hazard.listing_level, hazard.listing_body = True, level, body
    hazard.listing_document, hazard.listing_deadline = document_number, deadline
    hazard.save(
        update_fields=[
            "listed",
            "listing_level",
            "listing_body",
            "listing_document",
            "listing_deadline",
            "updated_at",
        ]
    )
    _event(
        hazard,
        actor=actor,
        action=HazardAction.LIST_SUPERVISION,
        from_state=hazard.state,
        at=at,
        data={
            "level": level,
            "body": body,
            "document": document_number,
            "deadline": deadline.isoformat() if deadline else None,
        },
    )
    return hazard


# Roles that can ever report: used by pages to decide whether to offer the form.
REPORTING_ROLES = ENTERPRISE_ROLES | DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF}


def available_actions(actor: User, hazard: Hazard) -> list[str]:
    """The transitions the actor may take on the hazard now: the pages offer exactly these forms.

    Mirrors the checks of the services above; the services remain the authority.
    """
    scope = scope_for(actor)
    regulator, committee = is_regulator_of(scope, hazard), is_committee_over(scope, hazard)
    member, head = is_enterprise_member(scope, hazard), hazard.enterprise_id in scope.head_enterprise_ids
    state, major = hazard.state, hazard.level == HazardLevel.MAJOR
    offered: list[str] = []
    if state == S.REPORTED and (regulator or committee or head):
        offered.append("confirm")
    if state == S.CONFIRMED and major and (regulator or committee):
        offered.append("handover")
    if (
        state not in {S.CLOSED, S.WITHDRAWN}
        and HandoverReceipt.objects.filter(
            handover__hazard=hazard, department_id__in=scope.department_ids, acknowledged_at__isnull=True
        ).exists()
    ):
        offered.append("acknowledge_handover")
    if member and ((state == S.CONFIRMED and not major) or state == S.HANDED_OVER):
        offered.append("plan")
    pending_extension = hazard.extensions.filter(status=ExtensionStatus.PENDING).exists()
    if member and state == S.RECTIFYING:
        offered.append("submit")
        if not pending_extension:
            offered.append("request_extension")
    if state == S.PENDING_VERIFICATION and _may_verify(scope, hazard):
        offered.append("verify")
    if pending_extension and (regulator or committee):
        offered.append("decide_extension")
    if (
        state in OPEN_STATES
        and state != S.REPORTED
        and major
        and not hazard.listed
        and (regulator or committee)
    ):
        offered.append("list_supervision")
    if state in OPEN_STATES and _may_withdraw(scope, hazard):
        offered.append("withdraw")
    if state == S.CLOSED and (regulator or committee):
        offered.append("reopen")
    return offered
