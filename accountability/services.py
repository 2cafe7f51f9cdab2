"""Every write to accountability: accidents, cases with their trace, investigations, sanctions, interviews.
Nothing here is ever deleted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from campaigns.models import Campaign
from core.errors import InvalidStateError, PermissionDeniedError
from core.scoping import ensure_visible
from organizations.audit import audit_record
from organizations.choices import DEPARTMENT_ROLES, AuditAction, Role
from organizations.models import Enterprise, Region, User
from organizations.scoping import scope_for, tenant_of

from .accidents import INVESTIGATED_BY, REQUIRED_DEPTH, accident_grade, path_depth, reporting_status
from .choices import (
    AccidentGrade,
    AccidentReporting,
    InterviewReason,
    SanctionBasis,
    SanctionKind,
    Track,
    sanction_fits_track,
)
from .models import (
    Accident,
    AccountabilityCase,
    Investigation,
    LeadershipInput,
    Sanction,
    ScoringScheme,
    WarningInterview,
)
from .permissions import require_scheme_setter
from .scoring import normalisation_cleaned
from .trace import assemble_trace


def _require_committee(actor: User, path: str) -> None:
    scope = scope_for(actor)
    if scope.is_tenant_admin:
        return
    if Role.COMMITTEE_STAFF in scope.roles and any(path.startswith(p) for p in scope.committee_paths):
        return
    raise PermissionDeniedError(_("Only committee staff of the region hold people to account."))


@transaction.atomic
def accident_record(
    *,
    actor: User,
    enterprise: Enterprise,
    occurred_at: dt.datetime,
    description: str,
    deaths: int = 0,
    injuries: int = 0,
    serious_injuries: int = 0,
    economic_loss: Decimal = Decimal("0"),
    reported_at: dt.datetime | None = None,
) -> Accident:
    """Committee staff or a regulating inspector record an accident at an enterprise in their scope. The grade
    follows from deaths, serious injuries and direct loss; the reporting from when it reached the county
    department (accountability/accidents.py)."""
    ensure_visible(actor, enterprise)
    scope = scope_for(actor)
    if not (scope.is_tenant_admin or Role.COMMITTEE_STAFF in scope.roles or scope.roles & DEPARTMENT_ROLES):
        raise PermissionDeniedError(_("Only committee staff and inspectors record accidents."))
    now = timezone.now()
    errors: dict[str, str] = {}
    if occurred_at > now:
        errors["occurred_at"] = _("An accident cannot be recorded in the future.")
    if reported_at is not None and reported_at > now:
        errors["reported_at"] = _("A report cannot be dated in the future.")
    elif reported_at is not None and reported_at < occurred_at:
        errors["reported_at"] = _("The report cannot come before the accident.")
    for field, count in (("deaths", deaths), ("injuries", injuries), ("serious_injuries", serious_injuries)):
        if count < 0:
            errors[field] = _("Counts and losses cannot be negative.")
    if economic_loss < 0:
        errors["economic_loss"] = _("Counts and losses cannot be negative.")
    if not description.strip():
        errors["description"] = _("Describe what happened.")
    if errors:
        raise ValidationError(errors)
    return Accident.objects.create(
        tenant_id=tenant_of(actor),
        enterprise=enterprise,
        region_path=enterprise.region_path,
        occurred_at=occurred_at,
        deaths=deaths,
        injuries=injuries,
        serious_injuries=serious_injuries,
        economic_loss=economic_loss,
        grade=accident_grade(deaths=deaths, serious_injuries=serious_injuries, economic_loss=economic_loss),
        reported_at=reported_at,
        reporting=reporting_status(occurred_at=occurred_at, reported_at=reported_at),
        description=description,
        recorded_by=actor,
    )


FINDINGS = (AccidentReporting.MISSED, AccidentReporting.FALSE, AccidentReporting.CONCEALED)


@transaction.atomic
def accident_reporting_record(
    *,
    actor: User,
    accident: Accident,
    reporting: str,
    note: str,
    reported_at: dt.datetime | None = None,
) -> Accident:
    """Committee staff record how the accident was reported: the time the report reached the county department
    (on time or late follows from it), or a finding of a missed, false or concealed report with what shows it.
    A finding stands once made (409 on a second finding); it grounds a sanction (basis accident_reporting)."""
    locked = Accident.objects.select_for_update().get_visible(actor, pk=accident.pk)
    _require_committee(actor, locked.region_path)
    if locked.reporting in FINDINGS:
        raise InvalidStateError(
            _("A reporting finding was already recorded: %(finding)s.")
            % {"finding": locked.get_reporting_display()}
        )
    errors: dict[str, str] = {}
    if reporting not in (AccidentReporting.ON_TIME, AccidentReporting.LATE, *FINDINGS):
        errors["reporting"] = _("Choose reported (with its time), missed, false or concealed.")
    elif reporting in FINDINGS and not note.strip():
        errors["note"] = _("Say what shows the report was missed, false or concealed.")
    elif reporting not in FINDINGS and reported_at is None:
        errors["reported_at"] = _("Give the time the report reached the county department.")
    elif reported_at is not None and (reported_at < locked.occurred_at or reported_at > timezone.now()):
        errors["reported_at"] = _("The report comes after the accident and not in the future.")
    if errors:
        raise ValidationError(errors)
    if reported_at is not None:
        locked.reported_at = reported_at
    locked.reporting = (
        reporting
        if reporting in FINDINGS
        else reporting_status(occurred_at=locked.occurred_at, reported_at=locked.reported_at)
    )
    locked.reporting_note = note
    locked.save(update_fields=["reported_at", "reporting", "reporting_note"])
    return locked


def require_reach(actor: User, accident: Accident) -> None:
    """Accountability reaches as far as the level that investigates the grade: a committee at that level or
    above (or a tenant admin) opens its case; a lower committee is refused (403) and told who investigates."""
    scope = scope_for(actor)
    if scope.is_tenant_admin:
        return
    needed = REQUIRED_DEPTH[accident.grade]
    if any(
        accident.region_path.startswith(path) and path_depth(path) <= needed for path in scope.committee_paths
    ):
        return
    raise PermissionDeniedError(
        _("A %(grade)s is investigated by %(level)s: only a committee at that level or above opens its case.")
        % {"grade": accident.get_grade_display(), "level": INVESTIGATED_BY[accident.grade]}
    )


@transaction.atomic
def case_open(*, actor: User, accident: Accident) -> AccountabilityCase:
    """Open the case: assemble the trace and the three investigation tracks."""
    accident = Accident.objects.select_related("enterprise").get_visible(actor, pk=accident.pk)
    _require_committee(actor, accident.region_path)
    require_reach(actor, accident)
    if AccountabilityCase.objects.filter(accident=accident).exists():
        raise InvalidStateError(_("A case is already open for this accident."))
    try:
        with transaction.atomic():
            case = AccountabilityCase.objects.create(
                tenant_id=accident.tenant_id,
                accident=accident,
                region_path=accident.region_path,
                trace=assemble_trace(accident),
                opened_by=actor,
            )
    except IntegrityError:
        raise InvalidStateError(_("A case is already open for this accident.")) from None
    Investigation.objects.bulk_create(
        [Investigation(tenant_id=case.tenant_id, case=case, track=track) for track in Track.values]
    )
    return case


@transaction.atomic
def investigation_save(
    *,
    actor: User,
    case: AccountabilityCase,
    track: str,
    subject_unit: str,
    subject_person: str,
    findings: str,
) -> Investigation:
    case = AccountabilityCase.objects.get_visible(actor, pk=case.pk)
    _require_committee(actor, case.region_path)
    if track not in Track.values:
        raise ValidationError({"track": _("Choose one of the three tracks.")})
    investigation = Investigation.objects.select_for_update().get(case=case, track=track)
    investigation.subject_unit, investigation.subject_person = subject_unit, subject_person
    investigation.findings = findings
    investigation.save()
    return investigation


@transaction.atomic
def sanction_record(
    *,
    actor: User,
    case: AccountabilityCase,
    track: str,
    kind: str,
    subject: str,
    issuing_body: str,
    decided_on: dt.date,
    note: str = "",
    amount: Decimal | None = None,
) -> Sanction:
    case = AccountabilityCase.objects.select_related("accident__enterprise").get_visible(actor, pk=case.pk)
    _require_committee(actor, case.region_path)
    if track not in Track.values:
        raise ValidationError({"track": _("Choose one of the three tracks.")})
    check_kind(kind=kind, track=track, amount=amount)
    if not subject.strip() or not issuing_body.strip():
        raise ValidationError(
            {"subject" if not subject.strip() else "issuing_body": _("This field is required.")}
        )
    investigation = Investigation.objects.get(case=case, track=track)
    return Sanction.objects.create(
        tenant_id=case.tenant_id,
        investigation=investigation,
        region_id=case.accident.enterprise.region_id,
        region_path=case.region_path,
        track=track,
        basis=SanctionBasis.ACCIDENT_CASE,
        kind=kind,
        subject=subject,
        issuing_body=issuing_body,
        decided_on=decided_on,
        amount=amount,
        note=note,
        recorded_by=actor,
    )


def check_kind(*, kind: str, track: str, amount: Decimal | None) -> None:
    """The kind is in the catalogue and fits the track; a fine names its amount. 400 naming the field."""
    if kind not in SanctionKind.values:
        raise ValidationError({"kind": _("Choose a sanction from the catalogue.")})
    if not sanction_fits_track(kind, track):
        raise ValidationError(
            {
                "kind": _(
                    "An enterprise is sanctioned by a fine on its principal, a licence measure or a criminal "
                    "referral; officials by the measures of the plans' list."
                )
            }
        )
    if kind == SanctionKind.FINE_PRINCIPAL and (amount is None or amount <= 0):
        raise ValidationError({"amount": _("Give the amount of the fine.")})


@transaction.atomic
def interview_record(
    *,
    actor: User,
    region: Region,
    interviewer: str,
    interviewee_unit: str,
    interviewee_person: str,
    reason: str,
    held_on: dt.date,
    reason_detail: str = "",
    commitments: str = "",
    follow_up: str = "",
    accident: Accident | None = None,
) -> WarningInterview:
    ensure_visible(actor, region)
    _require_committee(actor, region.path)
    if reason not in InterviewReason.values:
        raise ValidationError({"reason": _("Choose why the interview is held.")})
    if accident is not None:
        ensure_visible(actor, accident)
    if not interviewer.strip() or not interviewee_unit.strip():
        raise ValidationError({"interviewee_unit": _("Name who interviewed whom.")})
    return WarningInterview.objects.create(
        tenant_id=tenant_of(actor),
        region=region,
        region_path=region.path,
        interviewer=interviewer,
        interviewee_unit=interviewee_unit,
        interviewee_person=interviewee_person,
        reason=reason,
        reason_detail=reason_detail,
        accident=accident,
        held_on=held_on,
        commitments=commitments,
        follow_up=follow_up,
        recorded_by=actor,
    )


@transaction.atomic
def scoring_scheme_set(
    *,
    actor: User,
    campaign: Campaign,
    weights: dict[str, Decimal],
    normalisation: dict[str, dict] | None = None,
    deductions: dict[str, Decimal] | None = None,
) -> ScoringScheme:
    """The top-level committee (or a tenant admin) sets the four group weights of a campaign of the whole
    tenant and, optionally, how each indicator is scaled (`normalisation`, replacing the previous rules when
    given). Any other campaign, or a lower committee, is refused (403): see accountability/permissions.py."""
    campaign = Campaign.objects.get_visible(actor, pk=campaign.pk)
    require_scheme_setter(actor, campaign)
    if any(value < 0 for value in weights.values()) or not sum(weights.values()):
        raise ValidationError({"weights": _("Weights are not negative and at least one is above zero.")})
    rules = normalisation_cleaned(normalisation) if normalisation is not None else None
    if deductions is not None and (
        set(deductions) - set(AccidentGrade.values) or any(value < 0 for value in deductions.values())
    ):
        raise ValidationError({"deductions": _("Points off per accident grade are not negative.")})
    scheme, _created = ScoringScheme.objects.get_or_create(tenant_id=campaign.tenant_id, campaign=campaign)
    for group, value in weights.items():
        setattr(scheme, f"weight_{group}", value)
    if rules is not None:
        scheme.normalisation = rules
    for grade, value in (deductions or {}).items():
        setattr(scheme, f"deduct_{grade}", value)
    scheme.updated_by = actor
    scheme.save()
    audit_record(actor=actor, action=AuditAction.POLICY_CHANGE, target=scheme, detail={"weights": weights})
    return scheme


@transaction.atomic
def leadership_input_set(
    *, actor: User, region: Region, month: dt.date, leader_inspections: int, meetings: int
) -> LeadershipInput:
    """Committee staff enter the month's leadership figures; who entered them is kept."""
    ensure_visible(actor, region)
    _require_committee(actor, region.path)
    entry, _created = LeadershipInput.objects.update_or_create(
        tenant_id=region.tenant_id,
        region=region,
        month=month.replace(day=1),
        defaults={"leader_inspections": leader_inspections, "meetings": meetings, "entered_by": actor},
    )
    return entry
