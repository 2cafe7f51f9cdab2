"""The disclosure PDF: title, period, summary tables, the major-hazard list and page numbers.

Bilingual fixed headings, so the immutable file does not depend on who published it in which language.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.pdf_fonts import cjk_font
from core.pdf_text import text_paragraph

CHUNK = 40  # rows per table: about a page
CELL_PADDING = 6  # reportlab's default left and right cell padding, in points
STATE_NAMES = {
    "reported": "已上报",
    "confirmed": "已确认",
    "handed_over": "已移交",
    "rectifying": "整改中",
    "pending_verification": "待验收",
    "closed": "已销号",
    "withdrawn": "已撤销",
}
# A snapshot names the level of a listed supervision (hazards.choices.ListingLevel), not the body.
LISTING_NAMES = {"provincial": "省级挂牌督办", "municipal": "市级挂牌督办", "county_level": "县级挂牌督办"}


def render_pdf(content: dict[str, Any], *, title: str) -> bytes:
    font = cjk_font()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=font, fontSize=8, leading=10)
    heading = ParagraphStyle("heading", parent=styles["Heading2"], fontName=font)
    big = ParagraphStyle("title", parent=styles["Title"], fontName=font)

    def fit(text: str, width: float) -> Paragraph | str:
        """Plain text when it fits the column (cheap to lay out); a wrapping paragraph when it does not."""
        if stringWidth(text, font, body.fontSize) <= width - 2 * CELL_PADDING:
            return text
        return text_paragraph(text, body)

    def table(header: list[str], rows: list[list[Any]], widths: list[float]) -> list[Table]:
        """The rows as tables of CHUNK rows, each with the header, in fixed column widths.

        One long table would be re-measured at every page break (reportlab splits what is left of it each
        time): a province's list of a few thousand hazards then takes minutes instead of seconds.
        """
        head = [text_paragraph(cell, body) for cell in header]
        cells = [
            [fit("" if cell is None else str(cell), width) for cell, width in zip(row, widths, strict=True)]
            for row in rows
        ]
        grids = []
        for start in range(0, max(len(cells), 1), CHUNK):
            grid = Table([head, *cells[start : start + CHUNK]], colWidths=widths, repeatRows=1, hAlign="LEFT")
            grid.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef8")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("FONTNAME", (0, 0), (-1, -1), font),
                        ("FONTSIZE", (0, 0), (-1, -1), body.fontSize),
                        ("LEADING", (0, 0), (-1, -1), body.leading),
                    ]
                )
            )
            grids.append(grid)
        return grids

    summary = [70 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm, 30 * mm]
    results = content["results"]
    story: list[Any] = [
        text_paragraph(title, big),
        text_paragraph(f"{content['region']['name']} · {content['month']}", body),
        Spacer(1, 4 * mm),
        text_paragraph("整改结果 / Results", heading),
        *table(
            ["本月销号 / closed", "逾期 / overdue", "批准延期 / extensions"],
            [[results["closed_in_month"], results["overdue"], results["extensions_granted"]]],
            [45 * mm, 45 * mm, 45 * mm],
        ),
        text_paragraph("整改进展（按地区）/ Progress by region", heading),
        *table(
            ["地区", "本月发现", "本月销号", "重大隐患", "已销号", "整改率%"],
            [
                [g["name"], g["found"], g["closed"], g["major"], g["major_closed"], g["major_rate"]]
                for g in content["progress"]["by_region"]
            ],
            summary,
        ),
        text_paragraph("整改进展（按行业）/ Progress by industry", heading),
        *table(
            ["行业", "本月发现", "本月销号", "重大隐患", "已销号", "整改率%"],
            [
                [g["name"], g["found"], g["closed"], g["major"], g["major_closed"], g["major_rate"]]
                for g in content["progress"]["by_industry"]
            ],
            summary,
        ),
        text_paragraph("重大事故隐患清单 / Major hazards", heading),
        *table(
            ["编号", "企业", "地区", "隐患", "发现日期", "整改时限", "状态", "挂牌督办"],
            [
                [
                    h["code"],
                    h["enterprise"],
                    h["region"],
                    h["title"],
                    h["found"],
                    h.get("deadline") or "",
                    STATE_NAMES.get(h["state"], h["state"]),
                    LISTING_NAMES.get(h.get("listed") or "", h.get("listed") or ""),
                ]
                for h in content["major_hazards"]
            ],
            [34 * mm, 48 * mm, 22 * mm, 70 * mm, 19 * mm, 19 * mm, 17 * mm, 44 * mm],
        ),
    ]

    def number_pages(canvas: Any, document: Any) -> None:
        canvas.setFont(font, 8)
        canvas.drawRightString(landscape(A4)[0] - 12 * mm, 8 * mm, f"{document.page}")

    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=landscape(A4), title=title, leftMargin=12 * mm, rightMargin=12 * mm, invariant=True
    ).build(story, onFirstPage=number_pages, onLaterPages=number_pages)
    return buffer.getvalue()
