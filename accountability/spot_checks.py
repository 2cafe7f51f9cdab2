"""Spot checks of enterprises' self-inspections (the second of the four assessments).

Each month the job draws SPOT_CHECK_PERCENT (default 5 %) of every region's submitted self-inspections of that
month — at least one in a region that has any — and assigns each to the regulating department nearest the
enterprise (its industries, its region or the nearest above). The draw is reproducible from the tenant and the
month alone: self-inspections are taken in the order of md5("<tenant>:<YYYY-MM>:<self-inspection id>")
(`draw_key`), so anyone can redo it. One INSERT … SELECT does it; a re-run adds nothing (the rows drawn
already keep their places; a late submission can only fill a quota that grew).

The department re-inspects and records, once, how many hazards the enterprise had missed. The indicator is
the share of spot checks whose result was recorded in the month that found nothing missed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, PermissionDeniedError
from core.scoping import ensure_visible
from hazards.models import Inspection
from organizations.choices import DEPARTMENT_ROLES
from organizations.models import Tenant, User
from organizations.scoping import scope_for

from .choices import SpotCheckState
from .models import SpotCheck


def draw_key(tenant_id: int, month: dt.date, self_inspection_id: int) -> str:
    """The self-inspection's place in the month's draw (lowest first)."""
    return hashlib.md5(f"{tenant_id}:{month:%Y-%m}:{self_inspection_id}".encode()).hexdigest()  # noqa: S324


SAMPLE_SQL = """
WITH submitted AS (
  SELECT s.id, s.enterprise_id, e.region_id, e.region_path,
    md5(%(tenant)s::text || ':' || %(month_text)s || ':' || s.id::text) AS draw,
    EXISTS (SELECT 1 FROM accountability_spotcheck c WHERE c.self_inspection_id = s.id) AS drawn
  FROM hazards_selfinspection s
  JOIN organizations_enterprise e ON e.id = s.enterprise_id
  WHERE s.tenant_id = %(tenant)s AND s.period = %(month)s AND s.status = 'submitted'),
ranked AS (
  SELECT u.*, ROW_NUMBER() OVER (PARTITION BY u.region_id ORDER BY u.drawn DESC, u.draw, u.id) AS place,
    COUNT(*) OVER (PARTITION BY u.region_id) AS submitted
  FROM submitted u)
INSERT INTO accountability_spotcheck
  (tenant_id, self_inspection_id, enterprise_id, region_id, region_path, month, department_id, draw, state,
   sampled_at, findings)
SELECT %(tenant)s, r.id, r.enterprise_id, r.region_id, r.region_path, %(month)s,
  (SELECT d.id FROM organizations_department d JOIN organizations_region dr ON dr.id = d.region_id
   WHERE d.tenant_id = %(tenant)s AND d.is_active AND r.region_path LIKE dr.path || '%%'
     AND EXISTS (SELECT 1 FROM organizations_department_industries di
                 JOIN organizations_enterprise_industries ei ON ei.industry_id = di.industry_id
                 WHERE di.department_id = d.id AND ei.enterprise_id = r.enterprise_id)
   ORDER BY length(dr.path) DESC, md5(r.draw || ':' || d.id::text), d.id
   LIMIT 1),
  r.draw, 'assigned', %(now)s, ''
FROM ranked r
WHERE NOT r.drawn AND r.place <= GREATEST(1, CEIL(r.submitted * %(percent)s / 100.0))
ON CONFLICT (self_inspection_id) DO NOTHING
"""


@transaction.atomic
def spot_check_sample_month(*, tenant: Tenant, month: dt.date, percent: int | None = None) -> int:
    """Draw the month's spot checks for the tenant (a monthly job); returns how many were added."""
    first = month.replace(day=1)
    params: dict[str, Any] = {
        "tenant": tenant.pk,
        "month": first,
        "month_text": f"{first:%Y-%m}",
        "now": timezone.now(),
        "percent": percent if percent is not None else settings.SPOT_CHECK_PERCENT,
    }
    with connection.cursor() as cursor:
        cursor.execute(SAMPLE_SQL, params)
        return cursor.rowcount


def may_record_result(actor: User, spot_check: SpotCheck) -> bool:
    """An inspector or head of the department the spot check is assigned to."""
    scope = scope_for(actor)
    return bool(scope.roles & DEPARTMENT_ROLES) and spot_check.department_id in scope.department_ids


@transaction.atomic
def spot_check_record_result(
    *,
    actor: User,
    spot_check: SpotCheck,
    checked_on: dt.date,
    missed_count: int,
    findings: str = "",
    inspection: Inspection | None = None,
    now: dt.datetime | None = None,
) -> SpotCheck:
    """The assigned department records its re-inspection: how many hazards the enterprise's self-inspection
    missed and what they were. Once only (a second result is a 409)."""
    locked = SpotCheck.objects.select_for_update().get_visible(actor, pk=spot_check.pk)
    if not may_record_result(actor, locked):
        raise PermissionDeniedError(
            _("Only the department the spot check is assigned to records its result.")
        )
    if locked.state != SpotCheckState.ASSIGNED:
        raise InvalidStateError(
            _("This spot check's result was already recorded (state: %(state)s).")
            % {"state": locked.get_state_display()}
        )
    errors: dict[str, str] = {}
    if missed_count < 0:
        errors["missed_count"] = _("The number of missed hazards cannot be negative.")
    if missed_count > 0 and not findings.strip():
        errors["findings"] = _("Say what the enterprise missed.")
    at = now or timezone.now()
    if checked_on > timezone.localdate(at):
        errors["checked_on"] = _("A re-inspection cannot be dated in the future.")
    elif checked_on < locked.month:
        errors["checked_on"] = _("The re-inspection cannot come before the month inspected.")
    if inspection is not None:
        ensure_visible(actor, inspection)
        if inspection.enterprise_id != locked.enterprise_id:
            errors["inspection"] = _("Choose an inspection of this enterprise.")
    if errors:
        raise ValidationError(errors)
    locked.state = SpotCheckState.DONE
    locked.checked_on = checked_on
    locked.missed_count = missed_count
    locked.findings = findings
    locked.inspection = inspection
    locked.result_by = actor
    locked.result_at = at
    locked.save()
    return locked
