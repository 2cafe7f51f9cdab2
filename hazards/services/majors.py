"""Major hazards the enterprise reports itself: who is told, at once and in the same transaction.

An enterprise reports its own major hazard either by answering "hazard found" on a self-inspection line that
is a criterion of a determination standard, or by reporting a hazard as major citing a criterion
(`hazard_report`). The hazard then waits in `reported` with `proposed_level` major until a regulator confirms
the grade or changes it with a reason (`hazard_confirm`).
"""

from __future__ import annotations

import datetime as dt

from ..models import Hazard, Notification
from .notices import notices_send, recipients

KIND = "major_reported"


def major_report_notify(hazard: Hazard, *, at: dt.datetime) -> list[Notification]:
    """Tell the departments regulating the hazard and the nearest committee, in the caller's transaction."""
    who = recipients(hazard)
    criterion = hazard.criterion
    return notices_send(
        tenant_id=hazard.tenant_id,
        users=who["departments"] | who["committee"],
        kind=KIND,
        params={
            "enterprise": hazard.enterprise,
            "code": hazard.code,
            "title": hazard.title,
            "criterion": criterion.number if criterion else "—",
        },
        at=at,
        hazard=hazard,
    )
