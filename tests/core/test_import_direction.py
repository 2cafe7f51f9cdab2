"""The apps depend one way: core <- organizations <- campaigns <- hazards <- disclosure <- (accountability,
exchange, screen) <- exports.

Every import in every module of an app is read (top-level, inside functions and under TYPE_CHECKING alike); an
import of an app on a higher floor, or of a sibling on the same floor, fails here with the file and line.
operations and config (the deployment), and the to-do inbox that reads every app, sit above them all.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FLOORS: list[tuple[str, ...]] = [
    ("core",),
    ("organizations",),
    ("campaigns",),
    ("hazards",),
    # The public site and its cache are disclosure's; accountability publishes rankings on it.
    ("disclosure",),
    # The big screen reads the ledger, the campaigns and the publications.
    ("accountability", "exchange", "screen"),
    # Export jobs write the ledger's, the campaigns' and the rankings' tables.
    ("exports",),
    # The deployment itself: settings, URLs, the Celery app and the monthly pipeline, and the operations app
    # (backups, health, the pipeline's command) that runs them. They may use each other.
    # The to-do inbox reads every app's registers.
    ("operations", "config", "inbox"),
]
TOP = len(FLOORS) - 1
FLOOR_OF = {app: floor for floor, apps in enumerate(FLOORS) for app in apps}


def imported_apps(path: Path) -> list[tuple[int, str]]:
    """(line, app) for every import of a project app in the file, relative imports resolved."""
    package = path.relative_to(ROOT).parts[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom):
            names = [package] if node.level else [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, name.split(".")[0]) for name in names if name.split(".")[0] in FLOOR_OF]
    return found


def wrong_way_imports(app: str) -> list[str]:
    floor = FLOOR_OF[app]
    wrong = []
    for path in sorted((ROOT / app).rglob("*.py")):
        for line, imported in imported_apps(path):
            sideways_on_top = floor == TOP and FLOOR_OF[imported] == TOP
            if imported != app and FLOOR_OF[imported] >= floor and not sideways_on_top:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    return wrong


@pytest.mark.parametrize("app", [app for apps in FLOORS for app in apps])
def test_an_app_imports_only_the_floors_below_it(app: str) -> None:
    assert wrong_way_imports(app) == []


def test_the_check_sees_an_import_the_wrong_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "bad.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from organizations.models import User\n"
    )
    (tmp_path / "hazards").mkdir()
    (tmp_path / "hazards" / "late.py").write_text("def f():\n    from disclosure import models\n")
    monkeypatch.setattr(__import__(__name__, fromlist=["ROOT"]), "ROOT", tmp_path)
    assert wrong_way_imports("core") == ["core/bad.py:3 imports organizations"]
    assert wrong_way_imports("hazards") == ["hazards/late.py:2 imports disclosure"]
