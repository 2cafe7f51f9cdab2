"""The hazard state machine (DESIGN.md section 5): one function per transition.

Each transition finds the hazard in the actor's scope (404), locks its row, checks the actor's role
(403) and the current state (409), writes the change and one append-only event, in one transaction.
The role and state rules live in permissions.py, which the pages ask too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import ensure_visible
from organizations.choices import Role
from organizations.models import Department, Enterprise, Industry, Membership, Region, User
from organizations.scoping import scope_for, tenant_of

from ..choices import (
    ExtensionStatus,
    HazardAction,
    HazardCategory,
    HazardLevel,
    HazardSource,
    HazardState,
)
from ..models import (
    Criterion,
    Extension,
    Handover,
    HandoverReceipt,
    Hazard,
    Inspection,
    RectificationReport,
    SelfInspection,
    Verification,
)
from .closure import acceptance_check, closure_record
from .evidence import evidence_store
from .majors import major_report_notify
from .notices import notices_send, recipients
from .permissions import (
    awaiting_acknowledgement,
    has_regulator_role,
    may_acknowledge_handover,
    may_confirm,
    may_decide_extension,
    may_grade_when_reporting,
    may_handover,
    may_plan,
    may_reopen,
    may_report,
    may_request_extension,
    may_submit,
    may_verify,
    may_withdraw,
    oversees,
)
from .receipts import receipts_issue
from .steps import deny, locked_hazard, move, now_or, record_event, require_fields, require_now

S = HazardState

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
    if criterion.retired or criterion.standard.local_tenant_id not in (None, hazard_industry.tenant_id):
        raise ValidationError(
            {"criterion": _("This criterion cannot be cited: choose one of the current list.")}
        )
    if criterion.standard.industry_code != hazard_industry.code:
        raise ValidationError(
            {
                "criterion": _("This criterion belongs to the %(standard)s standard, not to %(industry)s.")
                % {"standard": criterion.standard.display_name, "industry": hazard_industry.display_name}
            }
        )
    return criterion


def _check_category(category: str) -> str:
    if not category:
        raise ValidationError({"category": _("Choose the hazard's category.")})
    if category not in HazardCategory.values:
        raise ValidationError(
            {"category": _("Choose equipment or facility, behaviour, management or environment.")}
        )
    return category


@transaction.atomic
def hazard_report(
    *,
    actor: User,
    enterprise: Enterprise,
    title: str,
    description: str,
    location: str,
    category: str = "",
    industry: Industry | None = None,
    level: str = "",
    criterion: Criterion | None = None,
    source: str = "",
    self_inspection: SelfInspection | None = None,
    inspection: Inspection | None = None,
    photos: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Hazard:
    """Record a newly found hazard. Graded by a regulator at once, it starts `confirmed`.

    The enterprise itself does not grade, but it may report a hazard as major citing the criterion it meets
    (its duty to report major hazards promptly): the hazard starts `reported` with `proposed_level` major and
    the criterion, and the regulating departments and the committee are told at once (majors.py).
    """
    at = now_or(now)
    ensure_visible(actor, enterprise)
    scope = scope_for(actor)
    if not may_report(scope, enterprise):
        raise deny(_("Only the enterprise itself, inspectors and committee staff report hazards."))
    proposing = bool(level) and not may_grade_when_reporting(scope)
    if proposing and level != HazardLevel.MAJOR:
        raise deny(
            _(
                "An enterprise may report a hazard as major, citing the criterion it meets; "
                "a regulator grades it."
            )
        )
    require_fields(title=title, description=description, location=location)
    category = _check_category(category)
    industries = list(enterprise.industries.all())
    if industry is None and criterion is not None:  # the industry whose standard the criterion belongs to
        industry = next((i for i in industries if i.code == criterion.standard.industry_code), None)
    if industry is None:
        industry = industries[0] if industries else None
    if industry is None or industry not in industries:
        raise ValidationError({"industry": _("Choose one of the enterprise's industries.")})
    criterion = _check_grade(industry, level, criterion) if level else None
    proposed_level = ""
    if proposing:
        proposed_level, level = HazardLevel.MAJOR, ""
    if not source:
        source = (
            HazardSource.INSPECTION
            if has_regulator_role(scope) and enterprise.pk not in scope.enterprise_ids
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
        category=category,
        level=level,
        proposed_level=proposed_level,
        criterion=criterion,
        discovered_by=actor,
        discovered_at=at,
        state=S.CONFIRMED if level else S.REPORTED,
    )
    for photo in photos:
        evidence_store(actor=actor, upload=photo, hazard=hazard)
    data = {"level": level, "criterion": criterion.pk if criterion else None, "category": category}
    if proposed_level:
        data["proposed_level"] = proposed_level
    record_event(hazard, actor=actor, action=HazardAction.REPORT, from_state="", at=at, data=data)
    if proposed_level:
        major_report_notify(hazard, at=at)
    return hazard


@transaction.atomic
def hazard_confirm(
    *,
    actor: User,
    hazard: Hazard,
    level: str,
    criterion: Criterion | None = None,
    note: str = "",
    reason: str = "",
    now: dt.datetime | None = None,
) -> Hazard:
    """Grade a reported hazard general or major; the enterprise head may only call it general.

    A hazard the enterprise reported as major keeps its cited criterion unless another is given; a grade
    other than the proposal needs a reason, recorded in the event beside the proposal.
    """
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_confirm(scope, hazard):
        raise deny(_("Only a covering inspector, committee staff or the enterprise head confirm hazards."))
    require_now(scope, hazard, HazardAction.CONFIRM)
    # may_confirm lets the enterprise head in for this alone: a general grade. Grading major is a regulator's.
    if level != HazardLevel.GENERAL and not oversees(scope, hazard):
        raise deny(
            _("The enterprise head may confirm a hazard as general only; a regulator grades it major.")
        )
    if criterion is None and level == HazardLevel.MAJOR and hazard.proposed_level == HazardLevel.MAJOR:
        criterion = hazard.criterion
    hazard.criterion = _check_grade(hazard.industry, level, criterion)
    data: dict[str, object] = {"level": level, "criterion": hazard.criterion_id}
    if hazard.proposed_level:
        reason = reason.strip()
        if level != hazard.proposed_level and not reason:
            raise ValidationError(
                {
                    "reason": _("Say why the grade differs from the enterprise's proposal (%(proposed)s).")
                    % {"proposed": hazard.get_proposed_level_display()}
                }
            )
        data |= {"proposed_level": hazard.proposed_level, "reason": reason}
    hazard.level = level
    return move(
        hazard,
        S.CONFIRMED,
        actor=actor,
        action=HazardAction.CONFIRM,
        at=now_or(now),
        note="\n".join(part for part in (reason, note.strip()) if part),
        data=data,
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
    at = now_or(now)
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_handover(scope, hazard):
        raise deny(_("Only committee staff of the region or an inspector hand hazards over."))
    require_now(scope, hazard, HazardAction.HANDOVER)
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
    receipts_issue(handover=handover, departments=departments, at=at)
    return move(
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
    """A receiver — a following department or the territorial committee — confirms it has taken the
    handover over; late (after escalation) is still recorded, and scored as late."""
    at = now_or(now)
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_acknowledge_handover(scope, hazard):
        raise deny(_("Only a department or committee this hazard was handed over to acknowledges it."))
    require_now(scope, hazard, HazardAction.ACKNOWLEDGE)
    pending = list(awaiting_acknowledgement(scope, hazard).select_for_update())
    HandoverReceipt.objects.filter(pk__in=[r.pk for r in pending]).update(
        acknowledged_by=actor, acknowledged_at=at
    )
    record_event(
        hazard,
        actor=actor,
        action=HazardAction.ACKNOWLEDGE,
        from_state=hazard.state,
        at=at,
        data={
            "departments": sorted(r.department_id for r in pending if r.department_id),
            "committees": sorted(r.region_id for r in pending if r.region_id),
        },
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
    at = now_or(now)
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_plan(scope, hazard):
        raise deny(_("Only the enterprise's officer or head files the rectification plan."))
    require_now(scope, hazard, HazardAction.PLAN)
    require_fields(
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
    moved = move(
        hazard,
        S.RECTIFYING,
        actor=actor,
        action=HazardAction.PLAN,
        at=at,
        data={"deadline": deadline.isoformat(), "funds": str(funds)},
        fields=["responsible_person", "measures", "funds", "deadline", "contingency_plan"],
    )
    # A deadline already within the reminder window: the enterprise hears now, not only from the sweep.
    if deadline <= timezone.localtime(at).date() + dt.timedelta(days=settings.DUE_SOON_DAYS):
        _notify(moved, recipients(moved)["enterprise"], "due_soon", at)
    return moved


def _notify(hazard: Hazard, users: set[int], kind: str, at: dt.datetime, **extra: object) -> None:
    """A notice of a transition, in its transaction: the hazard's code, title, enterprise and deadline."""
    params = {
        "code": hazard.code,
        "title": hazard.title,
        "enterprise": hazard.enterprise,
        "deadline": hazard.deadline,
        **extra,
    }
    notices_send(tenant_id=hazard.tenant_id, users=users, kind=kind, params=params, at=at, hazard=hazard)


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
    at = now_or(now)
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_submit(scope, hazard):
        raise deny(_("Only the enterprise's officer or head submits the rectification."))
    require_now(scope, hazard, HazardAction.SUBMIT)
    require_fields(report=report)
    if hazard.level == HazardLevel.MAJOR and not evidence:
        raise ValidationError({"evidence": _("Attach at least one photo or PDF showing the rectification.")})
    rectification = RectificationReport.objects.create(
        tenant_id=hazard.tenant_id, hazard=hazard, report=report, submitted_by=actor, submitted_at=at
    )
    stored = [
        evidence_store(actor=actor, upload=upload, hazard=hazard, report=rectification) for upload in evidence
    ]
    moved = move(
        hazard,
        S.PENDING_VERIFICATION,
        actor=actor,
        action=HazardAction.SUBMIT,
        at=at,
        data={"report": rectification.pk, "evidence": [item.pk for item in stored]},
    )
    # Those who may verify: the regulating departments, and for a major hazard the committee, for a
    # general one the enterprise head.
    who = recipients(moved)
    verifiers = who["departments"] | (who["committee"] if moved.level == HazardLevel.MAJOR else set())
    if moved.level != HazardLevel.MAJOR:
        verifiers |= set(
            Membership.objects.filter(
                tenant_id=moved.tenant_id,
                is_active=True,
                enterprise_id=moved.enterprise_id,
                role=Role.ENTERPRISE_HEAD,
            ).values_list("user_id", flat=True)
        )
    _notify(moved, verifiers - {actor.pk}, "submitted", at)
    return moved


@transaction.atomic
def hazard_verify(
    *,
    actor: User,
    hazard: Hazard,
    accepted: bool,
    note: str = "",
    on_site: bool = True,
    participants: Sequence[Mapping[str, Any]] = (),
    method: str = "",
    conclusion: str = "",
    attachments: Sequence[UploadedFile] = (),
    now: dt.datetime | None = None,
) -> Hazard:
    """Accept the rectification and close the record (销号), or reject it back to rectification.

    Accepting a major hazard records the on-site acceptance (participants, method, conclusion, attachments)
    and freezes the closure report (services/closure.py)."""
    at = now_or(now)
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_verify(scope, hazard):
        if hazard.level == HazardLevel.MAJOR:
            raise deny(
                _(
                    "A major hazard is verified only by a handed-over department's inspector or by "
                    "committee staff, never by the enterprise."
                )
            )
        raise deny(_("A general hazard is verified by the enterprise head or an inspector."))
    require_now(scope, hazard, HazardAction.VERIFY)
    if not accepted and not note.strip():
        raise ValidationError({"note": _("Say why the rectification is rejected.")})
    acceptance = acceptance_check(
        hazard=hazard,
        accepted=accepted,
        participants=participants,
        method=method,
        conclusion=conclusion,
        attachments=attachments,
    )
    verification = Verification.objects.create(
        tenant_id=hazard.tenant_id,
        hazard=hazard,
        verified_by=actor,
        verified_at=at,
        on_site=on_site,
        accepted=accepted,
        note=note,
    )
    if not accepted:
        moved = move(
            hazard,
            S.RECTIFYING,
            actor=actor,
            action=HazardAction.REJECT,
            at=at,
            note=note,
            data={"on_site": on_site},
        )
        _notify(moved, recipients(moved)["enterprise"] - {actor.pk}, "rejected", at, note=note)
        return moved
    hazard.closed_at = at
    hazard.is_overdue = False
    closure = {}
    if acceptance is not None:
        report = closure_record(
            actor=actor, scope=scope, hazard=hazard, verification=verification, acceptance=acceptance, at=at
        )
        closure = {"acceptance": report.acceptance_id, "closure_report_sha256": report.sha256}
    return move(
        hazard,
        S.CLOSED,
        actor=actor,
        action=HazardAction.VERIFY,
        at=at,
        note=note,
        data={"on_site": on_site, **closure},
        fields=["closed_at", "is_overdue"],
    )


@transaction.atomic
def hazard_withdraw(*, actor: User, hazard: Hazard, reason: str, now: dt.datetime | None = None) -> Hazard:
    """Take an open record out of the loop (e.g. a duplicate); it stays visible with its reason."""
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_withdraw(scope, hazard):
        if hazard.level == HazardLevel.MAJOR:
            raise deny(
                _(
                    "A major hazard is withdrawn only by a handed-over department's inspector or by "
                    "committee staff, who could also verify it."
                )
            )
        raise deny(_("Only inspectors and committee staff withdraw hazards."))
    require_now(scope, hazard, HazardAction.WITHDRAW)
    require_fields(reason=reason.strip())
    hazard.withdrawn_reason = reason
    hazard.is_overdue = False
    return move(
        hazard,
        S.WITHDRAWN,
        actor=actor,
        action=HazardAction.WITHDRAW,
        at=now_or(now),
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
    at = now_or(now)
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_reopen(scope, hazard):
        raise deny(_("Only inspectors and committee staff reopen closed hazards."))
    require_now(scope, hazard, HazardAction.REOPEN)
    require_fields(reason=reason.strip(), deadline=deadline)
    assert deadline is not None
    if deadline < timezone.localdate(at):
        raise ValidationError({"deadline": _("The new deadline cannot be in the past.")})
    closed_at = hazard.closed_at
    hazard.closed_at = None
    hazard.deadline = deadline
    hazard.is_overdue = False
    hazard.overdue_since = None
    return move(
        hazard,
        S.RECTIFYING,
        actor=actor,
        action=HazardAction.REOPEN,
        at=at,
        note=reason,
        data={"closed_at": closed_at.isoformat() if closed_at else None, "deadline": deadline.isoformat()},
        fields=["closed_at", "deadline", "is_overdue", "overdue_since"],
    )


# ------------------------------------------------------------------ extensions (listings: listings.py)


@transaction.atomic
def hazard_request_extension(
    *, actor: User, hazard: Hazard, new_deadline: dt.date | None, reason: str, now: dt.datetime | None = None
) -> Extension:
    at = now_or(now)
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_request_extension(scope, hazard):
        raise deny(_("Only the enterprise asks for more time."))
    require_now(scope, hazard, HazardAction.REQUEST_EXTENSION)
    require_fields(new_deadline=new_deadline, reason=reason.strip())
    assert new_deadline is not None and hazard.deadline is not None
    if new_deadline <= hazard.deadline:
        raise ValidationError(
            {
                "new_deadline": _("The new deadline must be later than %(deadline)s.")
                % {"deadline": hazard.deadline}
            }
        )
    extension = Extension.objects.create(
        tenant_id=hazard.tenant_id,
        hazard=hazard,
        requested_by=actor,
        requested_at=at,
        previous_deadline=hazard.deadline,
        new_deadline=new_deadline,
        reason=reason,
    )
    record_event(
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
    at = now_or(now)
    hazard = locked_hazard(actor, hazard)
    scope = scope_for(actor)
    if not may_decide_extension(scope, hazard):
        raise deny(_("Only the supervising department or committee decides extensions."))
    require_now(scope, hazard, HazardAction.DECIDE_EXTENSION)
    extension = hazard.extensions.select_for_update().filter(status=ExtensionStatus.PENDING).first()
    assert extension is not None  # _require_now found it, and the hazard's lock keeps it pending
    if not approved and not note.strip():
        raise ValidationError({"note": _("Say why the extension is refused.")})
    extension.status = ExtensionStatus.APPROVED if approved else ExtensionStatus.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_note = actor, at, note
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    if approved:
        hazard.deadline = extension.new_deadline
        hazard.is_overdue = hazard.deadline < timezone.localtime(at).date()
        hazard.save(update_fields=["deadline", "is_overdue", "updated_at"])
    record_event(
        hazard,
        actor=actor,
        action=HazardAction.DECIDE_EXTENSION,
        from_state=hazard.state,
        at=at,
        note=note,
        data={"extension": extension.pk, "approved": approved},
    )
    return extension
