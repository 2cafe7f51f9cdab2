"""The campaign's final evaluation and the published monthly rankings (issue 17, part 6).

At a campaign's end its committee evaluates the regions under the campaign's region over the whole period:
the mean of their monthly scores, how far they carried the campaign's tasks assigned to them, and the
accidents in the period, into one final score, rank and grade. Committee staff publish it; published, it is
frozen (the database refuses any change, migration accountability 0004) and the public site shows it
beside the monthly rankings they published. It exports as the input of the annual target-responsibility
assessment.

Only region names, codes and numbers are kept in these snapshots: never a person.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from campaigns.models import Campaign, Task
from core.errors import InvalidStateError, PermissionDeniedError
from core.scoping import ensure_visible
from core.spreadsheets import WorkbookWriter
from disclosure.public_cache import invalidate
from organizations.audit import audit_record
from organizations.choices import AuditAction, Role
from organizations.models import Region, User
from organizations.scoping import scope_for

from .models import Accident, FinalEvaluation, RankingPublication, RegionAssessment

TWO_PLACES = Decimal("0.01")

# How the final score is made; stored with every evaluation so that its figures can be re-read later.
MONTHLY_WEIGHT = 80  # per cent: the mean of the region's monthly scores over the campaign's months
TASK_WEIGHT = 20  # per cent: the weighted completion of the campaign's tasks assigned to the region
GRADE_BOUNDS = [(90, "excellent"), (75, "good"), (60, "pass")]  # at least this final score; below: fail

GRADES: dict[str, Any] = {
    "excellent": pgettext_lazy("evaluation grade", "Excellent"),
    "good": pgettext_lazy("evaluation grade", "Good"),
    "pass": pgettext_lazy("evaluation grade", "Pass"),
    "fail": pgettext_lazy("evaluation grade", "Fail"),
    "not_assessed": pgettext_lazy("evaluation grade", "Not assessed"),
}
METHOD_TEXT = gettext_lazy(
    "Final score = %(monthly)s %% x the mean of the region's monthly scores over the campaign's months + "
    "%(tasks)s %% x the weighted completion of the campaign's tasks assigned to the region (a region with no "
    "task takes its monthly mean alone). Grades: excellent from %(excellent)s, good from %(good)s, pass from "
    "%(pass)s, fail below. Accidents in the period already lower the monthly scores and are shown beside."
)


def grade_label(code: str) -> str:
    return str(GRADES.get(code, code))


def method_text(method: dict[str, Any]) -> str:
    bounds = {grade: bound for bound, grade in method["grades"]}
    return str(METHOD_TEXT) % {
        "monthly": method["monthly_weight"],
        "tasks": method["task_weight"],
        "excellent": bounds.get("excellent", "—"),
        "good": bounds.get("good", "—"),
        "pass": bounds.get("pass", "—"),
    }


def _require_committee(actor: User, path: str, message: str) -> None:
    """Committee staff of the region or above; everyone else who can see it gets a 403."""
    scope = scope_for(actor)
    if Role.COMMITTEE_STAFF in scope.roles and any(path.startswith(p) for p in scope.committee_paths):
        return
    raise PermissionDeniedError(message)


def campaign_months(campaign: Campaign) -> list[dt.date]:
    """The first day of every month the campaign touches."""
    months, month = [], campaign.start_date.replace(day=1)
    while month <= campaign.end_date:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _money(value: Decimal | float | int) -> Decimal:
    return Decimal(value).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _grade(score: Decimal | None) -> str:
    if score is None:
        return "not_assessed"
    return next((grade for bound, grade in GRADE_BOUNDS if score >= bound), "fail")


def _task_percent(campaign: Campaign, region: Region) -> Decimal | None:
    """Weighted completion of the tasks of the campaign and its sub-campaigns assigned to the region."""
    tasks = (
        Task.objects.filter(campaign__in=[campaign, *campaign.children.all()])
        .filter(regions__path__startswith=region.path)
        .distinct()
        .values_list("percent", "weight")
    )
    total = sum((weight for _percent, weight in tasks), Decimal(0))
    if not total:
        return None
    return _money(sum((Decimal(percent) * weight for percent, weight in tasks), Decimal(0)) / total)


def evaluation_rows(campaign: Campaign) -> list[dict[str, Any]]:
    """Each region directly under the campaign's region, over the campaign's whole period, ranked."""
    months = campaign_months(campaign)
    regions = list(
        Region.objects.filter(tenant_id=campaign.tenant_id, parent=campaign.region).order_by("code")
    )
    monthly: dict[int, list[tuple[Decimal, int, int]]] = {region.pk: [] for region in regions}
    for region_id, score, rank, rank_of in RegionAssessment.objects.filter(
        tenant_id=campaign.tenant_id, region__in=regions, month__in=months
    ).values_list("region_id", "score", "rank", "rank_of"):
        monthly[region_id].append((score, rank, rank_of))
    start = dt.datetime.combine(campaign.start_date, dt.time.min, tzinfo=timezone.get_current_timezone())
    end = dt.datetime.combine(
        campaign.end_date + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone()
    )
    rows = []
    for region in regions:
        scores = monthly[region.pk]
        accidents = Accident.objects.filter(
            tenant_id=campaign.tenant_id,
            region_path__startswith=region.path,
            occurred_at__gte=start,
            occurred_at__lt=end,
        ).aggregate(count=Count("id"), deaths=Coalesce(Sum("deaths"), 0))
        mean = _money(sum(score for score, _r, _o in scores) / len(scores)) if scores else None
        tasks = _task_percent(campaign, region)
        if mean is None:
            final = None
        elif tasks is None:
            final = mean
        else:
            final = _money((mean * MONTHLY_WEIGHT + tasks * TASK_WEIGHT) / 100)
        rows.append(
            {
                "code": region.code,
                "name": region.name,
                "name_en": region.name_en,
                "months": len(scores),
                "mean_score": str(mean) if mean is not None else None,
                "best_rank": min((rank for _s, rank, _o in scores), default=None),
                "worst_rank": max((rank for _s, rank, _o in scores), default=None),
                "bottom_months": sum(1 for _s, rank, rank_of in scores if rank == rank_of and rank_of > 1),
                "task_percent": str(tasks) if tasks is not None else None,
                "accidents": accidents["count"],
                "deaths": accidents["deaths"],
                "final_score": str(final) if final is not None else None,
                "grade": _grade(final),
            }
        )
    finals = [Decimal(row["final_score"]) for row in rows if row["final_score"] is not None]
    for row in rows:
        if row["final_score"] is None:
            row["rank"] = None
        else:
            row["rank"] = 1 + sum(1 for other in finals if other > Decimal(row["final_score"]))
        row["rank_of"] = len(finals)
    rows.sort(key=lambda row: (row["rank"] is None, row["rank"] or 0, row["code"]))
    return rows


@transaction.atomic
def final_evaluation_create(
    *, actor: User, campaign: Campaign, today: dt.date | None = None
) -> FinalEvaluation:
    """Evaluate a campaign that has ended, once: committee staff of its region (or above)."""
    locked: Campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("region")
        .get_visible(actor, pk=campaign.pk)
    )
    _require_committee(
        actor, locked.region_path, _("Only committee staff of the campaign's region evaluate the campaign.")
    )
    today = today or timezone.localdate()
    if locked.end_date >= today:
        raise InvalidStateError(
            _("The campaign runs until %(end)s: evaluate it after its end.")
            % {"end": locked.end_date.isoformat()}
        )
    if FinalEvaluation.objects.filter(campaign=locked).exists():
        raise InvalidStateError(_("This campaign has already been evaluated."))
    try:
        with transaction.atomic():
            evaluation = FinalEvaluation.objects.create(
                tenant_id=locked.tenant_id,
                campaign=locked,
                region=locked.region,
                region_path=locked.region_path,
                period_start=locked.start_date,
                period_end=locked.end_date,
                method={
                    "monthly_weight": MONTHLY_WEIGHT,
                    "task_weight": TASK_WEIGHT,
                    "grades": [[bound, grade] for bound, grade in GRADE_BOUNDS],
                },
                rows=evaluation_rows(locked),
                computed_by=actor,
                computed_at=timezone.now(),
            )
    except IntegrityError:
        raise InvalidStateError(_("This campaign has already been evaluated.")) from None
    return evaluation


@transaction.atomic
def final_evaluation_publish(
    *, actor: User, evaluation: FinalEvaluation, now: dt.datetime | None = None
) -> FinalEvaluation:
    """Publish the evaluation to the public site; from then on it never changes."""
    locked: FinalEvaluation = FinalEvaluation.objects.select_for_update(of=("self",)).get_visible(
        actor, pk=evaluation.pk
    )
    _require_committee(actor, locked.region_path, _("Only committee staff publish the final evaluation."))
    if locked.published_at is not None:
        raise InvalidStateError(_("This final evaluation is already published; it no longer changes."))
    locked.published_by, locked.published_at = actor, now or timezone.now()
    locked.save(update_fields=["published_by", "published_at"])
    audit_record(
        actor=actor, action=AuditAction.PUBLICATION, target=locked, detail={"kind": "final_evaluation"}
    )
    transaction.on_commit(lambda: invalidate(locked.tenant_id))
    return locked


def ranking_rows(region: Region, month: dt.date) -> list[dict[str, Any]]:
    assessments = (
        RegionAssessment.objects.filter(tenant_id=region.tenant_id, month=month, region__parent=region)
        .select_related("region")
        .order_by("rank", "region__code")
    )
    return [
        {
            "code": item.region.code,
            "name": item.region.name,
            "name_en": item.region.name_en,
            "score": str(item.score),
            "rank": item.rank,
            "rank_of": item.rank_of,
            "groups": {name: str(value) for name, value in item.groups.items()},
        }
        for item in assessments
    ]


@transaction.atomic
def ranking_publish(
    *, actor: User, region: Region, month: dt.date, now: dt.datetime | None = None
) -> RankingPublication:
    """Publish the month's ranking of the regions under `region`: a frozen snapshot on the public site."""
    ensure_visible(actor, region)
    _require_committee(actor, region.path, _("Only committee staff of the region publish its rankings."))
    month = month.replace(day=1)
    if RankingPublication.objects.filter(tenant_id=region.tenant_id, region=region, month=month).exists():
        raise InvalidStateError(_("This month's ranking is already published; it no longer changes."))
    rows = ranking_rows(region, month)
    if not rows:
        raise ValidationError(
            {
                "month": _("No ranking of the regions under %(region)s was computed for this month.")
                % {"region": region.display_name}
            }
        )
    try:
        with transaction.atomic():
            publication = RankingPublication.objects.create(
                tenant_id=region.tenant_id,
                region=region,
                region_path=region.path,
                month=month,
                rows=rows,
                published_by=actor,
                published_at=now or timezone.now(),
            )
    except IntegrityError:
        raise InvalidStateError(
            _("This month's ranking is already published; it no longer changes.")
        ) from None
    audit_record(actor=actor, action=AuditAction.PUBLICATION, target=publication, detail={"kind": "ranking"})
    transaction.on_commit(lambda: invalidate(region.tenant_id))
    return publication


def _number(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


def evaluation_workbook(evaluation: FinalEvaluation) -> bytes:
    """The annual target-responsibility assessment's input: one row per region, numbers as number cells."""
    book = WorkbookWriter()
    sheet = book.sheet(str(_("Final evaluation")))
    sheet.append([str(_("Campaign")), evaluation.campaign.name])
    sheet.append(
        [str(_("Period")), f"{evaluation.period_start.isoformat()} to {evaluation.period_end.isoformat()}"]
    )
    sheet.append([str(_("Method")), method_text(evaluation.method)])
    sheet.append(
        [
            str(_("Published")),
            evaluation.published_at.date().isoformat()
            if evaluation.published_at
            else str(_("Not published")),
        ]
    )
    sheet.append([])
    sheet.append(
        [
            str(_("Rank")),
            str(_("Region code")),
            str(_("Region")),
            str(_("Final score")),
            str(_("Grade")),
            str(_("Mean monthly score")),
            str(_("Months scored")),
            str(_("Best rank")),
            str(_("Worst rank")),
            str(_("Months at the bottom")),
            str(_("Task completion (%)")),
            str(_("Accidents")),
            str(_("Deaths")),
        ]
    )
    for row in evaluation.rows:
        sheet.append(
            [
                row["rank"],
                row["code"],
                row["name"],
                _number(row["final_score"]),
                grade_label(row["grade"]),
                _number(row["mean_score"]),
                row["months"],
                row["best_rank"],
                row["worst_rank"],
                row["bottom_months"],
                _number(row["task_percent"]),
                row["accidents"],
                row["deaths"],
            ]
        )
    return book.to_bytes()
