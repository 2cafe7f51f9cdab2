"""The load tenant's ledger: three years of hazards in every state, each with the events of its transitions.

Each hazard follows the state machine (report → confirm → [handover] → plan → submit → [reject → submit] →
verify, or withdraw) at believable intervals; the steps that fall after the end date are not taken, so
recent hazards are still open, and a few percent stall at some step (they become overdue, as real laggards
do). Inspection findings come with their inspection; major hazards cite a criterion of their industry's
standard and are handed over to a covering department. Written batch by batch with COPY.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from ..choices import HazardAction, HazardLevel, HazardSource, HazardState, InspectionKind, ListingLevel
from ..demo.catalogue import ACCEPTS, CONTINGENCY, GENERAL, MAJOR, REJECTIONS, ROADS, SURNAMES, WITHDRAWALS
from ..models import Criterion
from .copying import copy_lines, line, reserve_ids, text
from .directory import Directory

TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_CONTINGENCY = ["落实临时管控措施，设置警示标志", "整改期间加强巡查，落实专人看护"]
BATCH = 50_000
S = HazardState
A = HazardAction

HAZARD_COLUMNS = [
    "id",
    "tenant_id",
    "code",
    "enterprise_id",
    "region_id",
    "region_path",
    "industry_id",
    "source",
    "inspection_id",
    "title",
    "description",
    "location",
    "level",
    "criterion_id",
    "discovered_by_id",
    "discovered_at",
    "state",
    "responsible_person",
    "measures",
    "funds",
    "deadline",
    "contingency_plan",
    "listed",
    "listing_level",
    "listing_committee_id",
    "listing_document",
    "listing_deadline",
    "is_overdue",
    "overdue_since",
    "closed_at",
    "withdrawn_reason",
    "updated_at",
]
EVENT_COLUMNS = [
    "id",
    "seq",
    "tenant_id",
    "hazard_id",
    "actor_id",
    "action",
    "from_state",
    "to_state",
    "note",
    "data",
    "created_at",
    "prev_hash",
    "hash",
]
GENESIS = "0" * 64
# An event before its id: (seq, hazard id, actor id, action, from, to, note as stored, data as jsonb text, at)
PendingEvent = tuple[int, int, int | None, str, str, str, str, str, dt.datetime]
INSPECTION_COLUMNS = [
    "id",
    "tenant_id",
    "enterprise_id",
    "region_path",
    "department_id",
    "date",
    "kind",
    "summary",
    "rectification_order",
    "stop_production",
    "fine_amount",
    "created_by_id",
    "created_at",
]
KINDS = [
    (InspectionKind.ROUTINE, 55),
    (InspectionKind.UNANNOUNCED, 20),
    (InspectionKind.COVERT, 5),
    (InspectionKind.CROSS_REGION, 7),
    (InspectionKind.EXPERT_ASSISTED, 8),
    (InspectionKind.REINSPECTION, 5),
]


@dataclass
class Finding:
    title: str
    description: str
    location: str
    measure: str
    criterion_id: int | None


@dataclass
class Batch:
    hazards: list[str] = field(default_factory=list)
    events: list[PendingEvent] = field(default_factory=list)
    inspections: list[str] = field(default_factory=list)
    handovers: list[tuple[int, int, int, dt.datetime, int]] = field(default_factory=list)


def _findings() -> tuple[dict[str, list[Finding]], dict[str, list[Finding]]]:
    criteria = {
        f"{key}:{number}": pk
        for pk, key, number in Criterion.objects.filter(standard__is_current=True).values_list(
            "pk", "standard__key", "number"
        )
    }

    def convert(source: dict, major: bool) -> dict[str, list[Finding]]:
        result: dict[str, list[Finding]] = {}
        for industry, findings in source.items():
            found = [
                Finding(f.title, f.description, f.location, f.measure, criteria.get(f.criterion))
                for f in findings
                if not major or f.criterion in criteria
            ]
            if found:
                result[industry] = found
        return result

    return convert(GENERAL, False), convert(MAJOR, True)


def _later(rng: random.Random, moment: dt.datetime, low: float, high: float) -> dt.datetime:
    """A moment some days later, in working hours."""
    day = (moment + dt.timedelta(days=rng.uniform(low, high))).astimezone(TZ)
    return day.replace(hour=rng.randint(8, 17), minute=rng.randint(0, 59), second=rng.randint(0, 59))


class LedgerWriter:
    def __init__(
        self, directory: Directory, *, hazards: int, end: dt.date, years: int, rng: random.Random
    ) -> None:
        self.d = directory
        self.tenant_id = directory.tenant.pk
        self.count = hazards
        self.rng = rng
        self.end = dt.datetime(end.year, end.month, end.day, tzinfo=TZ)
        self.start = self.end.replace(year=self.end.year - years)
        self.general, self.major = _findings()
        self.industry_code = {industry.pk: code for code, industry in directory.industries.items()}
        self.region_code = {region.pk: region.code for region in directory.regions}
        self.city_of: dict[int, int] = {
            region.pk: (region.parent_id or region.pk) if region.level == "county" else region.pk
            for region in directory.regions
        }
        self.counters: dict[tuple[str, int], int] = defaultdict(int)
        self.event_seq = 0  # the tenant's hash-chain position of each event, in insertion order
        self.last_hash = GENESIS  # the chain's last link so far (hazards_eventchainhead when done)

    # ---------------------------------------------------------------- whole run

    def write(self) -> dict[str, int]:
        totals = {"self_inspections": self._self_inspections()}
        first_hazard = reserve_ids("hazards_hazard", self.count)
        span = (self.end - self.start).total_seconds()
        moments = sorted(self.rng.random() for _ in range(self.count))
        for offset in range(0, self.count, BATCH):
            batch = Batch()
            chunk = moments[offset : offset + BATCH]
            inspection_first = reserve_ids("hazards_inspection", len(chunk))
            for index, share in enumerate(chunk):
                found = self.start + dt.timedelta(seconds=share * span)
                self._hazard(batch, first_hazard + offset + index, found, inspection_first + index)
            with transaction.atomic():
                for name, count in self._flush(batch).items():
                    totals[name] = totals.get(name, 0) + count
        self._counters()
        return totals

    def _flush(self, batch: Batch) -> dict[str, int]:
        first_event = reserve_ids("hazards_hazardevent", len(batch.events))
        counts = {
            "inspections": copy_lines("hazards_inspection", INSPECTION_COLUMNS, batch.inspections),
            "hazards": copy_lines("hazards_hazard", HAZARD_COLUMNS, batch.hazards),
            "events": copy_lines(
                "hazards_hazardevent", EVENT_COLUMNS, self._chained(batch.events, first_event)
            ),
        }
        first = reserve_ids("hazards_handover", len(batch.handovers))
        handovers, receipts = [], []
        for index, (hazard_id, region_id, user_id, at, department_id) in enumerate(batch.handovers):
            handovers.append(line(first + index, self.tenant_id, hazard_id, region_id, user_id, at))
            acknowledged = at + dt.timedelta(hours=self.rng.randint(2, 60))
            receipts.append(
                line(
                    self.tenant_id,
                    first + index,
                    department_id,
                    (at + dt.timedelta(days=3)).date(),
                    self.d.inspector_for_department.get(department_id),
                    acknowledged,
                )
            )
        counts["handovers"] = copy_lines(
            "hazards_handover",
            ["id", "tenant_id", "hazard_id", "region_id", "created_by_id", "created_at"],
            handovers,
        )
        copy_lines(
            "hazards_handoverreceipt",
            [
                "tenant_id",
                "handover_id",
                "department_id",
                "receipt_deadline",
                "acknowledged_by_id",
                "acknowledged_at",
            ],
            receipts,
        )
        return counts

    def _chained(self, events: list[PendingEvent], first: int) -> Iterator[str]:
        """The events' COPY lines, each with its id and its link of the tenant's hash chain: the digest the
        chain trigger computes (hazards_event_digest, migration hazards 0005), here in Python, so that no
        pass over the table has to link them afterwards. `first` is the first of the ids reserved for them
        (reserved before, as no query may run while COPY streams these lines)."""
        tenant = self.tenant_id
        previous = self.last_hash
        for index, (seq, hazard, actor, action, before, after, note, data, moment) in enumerate(events):
            pk = first + index
            at = moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            canonical = (
                f"[{tenant}, {seq}, {pk}, {hazard}, {'null' if actor is None else actor}, {_json(action)}, "
                f"{_json(before)}, {_json(after)}, {_json(note)}, {data}, {_json(at)}, {_json(previous)}]"
            )
            digest = hashlib.sha256(canonical.encode()).hexdigest()
            yield (
                f"{pk}\t{seq}\t{tenant}\t{hazard}\t{chr(92) + 'N' if actor is None else actor}\t{action}\t"
                f"{before}\t{after}\t{text(note)}\t{data}\t{moment.isoformat()}\t{previous}\t{digest}\n"
            )
            previous = digest
        self.last_hash = previous

    def chain_head(self) -> tuple[int, str]:
        """(seq, hash) of the last event written."""
        return self.event_seq, self.last_hash

    def _counters(self) -> None:
        """Codes issued here must not be issued again by the services: move the counters past them."""
        with connection.cursor() as cursor:
            for (region_code, year), last in self.counters.items():
                cursor.execute(
                    """
                    INSERT INTO hazards_hazardcounter (tenant_id, region_code, year, last)
                    VALUES (%s, %s, %s, %s)
                    ON CONFLICT (tenant_id, region_code, year)
                    DO UPDATE SET last = GREATEST(hazards_hazardcounter.last, EXCLUDED.last)
                    """,
                    [self.tenant_id, region_code, year, last],
                )

    def _self_inspections(self) -> int:
        """The last three months' self-inspections: most enterprises filed, a few left a draft."""
        rng = self.rng
        months = []
        month = self.end.date().replace(day=1)
        for _ in range(3):
            month = (month - dt.timedelta(days=1)).replace(day=1)
            months.append(month)
        lines = []
        for pk, _region_id, path, _code, _industry_id, officer in self.d.enterprises:
            for period in months:
                draw = rng.random()
                if draw > 0.9:
                    continue
                created = dt.datetime(period.year, period.month, rng.randint(1, 25), 10, tzinfo=TZ)
                if draw < 0.85:
                    submitted = created + dt.timedelta(hours=rng.randint(1, 72))
                    lines.append(
                        line(
                            self.tenant_id,
                            pk,
                            path,
                            period,
                            "submitted",
                            officer,
                            created,
                            officer,
                            submitted,
                            "",
                        )
                    )
                else:
                    lines.append(
                        line(self.tenant_id, pk, path, period, "draft", officer, created, None, None, "")
                    )
        return copy_lines(
            "hazards_selfinspection",
            [
                "tenant_id",
                "enterprise_id",
                "region_path",
                "period",
                "status",
                "created_by_id",
                "created_at",
                "submitted_by_id",
                "submitted_at",
                "note",
            ],
            lines,
        )

    # ---------------------------------------------------------------- one hazard

    def _hazard(self, batch: Batch, pk: int, found: dt.datetime, inspection_id: int) -> None:
        rng = self.rng
        ent_id, region_id, path, region_code, industry_id, officer = rng.choice(self.d.enterprises)
        inspector = self.d.inspector_for[(region_id, industry_id)]
        department = self.d.department_for[(region_id, industry_id)]
        committee = self.d.committee[self.city_of[region_id]]
        code_name = self.industry_code[industry_id]
        draw = rng.random()
        source = (
            HazardSource.SELF_INSPECTION
            if draw < 0.6
            else (HazardSource.INSPECTION if draw < 0.95 else HazardSource.TIP_OFF)
        )
        major_share = 0.08 if source == HazardSource.INSPECTION else 0.03
        is_major = code_name in self.major and rng.random() < major_share
        finding = rng.choice(
            (self.major if is_major else self.general).get(code_name) or self.general["hazardous_chemicals"]
        )
        number = str(rng.randint(1, 12))
        title = finding.title
        description = finding.description.replace("{n}", number).replace("{road}", rng.choice(ROADS))
        location = finding.location.replace("{n}", number).replace("{road}", rng.choice(ROADS))
        level = HazardLevel.MAJOR if is_major else HazardLevel.GENERAL
        criterion = finding.criterion_id if is_major else None
        year = found.astimezone(TZ).year
        self.counters[(region_code, year)] += 1
        code = f"{region_code}-{year}-{self.counters[(region_code, year)]:06d}"

        events: list[tuple[int | None, str, str, str, str, dt.datetime]] = []
        state = ""
        end = self.end
        stalled = rng.random() < 0.04  # the laggards: they stop at some step and stay open
        stall_after = rng.randint(1, 4)

        def step(actor: int | None, action: str, to: str, at: dt.datetime, note: str = "") -> bool:
            nonlocal state
            if at >= end or (stalled and len(events) > stall_after and action != A.OVERDUE):
                return False
            events.append((actor, action, state, to, note, at))
            state = to
            return True

        if source == HazardSource.INSPECTION:
            batch.inspections.append(
                line(
                    inspection_id,
                    self.tenant_id,
                    ent_id,
                    path,
                    department,
                    found.astimezone(TZ).date(),
                    rng.choices([k for k, _ in KINDS], weights=[w for _, w in KINDS])[0],
                    "现场检查发现问题，已责令整改",
                    True,
                    "none",
                    Decimal(rng.choice([0, 0, 0, 5000, 20000])),
                    inspector,
                    found,
                )
            )
            discovered_by = inspector
            step(inspector, A.REPORT, S.CONFIRMED, found)
            at = found
        else:
            inspection_id = 0
            discovered_by = officer if source == HazardSource.SELF_INSPECTION else inspector
            step(discovered_by, A.REPORT, S.REPORTED, found)
            at = _later(rng, found, 0.2, 5)
            if rng.random() < 0.02:
                step(inspector, A.WITHDRAW, S.WITHDRAWN, at, rng.choice(WITHDRAWALS))
                at = end
            elif not step(inspector, A.CONFIRM, S.CONFIRMED, at):
                at = end
        listed: tuple[str, int, str, dt.date] | None = None
        if is_major and at < end:
            at = _later(rng, at, 0.5, 3)
            if step(committee, A.HANDOVER, S.HANDED_OVER, at):
                batch.handovers.append((pk, self.city_of[region_id], committee, at, department))
                if rng.random() < 0.3:
                    listing_at = _later(rng, at, 1, 5)
                    deadline = (listing_at + dt.timedelta(days=rng.randint(60, 150))).date()
                    # The city committee lists, at its own level or below (authority by level).
                    level_name = rng.choice([ListingLevel.CITY, ListingLevel.COUNTY])
                    if step(committee, A.LIST_SUPERVISION, S.HANDED_OVER, listing_at):
                        listed = (
                            level_name,
                            self.city_of[region_id],
                            f"安委办督〔{year}〕{rng.randint(1, 99)}号",
                            deadline,
                        )
        plan_at = _later(rng, at, 1, 10) if at < end else end
        deadline = (
            plan_at + dt.timedelta(days=rng.randint(60, 180) if is_major else rng.randint(10, 60))
        ).date()
        planned = step(officer, A.PLAN, S.RECTIFYING, plan_at)
        at = plan_at
        if planned:
            submit_at = _later(rng, at, 3, (deadline - at.date()).days * 1.15 + 3)
            if step(officer, A.SUBMIT, S.PENDING_VERIFICATION, submit_at):
                at = _later(rng, submit_at, 0.5, 7)
                if rng.random() < 0.03 and step(
                    inspector, A.REJECT, S.RECTIFYING, at, rng.choice(REJECTIONS)
                ):
                    at = _later(rng, at, 2, 15)
                    if step(officer, A.SUBMIT, S.PENDING_VERIFICATION, at):
                        at = _later(rng, at, 0.5, 5)
                        step(inspector, A.VERIFY, S.CLOSED, at, rng.choice(ACCEPTS))
                else:
                    step(inspector, A.VERIFY, S.CLOSED, at, rng.choice(ACCEPTS))
        graded = source == HazardSource.INSPECTION or any(event[1] == A.CONFIRM for event in events)
        open_now = state not in {S.CLOSED, S.WITHDRAWN}
        overdue = open_now and planned and deadline < end.date()
        if overdue:
            moment = dt.datetime.combine(deadline + dt.timedelta(days=1), dt.time(2, 0), tzinfo=TZ)
            if moment < end:
                step(None, A.OVERDUE, state, moment)
        closed_at = events[-1][5] if state == S.CLOSED else None
        person = rng.choice(SURNAMES) + rng.choice("明华强军伟芳丽静磊洋勇艳杰涛")
        row = line(
            pk,
            self.tenant_id,
            code,
            ent_id,
            region_id,
            path,
            industry_id,
            source,
            inspection_id or None,
            title,
            description,
            location,
            level if graded else "",
            criterion if graded else None,
            discovered_by,
            found,
            state,
            person if planned else "",
            finding.measure if planned else "",
            Decimal(rng.randint(1, 400) * 500) if planned else None,
            deadline if planned else None,
            rng.choice(CONTINGENCY.get(code_name, DEFAULT_CONTINGENCY)) if planned else "",
            listed is not None,
            listed[0] if listed else "",
            listed[1] if listed else None,
            listed[2] if listed else "",
            listed[3] if listed else None,
            overdue,
            deadline + dt.timedelta(days=1) if overdue else None,
            closed_at,
            events[-1][4] if state == S.WITHDRAWN else "",
            events[-1][5],
        )
        batch.hazards.append(row)
        for actor, action, before, after, note, moment in events:
            data = (
                "{}"
                if action != A.REPORT
                else _report_data(level if source == HazardSource.INSPECTION else "")
            )
            self.event_seq += 1
            # The note as the table keeps it (copying.text escapes only the backslashes)
            stored = note.replace("\t", " ").replace("\n", " ").replace("\r", " ")
            batch.events.append(
                (self.event_seq, pk, actor or None, action, before, after, stored, data, moment)
            )


def _json(value: str) -> str:
    """A string as jsonb's text output writes it (the same escapes as json.dumps without ensure_ascii)."""
    return json.dumps(value, ensure_ascii=False)


def _report_data(level: str) -> str:
    return json.dumps({"level": level, "criterion": None})


def write_ledger(
    directory: Directory, *, hazards: int, end: dt.date, years: int, rng: random.Random
) -> tuple[dict[str, int], tuple[int, str]]:
    """Write the ledger; returns the totals and the event chain's head (seq, hash)."""
    writer = LedgerWriter(directory, hazards=hazards, end=end, years=years, rng=rng)
    return writer.write(), writer.chain_head()
