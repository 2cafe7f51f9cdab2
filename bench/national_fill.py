"""The national tenant of the country bench, and what the provinces reported to it.

A province's major hazards reach the national tenant as upward records: the exchange trigger (migration
exchange 0002) writes one for every event of a major hazard (and for every grading), upward_send signs and
chains them in batches of 500 and POSTs them to /api/exchange/v1/batches/, and exchange_receive upserts the
ReportedHazard and appends a ReportedChange per record. The load generator writes the ledger with triggers
off (generate_load), so no records wait in a generated province's outbox; and the real path would carry
~0.74 records per generated hazard (every grading is recorded, general ones included) one ORM round trip at
a time — tens of minutes per million-hazard province.

So the major hazards are filled here by two set-based statements that end where exchange_receive would:
one ReportedHazard per major hazard with its snapshot after its last recorded event, and one ReportedChange
per event the trigger would have recorded for it (every event of a major hazard except the report of one not
yet graded), all under one received batch that is recorded at both ends (the province's UpwardBatch and the
national ReceivedBatch, same id, sequence number and digest), so the chain of batches stays whole and later
real batches follow it. The monthly aggregates take the real path: the monthly jobs write them into the
outbox, and `send_upward` sends them over HTTP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from core.rls import tenant_context
from exchange.choices import BatchState
from exchange.models import ExchangePartner, ReceivedBatch, ReportedHazard, UpwardBatch, UpwardLink
from exchange.national import exchange_connect, national_tenant_create
from exchange.upward import SendResult, province_code, upward_send
from organizations.choices import Role
from organizations.models import Membership, Region, Tenant, User
from organizations.validators import COUNTRY_CODE

# The events the exchange trigger records for a hazard that ends major: the generator grades a hazard once
# (at the report of an inspection's finding, else at its confirmation) and never changes the grade.
# RECORDED, in both statements below: the events the trigger records for a hazard that ends major.

HAZARDS_SQL = """
INSERT INTO exchange_reportedhazard (
    tenant_id, province_code, code, region_code, region_name, industry_code, industry_name, level, state,
    source, listed, listing_level, listing_lifted, discovered_on, deadline, closed_on, is_overdue, changed_at)
SELECT %(national)s, %(code)s, h.code, r.code, r.name, COALESCE(i.code, ''), COALESCE(i.name, ''), h.level,
       h.state, h.source, h.listed, h.listing_level, h.listing_lifted_at IS NOT NULL,
       (h.discovered_at AT TIME ZONE %(zone)s)::date, h.deadline, (h.closed_at AT TIME ZONE %(zone)s)::date,
       h.is_overdue, date_trunc('second', last.at)  -- the exchange format's times are to the second
FROM hazards_hazard h
JOIN organizations_region r ON r.id = h.region_id
LEFT JOIN organizations_industry i ON i.id = h.industry_id
-- The last recorded event in the chain's order (as the records are applied), not the latest in time.
JOIN LATERAL (SELECT e.created_at AS at FROM hazards_hazardevent e
              WHERE e.tenant_id = h.tenant_id AND e.hazard_id = h.id
                AND (e.action <> 'report' OR h.source = 'inspection')  -- RECORDED
              ORDER BY e.seq DESC LIMIT 1) last ON true
WHERE h.tenant_id = %(province)s AND h.level = 'major'
"""

CHANGES_SQL = """
INSERT INTO exchange_reportedchange (tenant_id, hazard_id, batch_id, action, state, at)
SELECT %(national)s, rh.id, %(batch)s, e.action, e.to_state, date_trunc('second', e.created_at)
FROM hazards_hazardevent e
JOIN hazards_hazard h ON h.id = e.hazard_id
JOIN exchange_reportedhazard rh ON rh.tenant_id = %(national)s AND rh.province_code = %(code)s
                               AND rh.code = h.code
WHERE e.tenant_id = %(province)s AND h.tenant_id = %(province)s
  AND h.level = 'major' AND (e.action <> 'report' OR h.source = 'inspection')  -- RECORDED
ORDER BY e.seq
"""


def ensure_national(slug: str) -> tuple[Tenant, User]:
    """The national tenant (country and 31 provinces) and one committee staff member of the country."""
    tenant = Tenant.objects.filter(slug=slug).first() or national_tenant_create(slug=slug)
    username = f"{slug}-committee"
    user = User.objects.filter(username=username).first()
    if user is None:
        with tenant_context(tenant):
            user = User(tenant=tenant, username=username, full_name="全国安委办（负载）")
            user.set_unusable_password()
            user.save()
            country = Region.objects.get(tenant=tenant, code=COUNTRY_CODE)
            Membership.objects.create(tenant=tenant, user=user, role=Role.COMMITTEE_STAFF, region=country)
    return tenant, user


def connect(national: Tenant, province: Tenant) -> None:
    """The exchange link of one deployment (exchange_connect), once."""
    with tenant_context(province):
        linked = UpwardLink.objects.filter(tenant=province).exists()
    if not linked:
        exchange_connect(national=national, province=province)


def fill_major_hazards(national: Tenant, province: Tenant) -> int:
    """The province's major hazards as the national side would hold them after receiving every record;
    returns the hazards filled (0 when the province's were filled before)."""
    with tenant_context(province):
        code = province_code(province)
    if ReportedHazard.objects.filter(tenant=national, province_code=code).exists():
        return 0
    now = timezone.now()
    with transaction.atomic():
        partner = ExchangePartner.objects.select_for_update().get(tenant=national, province_code=code)
        with connection.cursor() as cursor:
            cursor.execute(
                HAZARDS_SQL,
                {"national": national.pk, "province": province.pk, "code": code, "zone": settings.TIME_ZONE},
            )
            hazards = cursor.rowcount
        body = json.dumps(
            {"bulk_fill": "bench.national_fill", "province": code, "hazards": hazards}, sort_keys=True
        ).encode()
        digest = hashlib.sha256(body).hexdigest()
        seq, batch_id = partner.last_seq + 1, uuid.uuid4()
        batch = ReceivedBatch.objects.create(
            tenant=national,
            partner=partner,
            batch_id=batch_id,
            seq=seq,
            sha256=digest,
            records=hazards,
            received_at=now,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                CHANGES_SQL,
                {"national": national.pk, "province": province.pk, "code": code, "batch": batch.pk},
            )
            ReceivedBatch.objects.filter(pk=batch.pk).update(records=cursor.rowcount)
        UpwardBatch.objects.create(
            tenant=province,
            seq=seq,
            batch_id=batch_id,
            prev_sha256=partner.last_sha256,
            sha256=digest,
            body=body.decode(),
            signature="",
            records=hazards,
            state=BatchState.SENT,
            attempts=1,
            created_at=now,
            sent_at=now,
        )
        ExchangePartner.objects.filter(pk=partner.pk).update(
            last_seq=seq, last_sha256=digest, last_received_at=now
        )
    for table in ("exchange_reportedhazard", "exchange_reportedchange"):
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {table}")
    return hazards


def send_upward(province: Tenant, host: str, port: int) -> tuple[SendResult, float]:
    """What waits in the province's outbox (the monthly aggregates), sent over HTTP the real way."""
    with tenant_context(province):
        UpwardLink.objects.filter(tenant=province).update(
            url=f"http://{host}:{port}/api/exchange/v1/batches/"
        )
    started = dt.datetime.now(dt.UTC)
    result = upward_send(tenant=province)
    return result, (dt.datetime.now(dt.UTC) - started).total_seconds()
