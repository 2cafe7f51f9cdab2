"""Accidents as the regulations define them (生产安全事故报告和调查处理条例, State Council Order No. 493).

- Grade (art. 3): the gravest of three measures decides. "以上" includes the number, "以下" excludes it:
  especially major — 30 or more deaths, or 100 or more serious injuries (acute industrial poisoning included),
  or a direct loss of 100 million yuan or more; major — 10 to 29 deaths, 50 to 99 serious injuries, 50 to
  under 100 million yuan; larger — 3 to 9 deaths, 10 to 49 serious injuries, 10 to under 50 million yuan;
  general — fewer than 3 deaths, fewer than 10 serious injuries, under 10 million yuan.
- Reporting (art. 9): the unit's head reports to the county-level department within one hour. Later is late
  (迟报); missed (漏报), false (谎报) and concealed (瞒报) reports are findings recorded on the accident
  (arts. 35, 36), and each is grounds for a sanction.
- Who investigates (art. 19): especially major — the State Council; major — the province; larger — the city
  (设区的市); general — the county. Accountability reaches as far as that level: only a committee at it or
  above opens the case.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from organizations.choices import RegionLevel

from .choices import AccidentGrade, AccidentReporting

# (grade, deaths, serious injuries, direct loss in 10,000 yuan): the lower bound of each grade, gravest first.
GRADE_THRESHOLDS: tuple[tuple[str, int, int, Decimal], ...] = (
    (AccidentGrade.ESPECIALLY_MAJOR, 30, 100, Decimal("10000")),
    (AccidentGrade.MAJOR, 10, 50, Decimal("5000")),
    (AccidentGrade.LARGER, 3, 10, Decimal("1000")),
)
REPORTING_LIMIT = dt.timedelta(hours=1)

# Which level investigates each grade, and the regions' levels that may open its case.
INVESTIGATED_BY: dict[str, Any] = {
    AccidentGrade.GENERAL: _("the county-level government"),
    AccidentGrade.LARGER: _("the city-level government"),
    AccidentGrade.MAJOR: _("the provincial government"),
    AccidentGrade.ESPECIALLY_MAJOR: _("the State Council (the province's committee records the case)"),
}
LEVEL_DEPTH = {RegionLevel.PROVINCE: 1, RegionLevel.CITY: 2, RegionLevel.COUNTY: 3}
REQUIRED_DEPTH: dict[str, int] = {
    AccidentGrade.GENERAL: 3,
    AccidentGrade.LARGER: 2,
    AccidentGrade.MAJOR: 1,
    AccidentGrade.ESPECIALLY_MAJOR: 1,
}


def accident_grade(*, deaths: int, serious_injuries: int, economic_loss: Decimal) -> str:
    """The grade of an accident from its deaths, serious injuries and direct loss (10,000 yuan)."""
    for grade, death_floor, injury_floor, loss_floor in GRADE_THRESHOLDS:
        if deaths >= death_floor or serious_injuries >= injury_floor or economic_loss >= loss_floor:
            return grade
    return AccidentGrade.GENERAL


def reporting_status(*, occurred_at: dt.datetime, reported_at: dt.datetime | None) -> str:
    """On time within one hour of the accident, late after it, not reported while there is no report."""
    if reported_at is None:
        return AccidentReporting.NOT_REPORTED
    return (
        AccidentReporting.ON_TIME if reported_at - occurred_at <= REPORTING_LIMIT else AccidentReporting.LATE
    )


def path_depth(path: str) -> int:
    """A region path's depth: the province 1, a city 2, a county 3."""
    return len([part for part in path.split("/") if part])
