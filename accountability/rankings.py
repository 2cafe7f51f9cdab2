"""Rankings ("scoring and queuing") read from stored monthly assessments: siblings of one parent region,
change against last month, the trend, drill-down links to the ledger, and the monthly circular PDF."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from core.months import last_day_of_month, previous_month
from core.pdf_fonts import cjk_font
from core.pdf_text import text_paragraph
from organizations.models import Region, User

from .indicators import ACCIDENT_GRADES
from .models import Assessment, DepartmentAssessment, EnterpriseAssessment, RegionAssessment
from .scoring import LEVELS, Scheme

LEVEL_MODELS: dict[str, type[Assessment]] = {
    "region": RegionAssessment,
    "department": DepartmentAssessment,
    "enterprise": EnterpriseAssessment,
}
UNIT_FIELD = {"region": "region", "department": "department", "enterprise": "enterprise"}
PAGE_SIZE = 50  # enterprises of one county can run to thousands

GROUP_LABELS = {
    "progress": _("Overall rectification progress"),
    "self_inspection": _("Enterprise self-inspection quality"),
    "enforcement": _("Departments' precise enforcement"),
    "leadership": _("Leadership"),
}
INDICATOR_LABELS = {
    "found_self": _("self-found"),
    "found_department": _("department-found"),
    "major_found": _("major"),
    "closed_in_month": _("closed"),
    "rectification_rate": _("rectification rate"),
    "on_time_rate": _("closed on time"),
    "overdue": _("overdue at month end"),
    "overdue_age": _("average days overdue"),
    "reopened": _("reopened after closure"),
    "filing_rate": _("self-inspection filing rate"),
    "self_inspection_gap": _("self-inspection gap"),
    "major_self_reported": _("major hazards reported by the enterprises themselves"),
    "inspections": _("inspections"),
    "unannounced_share": _("unannounced share"),
    "enforcement_measures": _("enforcement measures"),
    "receipt_timeliness": _("handovers acknowledged in time"),
    "verification_timeliness": _("verifications in time"),
    "leadership": _("leader-led inspections and meetings"),
    "spot_checks": _("spot checks with a result"),
    "spot_check_pass_rate": _("spot checks that found nothing missed"),
    "precise_rate": _("inspections that found hazards"),
    "strict_rate": _("inspections finding a major hazard that imposed a measure"),
    "task_completion": _("assigned campaign tasks done on time"),
    "follow_up": _("warning interviews and sanctions below"),
    "spot_checks_assigned": _("spot checks assigned last month"),
    "spot_checks_done": _("spot checks re-inspected in time"),
    "accidents_general": _("general accidents"),
    "accidents_larger": _("larger accidents"),
    "accidents_major": _("major accidents"),
    "accidents_especially_major": _("especially major accidents"),
    "accident_deduction": _("points off for accidents"),
}
# What each new indicator means, for the page's explanation (words; the numbers are in each row).
INDICATOR_HELP = {
    "spot_check_pass_rate": _(
        "Each month %(percent)s%% of every region's submitted self-inspections (at least one) are drawn in a "
        "fixed order anyone can redo, and a regulating department re-inspects them: the share of results "
        "recorded this month that found nothing the enterprise had missed."
    ),
    "precise_rate": _(
        "Precise enforcement: the share of the month's inspections that found at least one hazard."
    ),
    "strict_rate": _(
        "Strict enforcement: of the inspections that found a major hazard, the share that imposed a "
        "rectification order, a stop-production order or a fine."
    ),
    "spot_checks_done": _(
        "Of the spot checks drawn last month and assigned to the department, the share re-inspected by the "
        "end of this month."
    ),
    "task_completion": _(
        "Leadership, from records: of the campaign task lines assigned to the region and due this month, the "
        "share the region reported fully done by the due date."
    ),
    "follow_up": _(
        "Leadership, from records: warning interviews held and sanctions decided this month for the regions "
        "below."
    ),
    "leadership": _(
        "Leader-led inspections and safety meetings the committee entered (who entered them is kept)."
    ),
}
PERCENT = {
    "spot_check_pass_rate",
    "precise_rate",
    "strict_rate",
    "task_completion",
    "spot_checks_done",
    "rectification_rate",
    "on_time_rate",
    "filing_rate",
    "unannounced_share",
    "receipt_timeliness",
    "verification_timeliness",
}


ACCIDENT_LABELS = {
    "general": _("general accident"),
    "larger": _("larger accident"),
    "major": _("major accident"),
    "especially_major": _("especially major accident"),
}


def _month_range(month: dt.date) -> tuple[str, str]:
    return month.isoformat(), last_day_of_month(month).isoformat()


def help_text(name: str) -> str:
    """What an indicator means, with the configured numbers filled in."""
    text = str(INDICATOR_HELP[name])
    return text % {"percent": settings.SPOT_CHECK_PERCENT} if name == "spot_check_pass_rate" else text


def indicator_links(level: str, unit_id: int, month: dt.date) -> dict[str, str]:
    """The ledger filter behind each hazard indicator of a unit's month (same definitions as the SQL)."""
    start, end = _month_range(month)
    key = "enterprise" if level == "enterprise" else "region"
    found = {key: unit_id, "found_from": start, "found_to": end}
    month_text = month.strftime("%Y-%m")
    if level == "department":
        handed = {"department": unit_id}
        return {
            "found_department": urlencode({"inspected_by": unit_id, "found_from": start, "found_to": end}),
            "overdue": urlencode({**handed, "overdue_on": end}),
            "reopened": urlencode({**handed, "reopened_in": month_text}),
        }
    return {
        "found_self": urlencode({**found, "source": "self_inspection"}),
        "found_department": urlencode({**found, "source": "inspection"}),
        "major_found": urlencode({**found, "level": "major"}),
        "major_self_reported": urlencode({**found, "proposed_level": "major"}),
        "closed_in_month": urlencode({key: unit_id, "closed_in": month_text}),
        "overdue": urlencode({key: unit_id, "overdue_on": end}),
        "reopened": urlencode({key: unit_id, "reopened_in": month_text}),
    }


def indicator_order(level: str) -> list[str]:
    """What a row shows, in order: the counts behind the scores first, then each group's indicators."""
    shown = {
        "region": [
            "found_self",
            "found_department",
            "major_found",
            "closed_in_month",
            "overdue_age",
            "spot_checks",
        ],
        "department": ["found_department", "spot_checks_assigned"],
        "enterprise": ["found_self", "found_department", "major_found", "closed_in_month", "overdue_age"],
    }[level]
    for parts in LEVELS[level].groups.values():
        shown += [name for name, _better in parts if name not in shown]
    if LEVELS[level].accidents:
        shown += [f"accidents_{grade}" for grade in ACCIDENT_GRADES] + ["accident_deduction"]
    return shown


def _indicators(level: str, assessment: Assessment, links: dict[str, str]) -> list[dict[str, Any]]:
    values = assessment.indicators
    return [
        {
            "label": INDICATOR_LABELS[name],
            "value": values.get(name),
            "percent": name in PERCENT,
            "link": links.get(name),
        }
        for name in indicator_order(level)
        if not (name.startswith("accident") and not values.get(name))  # only the accidents there were
    ]


def peers_of(level: str, region: Region) -> dict[str, Region]:
    """Regions are ranked among siblings (under `region`); departments and enterprises within `region`."""
    return {"region__parent": region} if level == "region" else {"region": region}


def ranking(
    *,
    actor: User,
    level: str = "region",
    region: Region,
    month: dt.date,
    after: int = 0,
    whole: bool = False,
) -> list[dict[str, Any]]:
    """One rank group for the month, best first (a page of PAGE_SIZE after rank `after` for enterprises,
    unless the `whole` group is asked for, as an export does), with last month's rank beside each unit and
    its indicators linked to the ledger rows behind them. Two queries, however many rows."""
    model, unit = LEVEL_MODELS[level], UNIT_FIELD[level]
    visible: QuerySet[Assessment] = model.objects.visible_to(actor)
    paged = level == "enterprise" and not whole
    rows = list(
        visible.filter(**peers_of(level, region), month=month, rank__gt=after)
        .select_related(unit)
        .order_by("rank")[: PAGE_SIZE if paged else None]
    )
    previous = previous_month(month)
    before = dict(
        visible.filter(
            month=previous, **{f"{unit}__in": [getattr(row, f"{unit}_id") for row in rows]}
        ).values_list(f"{unit}_id", "rank")
    )
    result = []
    for row in rows:
        unit_id = getattr(row, f"{unit}_id")
        links = indicator_links(level, unit_id, month)
        result.append(
            {
                "assessment": row,
                "unit": getattr(row, unit),
                "previous_rank": before.get(unit_id),
                "change": before[unit_id] - row.rank if unit_id in before else None,
                "flagged": row.rank == row.rank_of and row.rank_of > 1,  # bottom rank: a warning interview
                "links": links,
                "groups": [(GROUP_LABELS[g], row.groups.get(g)) for g in LEVELS[level].groups],
                "indicators": _indicators(level, row, links),
            }
        )
    return result


def formula(level: str, scheme: Scheme, example: Assessment | None) -> dict[str, Any]:
    """The scoring rule of a level in words and numbers, with the first row worked through."""
    groups = LEVELS[level].groups
    weights = {group: scheme.weights.get(group, Decimal(0)) for group in groups}
    total = sum(weights.values(), Decimal(0))
    described = []
    for group, parts in groups.items():
        indicators = []
        for name, higher_is_better in parts:
            rule = scheme.normalisation.get(name)
            indicators.append(
                {
                    "label": INDICATOR_LABELS[name],
                    "higher_is_better": higher_is_better,
                    "absolute": bool(rule),
                    "best": rule["best"] if rule else None,
                    "worst": rule["worst"] if rule else None,
                }
            )
        described.append({"label": GROUP_LABELS[group], "weight": weights[group], "indicators": indicators})
    worked = None
    if example is not None and total:
        terms = " + ".join(f"{example.groups.get(g)} \u00d7 {weights[g]}" for g in groups)
        deduction = example.indicators.get("accident_deduction")
        if LEVELS[level].accidents and deduction:
            weighted = example.indicators.get("weighted_score")
            worked = f"({terms}) / {total} = {weighted}; {weighted} \u2212 {deduction} = {example.score}"
        else:
            worked = f"({terms}) / {total} = {example.score}"
    explained = [
        {"label": INDICATOR_LABELS[name], "help": help_text(name)}
        for parts in groups.values()
        for name, _better in parts
        if name in INDICATOR_HELP
    ]
    deductions = (
        [(ACCIDENT_LABELS[grade], scheme.deductions.get(grade, Decimal(0))) for grade in ACCIDENT_GRADES]
        if LEVELS[level].accidents
        else []
    )
    return {
        "groups": described,
        "total": total,
        "worked": worked,
        "explained": explained,
        "deductions": deductions,
    }


def trend(*, actor: User, level: str = "region", region: Region) -> dict[str, Any]:
    """Scores of one rank group month by month, for the trend chart (regions and departments)."""
    unit = UNIT_FIELD[level]
    rows = (
        LEVEL_MODELS[level]
        .objects.visible_to(actor)
        .filter(**peers_of(level, region))
        .select_related(unit)
        .order_by("month", f"{unit}_id")
    )
    months: set[dt.date] = set()
    series: dict[str, dict[str, float]] = {}
    for row in rows:
        months.add(row.month)
        series.setdefault(str(getattr(row, unit)), {})[row.month.strftime("%Y-%m")] = float(row.score)
    labels = [m.strftime("%Y-%m") for m in sorted(months)]
    return {
        "labels": labels,
        "series": [
            {"label": name, "data": [values.get(m) for m in labels]} for name, values in series.items()
        ],
    }


GROUP_HEADINGS = {
    "progress": "整改进度",
    "self_inspection": "企业自查",
    "enforcement": "精准执法",
    "leadership": "组织领导",
}


def _ranking_table(unit_heading: str, level: str, rows: list[dict[str, Any]], body: ParagraphStyle) -> Table:
    groups = list(LEVELS[level].groups)
    data: list[list[Any]] = [["名次", unit_heading, "得分", "较上月", *(GROUP_HEADINGS[g] for g in groups)]]
    for row in rows:
        a = row["assessment"]
        change = "—" if row["change"] is None else f"{row['change']:+d}"
        data.append([a.rank, row["unit"].name, f"{a.score}", change, *(a.groups.get(g) for g in groups)])
    table = Table(
        [[text_paragraph(cell, body) for cell in line] for line in data], repeatRows=1, hAlign="LEFT"
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef8")),
            ]
        )
    )
    return table


def circular_pdf(
    *,
    title: str,
    rows: list[dict[str, Any]],
    month: dt.date,
    department_rows: list[dict[str, Any]] | None = None,
) -> bytes:
    """The monthly circular (通报): the regions' and the departments' rankings and the highlights."""
    font = cjk_font()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=font, fontSize=9, leading=12)
    heading = ParagraphStyle("heading", parent=styles["Heading2"], fontName=font)
    story: list[Any] = [
        text_paragraph(title, styles["Title"].clone("t", fontName=font)),
        Spacer(1, 4 * mm),
        text_paragraph("一、地区排名情况", heading),
        _ranking_table("地区", "region", rows, body),
    ]
    if department_rows:
        story += [
            Spacer(1, 4 * mm),
            text_paragraph("二、部门排名情况", heading),
            _ranking_table("部门", "department", department_rows, body),
        ]
    story += [Spacer(1, 4 * mm), text_paragraph("通报事项", heading)]
    for ranked, kind in ((rows, "地区"), (department_rows or [], "部门")):
        if not ranked:
            continue
        best = ranked[0]
        top = f"{month:%Y年%m月}{kind}综合得分最高：{best['unit'].name}（{best['assessment'].score}分）。"
        story.append(text_paragraph(top, body))
        story += [
            text_paragraph(
                f"{kind}排名末位：{r['unit'].name}（{r['assessment'].score}分），列入约谈提示。", body
            )
            for r in ranked
            if r["flagged"]
        ]
    story += [
        text_paragraph(
            f"{r['unit'].name}：月末逾期未整改隐患 {r['assessment'].indicators['overdue']} 项。", body
        )
        for r in rows
        if r["assessment"].indicators.get("overdue")
    ]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title).build(story)
    return buffer.getvalue()
