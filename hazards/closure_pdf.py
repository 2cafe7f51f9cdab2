"""The closure report (销号报告) of a hazard: what the ledger holds of its finding, rectification and on-site
acceptance, as one PDF generated when the hazard closes and never again (services/closure.py freezes it).

An internal document: it carries nothing but the ledger's own rows. The headings are fixed bilingual text, so
the frozen file does not depend on who closed the hazard in which language; Chinese is drawn in the embedded
CJK font (core.pdf_fonts), so the text extracts and reads on any machine.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

from core.pdf_fonts import cjk_font
from core.pdf_text import text_paragraph

LEVEL_NAMES = {"major": "重大事故隐患", "general": "一般事故隐患"}
ROLE_NAMES = {"inspector": "检查人员", "expert": "专家"}
METHOD_NAMES = {
    "on_site": "现场核查",
    "testing": "检测检验",
    "expert_review": "专家论证",
    "documents": "资料审查",
}
TITLE = "事故隐患整改销号报告 / Closure report"


def render_closure_report(content: dict[str, Any]) -> bytes:
    """The PDF of `content` (services.closure.closure_report_content): the same content, the same bytes."""
    font = cjk_font()
    styles = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=styles["BodyText"], fontName=font, fontSize=9, leading=13)
    heading = ParagraphStyle("heading", parent=styles["Heading3"], fontName=font)
    big = ParagraphStyle("title", parent=styles["Title"], fontName=font, fontSize=16)
    width = A4[0] - 36 * mm

    def grid(rows: list[list[Any]], widths: list[float], header: bool = False) -> Table:
        cells = [[text_paragraph("" if cell is None else cell, body) for cell in row] for row in rows]
        table = Table(cells, colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0)
        style = [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONTNAME", (0, 0), (-1, -1), font),
        ]
        if header:
            style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef8")))
        else:
            style.append(("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f3f5f9")))
        table.setStyle(TableStyle(style))
        return table

    def pairs(rows: list[tuple[str, Any]]) -> Table:
        return grid([[label, value] for label, value in rows], [42 * mm, width - 42 * mm])

    h, acceptance = content["hazard"], content["acceptance"]
    story: list[Any] = [
        text_paragraph(TITLE, big),
        text_paragraph(f"{h['code']} · {h['enterprise']}", body),
        Spacer(1, 4 * mm),
        text_paragraph("一、隐患基本情况 / The hazard", heading),
        pairs(
            [
                ("隐患编号", h["code"]),
                ("企业", f"{h['enterprise']}（{h['credit_code']}）"),
                ("地区", h["region"]),
                ("行业", h["industry"]),
                ("隐患名称", h["title"]),
                ("隐患描述", h["description"]),
                ("位置", h["location"]),
                ("隐患等级", LEVEL_NAMES.get(h["level"], h["level"])),
                ("判定依据", h["criterion"]),
                ("发现时间", h["discovered_at"]),
                ("挂牌督办", h["listing"]),
            ]
        ),
        text_paragraph("二、整改落实 / Rectification", heading),
        pairs(
            [
                ("整改责任人", h["responsible_person"]),
                ("整改措施", h["measures"]),
                ("整改资金（元）", h["funds"]),
                ("整改时限", h["deadline"]),
                ("应急预案", h["contingency_plan"]),
                ("整改情况报告", content["report"]),
            ]
        ),
        text_paragraph("三、现场验收 / On-site acceptance", heading),
        pairs(
            [
                ("验收时间", acceptance["at"]),
                ("验收部门", acceptance["department"]),
                ("验收人（系统账号）", acceptance["verified_by"]),
                ("验收方式", METHOD_NAMES.get(acceptance["method"], acceptance["method"])),
                ("验收结论", acceptance["conclusion"]),
                ("备注", acceptance["note"]),
            ]
        ),
        Spacer(1, 2 * mm),
        text_paragraph("验收人员 / Participants", body),
        grid(
            [
                ["姓名", "身份", "单位"],
                *[
                    [p["name"], ROLE_NAMES.get(p["role"], p["role"]), p.get("unit", "")]
                    for p in content["participants"]
                ],
            ],
            [40 * mm, 30 * mm, width - 70 * mm],
            header=True,
        ),
        Spacer(1, 2 * mm),
        text_paragraph("附件 / Attachments (SHA-256)", body),
        grid(
            [["文件", "SHA-256"], *[[a["name"], a["sha256"]] for a in content["attachments"]]],
            [50 * mm, width - 50 * mm],
            header=True,
        ),
        Spacer(1, 4 * mm),
        text_paragraph(f"销号时间 / Closed at: {acceptance['at']}", body),
        text_paragraph(
            "本报告在隐患销号时生成，此后不再修改。/ Generated once at closure; never regenerated.", body
        ),
    ]

    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, title=TITLE, leftMargin=18 * mm, rightMargin=18 * mm, invariant=True
    ).build(story)
    return buffer.getvalue()
