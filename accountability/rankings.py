"""Rankings ("scoring and queuing") read from stored monthly assessments: siblings of one parent region,
change against last month, the trend, drill-down links to the ledger, and the monthly circular PDF."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from organizations.models import Region, User
from organizations.pdf_fonts import cjk_font

from .models import RegionAssessment
from .scoring import GROUPS


def _month_range(month: dt.date) -> tuple[str, str]:
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return month.isoformat(), (following - dt.timedelta(days=1)).isoformat()


def indicator_links(region: Region, month: dt.date) -> dict[str, str]:
    """The ledger filter behind each hazard indicator of a region's month."""
    start, end = _month_range(month)
    found = {"region": region.pk, "found_from": start, "found_to": end}
    return {
        "found_self": urlencode({**found, "source": "self_inspection"}),
        "found_department": urlencode({**found, "source": "inspection"}),
        "major_found": urlencode({**found, "level": "major"}),
        "closed_in_month": urlencode({"region": region.pk, "state": "closed", "found_to": end}),
        "overdue": urlencode({"region": region.pk, "overdue": "true"}),
    }


def ranking(*, actor: User, parent: Region, month: dt.date) -> list[dict[str, Any]]:
    """The sibling regions under `parent` for the month, best first, with last month's rank beside."""
    visible: QuerySet[RegionAssessment] = RegionAssessment.objects.visible_to(actor).select_related("region")
    rows = list(visible.filter(region__parent=parent, month=month).order_by("rank"))
    previous_month = (month - dt.timedelta(days=1)).replace(day=1)
    before = dict(
        visible.filter(region__parent=parent, month=previous_month).values_list("region_id", "rank")
    )
    return [
        {
            "assessment": row,
            "previous_rank": before.get(row.region_id),
            "change": before[row.region_id] - row.rank if row.region_id in before else None,
            "flagged": row.rank == row.rank_of and row.rank_of > 1,  # bottom rank: a warning interview
            "links": indicator_links(row.region, month),
        }
        for row in rows
    ]


def trend(*, actor: User, parent: Region) -> dict[str, Any]:
    """Scores of the siblings month by month, for the trend chart."""
    rows = (
        RegionAssessment.objects.visible_to(actor)
        .filter(region__parent=parent)
        .select_related("region")
        .order_by("month", "region__code")
    )
    months = sorted({row.month for row in rows})
    series: dict[str, dict[str, float]] = {}
    for row in rows:
        series.setdefault(row.region.display_name, {})[row.month.strftime("%Y-%m")] = float(row.score)
    labels = [m.strftime("%Y-%m") for m in months]
    return {
        "labels": labels,
        "series": [
            {"label": name, "data": [values.get(m) for m in labels]} for name, values in series.items()
        ],
    }


def circular_pdf(*, title: str, rows: list[dict[str, Any]], month: dt.date) -> bytes:
    """The monthly circular (通报): the ranking table and the highlights."""
    font = cjk_font()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=font, fontSize=9, leading=12)
    heading = ParagraphStyle("heading", parent=styles["Heading2"], fontName=font)
    data = [["名次", "地区", "得分", "较上月", "整改进度", "企业自查", "精准执法", "组织领导"]]
    for row in rows:
        a = row["assessment"]
        change = "—" if row["change"] is None else f"{row['change']:+d}"
        data.append([a.rank, a.region.name, f"{a.score}", change, *(a.groups[g] for g in GROUPS)])
    table = Table(
        [[Paragraph(str(cell), body) for cell in line] for line in data], repeatRows=1, hAlign="LEFT"
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef8")),
            ]
        )
    )
    story: list[Any] = [
        Paragraph(title, styles["Title"].clone("t", fontName=font)),
        Spacer(1, 4 * mm),
        Paragraph("排名情况", heading),
        table,
        Spacer(1, 4 * mm),
        Paragraph("通报事项", heading),
    ]
    if rows:
        best, worst = rows[0]["assessment"], rows[-1]["assessment"]
        story.append(Paragraph(f"{month:%Y年%m月}综合得分最高：{best.region.name}（{best.score}分）。", body))
        for row in rows:
            if row["flagged"]:
                story.append(
                    Paragraph(f"排名末位：{worst.region.name}（{worst.score}分），列入约谈提示。", body)
                )
        overdue = [(r["assessment"].region.name, r["assessment"].indicators.get("overdue", 0)) for r in rows]
        story += [Paragraph(f"{name}：逾期未整改隐患 {count} 项。", body) for name, count in overdue if count]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title).build(story)
    return buffer.getvalue()
