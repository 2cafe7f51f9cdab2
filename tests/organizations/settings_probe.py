"""Read config/settings.py afresh under the current environment, as a process starting would (the running
settings are left alone)."""

import runpy
from pathlib import Path
from typing import Any

SETTINGS = Path(__file__).resolve().parents[2] / "config" / "settings.py"


def load_settings() -> dict[str, Any]:
    return runpy.run_path(str(SETTINGS), run_name="config.settings")
