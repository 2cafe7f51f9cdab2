"""Major hazards the enterprise reports itself: who is told, at once and in the same transaction.

An enterprise reports its own major hazard either by answering "hazard found" on a self-inspection line that
is a criterion of a determination standard, or by reporting a hazard as major citing a criterion
(`hazard_report`). The hazard then waits in `reported` with `proposed_level` major until a regulator confirms
the grade or changes it with a reason (`hazard_confirm`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Hazard, Notification
from .overdue import _email, _notify, recipients

KIND = "major_reported"


def major_report_notify(hazard: Hazard, *, at: dt.datetime) -> list[Notification]:
    """Tell the departments regulating the hazard and the nearest committee: in-app now, e-mail on commit."""
    who = recipients(hazard)
    criterion = hazard.criterion
    message = _(
        "%(enterprise)s reports a major hazard %(code)s “%(title)s” (criterion %(criterion)s); "
        "confirm its grade."
    ) % {
        "enterprise": hazard.enterprise,
        "code": hazard.code,
        "title": hazard.title,
        "criterion": criterion.number if criterion else "—",
    }
    created = _notify(hazard, who["departments"] | who["committee"], KIND, message, at)
    transaction.on_commit(lambda: _email(created))
    return created
