"""The Chinese font for every PDF the product makes.

Chinese renders on any machine because a TrueType CJK font is embedded (as a subset) in each file:
WenQuanYi Micro Hei, which `make` installs (Debian fonts-wqy-microhei; the Dockerfile too). Noto CJK would
not do: its outlines are CFF, which reportlab cannot embed. Without the font, reportlab's Adobe-GB1 CID font
is used — text still extracts, but the reader then needs a Chinese font of their own.
"""

import logging
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

logger = logging.getLogger(__name__)
EMBEDDED = "WenQuanYiMicroHei"
FALLBACK = "STSong-Light"
FONT_FILES = [
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/wqy-microhei/wqy-microhei.ttc"),
]


def cjk_font() -> str:
    """The font name to use, registered once: the embeddable TrueType font when installed."""
    registered = pdfmetrics.getRegisteredFontNames()
    if EMBEDDED in registered:
        return EMBEDDED
    for path in FONT_FILES:
        if path.exists():
            pdfmetrics.registerFont(TTFont(EMBEDDED, str(path), subfontIndex=0))
            return EMBEDDED
    if FALLBACK not in registered:
        logger.warning("No TrueType CJK font installed; PDFs fall back to the non-embedded %s", FALLBACK)
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK))
    return FALLBACK
