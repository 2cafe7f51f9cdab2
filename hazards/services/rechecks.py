"""Re-checks after closure (回头看): every month a sample of each region's closed major hazards goes back to
the department that verified them, which records whether the rectification held.

The sample is drawn in one statement (`recheck_sample_month`, a monthly job of config/monthly.py): per region,
RECHECK_SAMPLE_PERCENT of the major hazards closed by the month's end (at least one where any are), ordered
by md5(tenant, month, hazard id) — the same month and tenant draw the same hazards, on any run. A region
already drawn for the month is left alone, so a second run adds nothing. The regions already drawn are read
first and passed as a list: as a NOT EXISTS in the statement, PostgreSQL took the past months' re-checks
for this month's and expected one hazard left to draw, and joined the tenant's handovers once per closed
major hazard (a province's month from 0.5 s to 13-16 s once a month had been drawn).

A result is recorded once (`recheck_record_result`); not held reopens the hazard through `hazard_reopen`, in
the same transaction, so the reopening counts in the "reopened after closure" indicator.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError
from organizations.choices import DEPARTMENT_ROLES
from organizations.models import Tenant, User
from organizations.scoping import Scope, scope_for

from ..choices import HazardAction, HazardState
from ..models import Notification, Recheck
from .ledger import hazard_reopen
from .notices import notices_queue
from .steps import deny, locked_hazard, now_or, record_event

SAMPLE_SQL = """
WITH last_acceptance AS (
  SELECT DISTINCT ON (a.hazard_id) a.hazard_id, a.department_id
  FROM hazards_closureacceptance a
  WHERE a.tenant_id = %(tenant)s
  ORDER BY a.hazard_id, a.created_at DESC, a.id DESC
),
first_receipt AS (
  SELECT DISTINCT ON (ho.hazard_id) ho.hazard_id, r.department_id
  FROM hazards_handover ho JOIN hazards_handoverreceipt r ON r.handover_id = ho.id
  WHERE ho.tenant_id = %(tenant)s
  ORDER BY ho.hazard_id, ho.created_at, r.id
),
pool AS (
  SELECT h.id, h.region_id, h.region_path, COALESCE(la.department_id, fr.department_id) AS department_id,
    md5(%(tenant)s::text || ':' || %(month_text)s || ':' || h.id::text) AS draw
  FROM hazards_hazard h
  LEFT JOIN last_acceptance la ON la.hazard_id = h.id
  LEFT JOIN first_receipt fr ON fr.hazard_id = h.id
  WHERE h.tenant_id = %(tenant)s AND h.level = 'major' AND h.state = 'closed' AND h.closed_at < %(end)s
    AND COALESCE(la.department_id, fr.department_id) IS NOT NULL
    AND NOT (h.region_id = ANY(%(drawn)s::bigint[]))
),
ranked AS (
  SELECT pool.*, row_number() OVER (PARTITION BY region_id ORDER BY draw, id) AS n,
    COUNT(*) OVER (PARTITION BY region_id) AS total
  FROM pool
)
INSERT INTO hazards_recheck
  (tenant_id, hazard_id, month, region_id, region_path, department_id, created_at, held, note)
SELECT %(tenant)s, id, %(month)s, region_id, region_path, department_id, %(now)s, NULL, ''
FROM ranked
WHERE n <= CEIL(total * %(percent)s / 100.0)
ON CONFLICT (tenant_id, month, hazard_id) DO NOTHING
"""


# The assigned department's inspectors and heads are told, once per re-check (notification_once_a_day).
NOTIFY_SQL = """
INSERT INTO hazards_notification
  (tenant_id, user_id, hazard_id, kind, message, message_key, params, created_at, sent_on)
SELECT DISTINCT x.tenant_id, m.user_id, x.hazard_id, 'recheck', replace(%(template)s, '{code}', h.code),
  'recheck', jsonb_build_object('code', h.code, 'month', %(month_text)s), %(now)s, %(today)s
FROM hazards_recheck x
JOIN hazards_hazard h ON h.id = x.hazard_id
JOIN organizations_membership m ON m.department_id = x.department_id AND m.is_active
  AND m.role = ANY(%(roles)s)
WHERE x.tenant_id = %(tenant)s AND x.month = %(month)s AND x.created_at = %(now)s
ON CONFLICT DO NOTHING
"""


def _month_end(month: dt.date) -> dt.datetime:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return timezone.make_aware(dt.datetime.combine(following, dt.time.min))


@transaction.atomic
def recheck_sample_month(*, tenant: Tenant, month: dt.date, now: dt.datetime | None = None) -> int:
    """Draw the month's re-checks for every region of the tenant and tell the departments they are assigned
    to (in-app); the number of re-checks added."""
    month, at = month.replace(day=1), now_or(now)
    params: dict[str, Any] = {
        "tenant": tenant.pk,
        "month": month,
        "month_text": month.strftime("%Y-%m"),
        "end": _month_end(month),
        "now": at,
        "today": timezone.localdate(at),
        "percent": settings.RECHECK_SAMPLE_PERCENT,
        "roles": sorted(DEPARTMENT_ROLES),
        "template": _(
            "Hazard {code} was drawn for the re-check after closure of %(month)s: check on site whether "
            "its rectification held, and record the result on the re-checks page."
        )
        % {"month": month.strftime("%Y-%m")},
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT region_id FROM hazards_recheck WHERE tenant_id = %s AND month = %s",
            [tenant.pk, month],
        )
        params["drawn"] = [region for (region,) in cursor.fetchall()]
        cursor.execute(SAMPLE_SQL, params)
        added = cursor.rowcount
        if added:
            cursor.execute(NOTIFY_SQL, params)
    if added:  # the e-mails and webhook messages of the notices just written, into the outbox
        notices_queue(
            tenant_id=tenant.pk,
            notices=list(Notification.objects.filter(tenant=tenant, kind="recheck", created_at=at)),
            kind="recheck",
            at=at,
        )
    return added


def recheck_list(*, actor: User, month: dt.date | None = None) -> QuerySet[Recheck]:
    """The re-checks the actor may see (a department its own, committee staff their regions'), of a month."""
    rechecks = Recheck.objects.visible_to(actor).select_related(
        "hazard", "hazard__enterprise", "department", "region", "recorded_by"
    )
    return rechecks.filter(month=month.replace(day=1)) if month is not None else rechecks


def may_record_recheck(scope: Scope, recheck: Recheck) -> bool:
    """An inspector or head of the department the re-check is assigned to."""
    return bool(scope.roles & DEPARTMENT_ROLES) and recheck.department_id in scope.department_ids


@transaction.atomic
def recheck_record_result(
    *,
    actor: User,
    recheck: Recheck | int,
    held: bool | None,
    note: str = "",
    deadline: dt.date | None = None,
    now: dt.datetime | None = None,
) -> Recheck:
    """Record whether the rectification held, once; not held reopens the hazard (hazard_reopen's rules),
    with `deadline` or RECHECK_REOPEN_DAYS from today as its new deadline."""
    at = now_or(now)
    pk = recheck if isinstance(recheck, int) else recheck.pk
    locked: Recheck = Recheck.objects.select_for_update(of=("self",)).get_visible(actor, pk=pk)
    scope = scope_for(actor)
    if not may_record_recheck(scope, locked):
        raise deny(_("Only the department the re-check is assigned to records its result."))
    if locked.recorded_at is not None:
        raise InvalidStateError(_("This re-check's result was already recorded."))
    if held is None:
        raise ValidationError({"held": _("Say whether the rectification held.")})
    if not held and not note.strip():
        raise ValidationError({"note": _("Say what the re-check found.")})
    hazard = locked_hazard(actor, locked.hazard_id)
    if hazard.state != HazardState.CLOSED:
        raise InvalidStateError(
            _("Hazard %(code)s is no longer closed; its re-check cannot be recorded.") % {"code": hazard.code}
        )
    locked.held, locked.note, locked.recorded_by, locked.recorded_at = held, note.strip(), actor, at
    locked.save(update_fields=["held", "note", "recorded_by", "recorded_at"])
    record_event(
        hazard,
        actor=actor,
        action=HazardAction.RECHECK,
        from_state=hazard.state,
        at=at,
        note=note.strip(),
        data={"recheck": locked.pk, "month": locked.month.strftime("%Y-%m"), "held": held},
    )
    if not held:
        hazard_reopen(
            actor=actor,
            hazard=hazard,
            reason=note.strip(),
            deadline=deadline or timezone.localdate(at) + dt.timedelta(days=settings.RECHECK_REOPEN_DAYS),
            now=at,
        )
    return locked
