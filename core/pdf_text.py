"""Text in every PDF the product makes. reportlab's `Paragraph` reads its text as markup (`<b>`, `<a href>`,
`<img src>`, `&entities;`): a hazard titled "a < b & c" would stop the PDF from being built, and one titled
`<a href="…">` would put a link into a published document. Every paragraph is therefore built here, from
plain text escaped, so whatever a user or the database holds is shown exactly as typed.

(Plain strings in a `Table` cell are drawn as they are, never parsed; only paragraphs need this.)
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph


def text_paragraph(text: Any, style: ParagraphStyle) -> Paragraph:
    """A paragraph that shows `text` literally (it is escaped, never read as markup)."""
    return Paragraph(escape(str(text)), style)
