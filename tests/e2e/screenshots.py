"""Copy the best journey screenshots from .data/e2e-screenshots/ into docs/screenshots/ for the README.

    make e2e && .venv/bin/python -m tests.e2e.screenshots

Each is cut to a screenful or two and reduced to a 256-colour palette, so the repository stays small.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

BASE_DIR = Path(__file__).resolve().parents[2]
SOURCE = BASE_DIR / ".data" / "e2e-screenshots"
TARGET = BASE_DIR / "docs" / "screenshots"
MAX_HEIGHT = 1800

# docs name: journey screenshot (see the shot(...) calls in the journeys).
SHOWCASE = {
    "1-self-inspection-phone-zh.png": "enterprise-02-officer-checklist.png",
    "2-ledger-phone-zh.png": "enterprise-04-officer-ledger.png",
    "3-hazard-graded-major-en.png": "inspector-04-hazard-major.png",
    "4-wall-chart-en.png": "committee-02-wall-chart.png",
    "5-rankings-en.png": "committee-05-rankings.png",
    "6-accountability-case-en.png": "committee-07-case.png",
    "7-public-disclosure-phone-zh.png": "public-02-public-publication-zh.png",
    "8-tip-off-status-phone-en.png": "public-06-tip-off-status.png",
    "9-national-dashboard-zh.png": "national-01-national-dashboard.png",
    "10-inbox-phone-zh.png": "inbox-01-inbox-zh.png",
    "11-big-screen-zh.png": "screen-01-big-screen.png",
}


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    for name, source in SHOWCASE.items():
        with Image.open(SOURCE / source) as image:
            shown = image.convert("RGB")
        if shown.height > MAX_HEIGHT:
            shown = shown.crop((0, 0, shown.width, MAX_HEIGHT))
        small = shown.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        small.save(TARGET / name, optimize=True)
        print(f"{name}: {(TARGET / name).stat().st_size // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
