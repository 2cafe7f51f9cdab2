"""The national side of the exchange: a batch is checked — signature, schema, chain — and then applied in
one transaction, or refused with nothing stored. A batch delivered again is accepted once."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, PermissionDeniedError
from organizations.models import User

from .format import schema_errors, sha256_hex, signature_valid
from .models import ExchangePartner, ReceivedBatch, ReportedAggregate, ReportedChange, ReportedHazard


def BatchRefused(errors: list[str]) -> ValidationError:
    """A batch the receiver will not store: 400, every problem listed under `batch`."""
    return ValidationError({"batch": errors})


@dataclass
class Receipt:
    batch_id: str
    seq: int
    duplicate: bool
    applied: int = 0
    skipped: list[int] = field(default_factory=list)


def _moment(text: str) -> dt.datetime:
    moment = parse_datetime(text)
    if moment is None:
        raise BatchRefused([_("Not a date and time: %(text)s") % {"text": text}])
    return moment


def _local_date(text: str | None) -> dt.date | None:
    return timezone.localtime(_moment(text)).date() if text else None


def _hazard_values(record: dict[str, Any]) -> dict[str, Any]:
    return {
        "region_code": record["region"],
        "region_name": record["region_name"],
        "industry_code": record["industry"],
        "industry_name": record["industry_name"],
        "level": record["level"],
        "state": record["state"],
        "source": record["source"],
        "listed": record["listed"],
        "listing_level": record["listing_level"],
        "listing_lifted": record["listing_lifted"],
        "discovered_on": _local_date(record["discovered_at"]),
        "deadline": dt.date.fromisoformat(record["deadline"]) if record["deadline"] else None,
        "closed_on": _local_date(record["closed_at"]),
        "is_overdue": record["overdue"],
        "changed_at": _moment(record["at"]),
    }


HAZARD_FIELDS = [
    "region_code",
    "region_name",
    "industry_code",
    "industry_name",
    "level",
    "state",
    "source",
    "listed",
    "listing_level",
    "listing_lifted",
    "discovered_on",
    "deadline",
    "closed_on",
    "is_overdue",
    "changed_at",
]
COUNTS = ("found", "closed", "overdue", "self_found", "department_found", "accidents")


def _apply_records(
    partner: ExchangePartner, batch: ReceivedBatch, records: list[dict[str, Any]], receipt: Receipt
) -> None:
    """Apply a batch's records as if one after another, in a handful of statements.

    A hazard change upserts the hazard (its latest record wins) and appends the change, in the batch's
    order; a hazard the national side never knew as major and that is not major now is none of its
    business (a grade confirmed as general), unless an earlier record of the batch made it known. A monthly
    aggregate replaces the cell's figures (the batch's last record of a cell wins)."""
    tenant_id, province = partner.tenant_id, partner.province_code
    codes = {record["hazard"] for record in records if record["kind"] != "monthly_aggregate"}
    known = {
        hazard.code: hazard
        for hazard in ReportedHazard.objects.filter(
            tenant_id=tenant_id, province_code=province, code__in=codes
        )
    }
    stored_before = set(known)
    changes: list[tuple[ReportedHazard, ReportedChange]] = []
    cells: dict[tuple[dt.date, str, str], ReportedAggregate] = {}
    for record in records:
        if record["kind"] == "monthly_aggregate":
            year, month = record["month"].split("-")
            cell = (dt.date(int(year), int(month), 1), record["region"], record["industry"])
            cells[cell] = ReportedAggregate(
                tenant_id=tenant_id,
                province_code=province,
                month=cell[0],
                region_code=cell[1],
                industry_code=cell[2],
                **{name: record[name] for name in COUNTS},
            )
            receipt.applied += 1
            continue
        values = _hazard_values(record)
        hazard = known.get(record["hazard"])
        if hazard is None and record["level"] != "major":
            receipt.skipped.append(record["record_id"])
            continue
        if hazard is None:
            hazard = known[record["hazard"]] = ReportedHazard(
                tenant_id=tenant_id, province_code=province, code=record["hazard"], **values
            )
        else:
            for name, value in values.items():
                setattr(hazard, name, value)
        change = ReportedChange(
            tenant_id=tenant_id,
            batch=batch,
            action=record["action"],
            state=record["state"],
            at=values["changed_at"],
        )
        changes.append((hazard, change))
        receipt.applied += 1
    touched = {id(hazard): hazard for hazard, _change in changes}.values()
    ReportedHazard.objects.bulk_create([hazard for hazard in touched if hazard.code not in stored_before])
    ReportedHazard.objects.bulk_update(
        [hazard for hazard in touched if hazard.code in stored_before], HAZARD_FIELDS, batch_size=500
    )
    for hazard, change in changes:
        change.hazard = hazard  # now with its primary key
    ReportedChange.objects.bulk_create([change for _hazard, change in changes])  # in the batch's order
    ReportedAggregate.objects.bulk_create(
        list(cells.values()),
        update_conflicts=True,
        unique_fields=["tenant", "province_code", "month", "region_code", "industry_code"],
        update_fields=list(COUNTS),
    )


def exchange_receive(*, actor: User, body: bytes, signature_header: str) -> Receipt:
    """Check and store one batch from the province the actor's account delivers for.

    403: the account is no exchange partner, or the signature does not match its key.
    400 (under `batch`): not JSON, or not the schema, or for another province.
    409: the chain is broken (not the next sequence number, or not linked to the last batch's digest).
    """
    partner = ExchangePartner.objects.filter(user=actor).first()
    if partner is None:
        raise PermissionDeniedError(_("This account delivers for no province."))
    if not signature_valid(body, partner.key, signature_header):
        raise PermissionDeniedError(_("The batch's signature does not match the province's key."))
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BatchRefused([_("The body is not JSON: %(error)s") % {"error": error}]) from None
    errors = schema_errors(document)
    if errors:
        raise BatchRefused(errors)
    if document["province"] != partner.province_code:
        raise BatchRefused(
            [_("province: this account delivers for %(code)s.") % {"code": partner.province_code}]
        )
    digest = sha256_hex(body)
    with transaction.atomic():
        partner = ExchangePartner.objects.select_for_update().get(pk=partner.pk)
        earlier = ReceivedBatch.objects.filter(
            tenant_id=partner.tenant_id, batch_id=document["batch_id"]
        ).first()
        if earlier is not None:
            if earlier.sha256 != digest:
                raise InvalidStateError(_("This batch id was received before with other contents."))
            return Receipt(batch_id=document["batch_id"], seq=earlier.seq, duplicate=True)
        if document["seq"] != partner.last_seq + 1 or document["prev_sha256"] != partner.last_sha256:
            raise InvalidStateError(
                _("Broken chain: expected batch %(seq)s following digest %(digest)s.")
                % {"seq": partner.last_seq + 1, "digest": partner.last_sha256}
            )
        now = timezone.now()
        batch = ReceivedBatch.objects.create(
            tenant_id=partner.tenant_id,
            partner=partner,
            batch_id=document["batch_id"],
            seq=document["seq"],
            sha256=digest,
            records=len(document["records"]),
            received_at=now,
        )
        receipt = Receipt(batch_id=document["batch_id"], seq=document["seq"], duplicate=False)
        _apply_records(partner, batch, document["records"], receipt)
        ExchangePartner.objects.filter(pk=partner.pk).update(
            last_seq=document["seq"], last_sha256=digest, last_received_at=now
        )
    return receipt
