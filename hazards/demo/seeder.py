"""The demo ledger: a month-by-month history of the 2023 campaign (May to December).

Built only through the real services (every call backdated with `now=`), so each record carries the
same events, receipts, reports and verifications a real one would. Deterministic (random.Random(2023))
and idempotent: once Liaoning has hazards it does nothing.

How it works: the whole year is planned first — self-inspections, department inspections and the
enterprises' own reports, each hazard with its later steps (confirm, hand over, plan, submit, verify,
extensions, listed supervision, withdrawal) at believable times — then every step of every hazard runs
in one timeline, oldest first, so codes, document numbers and ids follow the calendar. Steps that fall
after 2023 are dropped, and the latest few records are held where they are (the year-end backlog): the
ledger ends with hazards in every state. Last, the overdue sweep of 2 January 2024 flags the laggards.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation
from PIL import Image

from organizations.choices import EnterpriseStatus, Role
from organizations.models import Department, Enterprise, Industry, Membership, Region, Tenant, User

from ..choices import HazardLevel, HazardState, InspectionKind, ItemResult, ListingLevel, StopProduction
from ..models import Criterion, Hazard, Inspection, SelfInspection
from ..services import (
    hazard_acknowledge_handover,
    hazard_confirm,
    hazard_decide_extension,
    hazard_handover,
    hazard_lift_listing,
    hazard_list_supervision,
    hazard_plan,
    hazard_report,
    hazard_request_extension,
    hazard_submit,
    hazard_verify,
    hazard_withdraw,
)
from ..services.inspections import (
    ChecklistLine,
    checklist_for,
    inspection_record,
    self_inspection_open,
    self_inspection_save,
    self_inspection_submit,
)
from ..services.overdue import overdue_sweep
from ..services.receipts import receipts_escalate
from ..standards import standards_load
from .catalogue import (
    ACCEPTS,
    APPROVALS,
    CHECKLIST_FINDINGS,
    CHECKLIST_MEASURES,
    CONTINGENCY,
    EXTENSION_REASONS,
    GENERAL,
    GIVEN_NAMES,
    KIND_WORDS,
    LIFT_NOTES,
    MAJOR,
    REFUSALS,
    REJECTIONS,
    ROADS,
    SURNAMES,
    WITHDRAWALS,
    Finding,
    G,
    category_of,
)
from .closure import demo_acceptance

TZ = ZoneInfo("Asia/Shanghai")
OVERSTATED = 12  # one general report in this many is overstated as major by the enterprise
YEAR = 2023
MONTHS = list(range(5, 13))
# The campaign ramps up over the summer and eases towards the winter shutdown.
MONTH_WEIGHTS = [0.7, 1.0, 1.2, 1.3, 1.3, 1.1, 1.0, 0.9]
# Public holidays of 2023 after May: Dragon Boat Festival, Mid-Autumn Festival and National Day.
HOLIDAYS = {dt.date(2023, 6, 22), dt.date(2023, 6, 23), dt.date(2023, 6, 24)} | {
    dt.date(2023, 9, 29) + dt.timedelta(days=offset) for offset in range(8)
}
SWEEP_DAY = dt.date(2024, 1, 2)
# The steps that would move a held hazard out of the state it is held in.
HOLD_STOPS = {
    "reported": {"confirm", "withdraw"},
    "confirmed": {"handover", "plan", "withdraw"},
    "handed_over": {"plan", "withdraw"},
}

LIAONING_TOTAL = 300
SHANXI_TOTAL = 80
MAJOR_SHARE = 0.15
MAJOR_FROM_INSPECTIONS = 0.6
GENERAL_FROM_INSPECTIONS = 0.15

DALIAN = "210000/210200/"
TAIYUAN = "140000/140100/"
NAMED = {"大连恒泰石化储运有限公司": "dl-chem", "太原汾河煤业有限公司": "ty-coal"}
DALIAN_INSPECTORS = {
    "hazardous_chemicals": "dl-yj-inspector",
    "coal_mines": "dl-yj-inspector",
    "non_coal_mines": "dl-yj-inspector",
    "industry_trade": "dl-yj-inspector",
    "construction": "dl-zj-inspector",
    "town_gas": "dl-zj-inspector",
}
GANJINGZI = "210211"


def aware(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)  # zoneinfo: no localize step


END = aware(dt.date(2023, 12, 31), 18)


def local_date(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, TZ).date()


def is_workday(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in HOLIDAYS


# ------------------------------------------------------------------ the plan


@dataclass(frozen=True)
class Listing:
    """A committee that lists hazards for supervision: its staff member (the body is their unit)."""

    user: User
    level: str
    prefix: str  # document number prefix, e.g. 大安委


@dataclass
class Site:
    """An enterprise the demo uses, with the people who act on its hazards."""

    enterprise: Enterprise
    industry: Industry
    kind: str  # key of GENERAL / MAJOR
    officer: User
    head: User
    inspector: User
    department: Department
    committees: list[Listing]
    weight: float
    months: list[int] = field(default_factory=list)  # months it files a self-inspection

    def fits(self, finding: Finding) -> bool:
        return not finding.only or any(word in self.enterprise.name for word in finding.only)


@dataclass
class Spec:
    """One hazard to be: where, when, how found, what grade."""

    site: Site
    at: dt.datetime
    level: str
    channel: str  # "inspection", "report" or "checklist"
    finding: Finding
    title: str
    description: str
    location: str
    criterion: Criterion | None
    hazard: Hazard | None = None
    hold: str = ""  # a state the hazard stays in at the end of the year (the year-end backlog)


@dataclass
class Episode:
    """A moment of discovery: a department inspection, a self-inspection or a report."""

    site: Site
    at: dt.datetime
    channel: str
    specs: list[Spec] = field(default_factory=list)
    kind: str = ""
    answers: dict[str, dict[str, str]] = field(default_factory=dict)
    extras: list[dict[str, str]] = field(default_factory=list)


Step = tuple[dt.datetime, int, Callable[[], object]]


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (90, 140, 90)).save(buffer, "PNG")
    return buffer.getvalue()


class LedgerSeeder:
    """Plans the year, then plays it through the services in calendar order."""

    def __init__(self) -> None:
        self.rng = random.Random(2023)
        # Lifting listings draws from its own generator, so the rest of the year stays as it was planned.
        self.listing_rng = random.Random(2023_12)
        self.steps: list[Step] = []
        self.sequence = 0
        self.password_hash = ""
        self.photo = _png()
        self.criteria = {
            f"{c.standard.key}:{c.number}": c
            for c in Criterion.objects.filter(standard__is_current=True).select_related("standard")
        }
        self.criterion_keys = {c.pk: key for key, c in self.criteria.items()}
        self.documents: dict[str, int] = {}
        self.checklists: dict[int, list[ChecklistLine]] = {}
        self.general_reports = 0  # every OVERSTATED-th general report is sent in as major, then regraded
        self.committee_regions: dict[int, Region] = {}

    # -------------------------------------------------------------- people and places

    def user(self, username: str) -> User:
        return User.objects.get(username=username)

    def enterprise_user(self, enterprise: Enterprise, role: str, suffix: str) -> User:
        username = f"ent-{enterprise.pk}-{suffix}"
        user = User.objects.filter(username=username).first()
        if user is None:
            if not self.password_hash:
                user = User(username=username)
                user.set_password(settings.DEMO_PASSWORD)
                # One hash for every new account: hashing a hundred times would take a minute.
                self.password_hash = user.password
            user = User.objects.create(
                username=username,
                tenant_id=enterprise.tenant_id,
                full_name=self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_NAMES),
                phone=f"139{self.rng.randint(10000000, 99999999)}",
                password=self.password_hash,
            )
        Membership.objects.get_or_create(
            tenant_id=enterprise.tenant_id, user=user, role=role, enterprise=enterprise
        )
        return User.objects.get(pk=user.pk)  # a fresh object: scope_for memoises on the instance

    def department_of(self, inspector: User) -> Department:
        membership = Membership.objects.select_related("department").get(user=inspector, role=Role.INSPECTOR)
        assert membership.department is not None
        return membership.department

    def sites(self, tenant: Tenant) -> list[Site]:
        if tenant.slug == "liaoning":
            prefix, coverage = DALIAN, DALIAN_INSPECTORS
            city = Listing(self.user("dl-committee"), ListingLevel.CITY, "大安委")
            county = Listing(self.user("gjz-committee"), ListingLevel.COUNTY, "甘安委")
        else:
            prefix, coverage = TAIYUAN, {"coal_mines": "ty-yj-inspector", "non_coal_mines": "ty-yj-inspector"}
            city = Listing(self.user("ty-committee"), ListingLevel.CITY, "并安委")
            county = city
        inspectors = {code: self.user(name) for code, name in coverage.items()}
        departments = {user.pk: self.department_of(user) for user in inspectors.values()}
        enterprises = (
            Enterprise.objects.filter(tenant=tenant, region_path__startswith=prefix)
            .select_related("region")
            .prefetch_related("industries")
            .order_by("pk")
        )
        sites: list[Site] = []
        for enterprise in enterprises:
            industry = next((i for i in enterprise.industries.all() if i.code in coverage), None)
            if industry is None or enterprise.status != EnterpriseStatus.OPERATING:
                continue
            named = NAMED.get(enterprise.name)
            if named:
                officer, head = self.user(f"{named}-officer"), self.user(f"{named}-head")
            else:
                officer = self.enterprise_user(enterprise, Role.ENTERPRISE_OFFICER, "officer")
                head = self.enterprise_user(enterprise, Role.ENTERPRISE_HEAD, "head")
            kind = {"coal_mines": "coal", "non_coal_mines": "nonmetal"}.get(industry.code, industry.code)
            inspector = inspectors[industry.code]
            committees = [city]
            if enterprise.region.code == GANJINGZI:
                committees.append(county)
            sites.append(
                Site(
                    enterprise=enterprise,
                    industry=industry,
                    kind=kind,
                    officer=officer,
                    head=head,
                    inspector=inspector,
                    department=departments[inspector.pk],
                    committees=committees,
                    weight=6.0 if named else self.rng.choice([0.6, 1.0, 1.0, 1.5, 2.0]),
                )
            )
        return sites

    # -------------------------------------------------------------- time

    def random_moment(self, *, office: bool) -> dt.datetime:
        month = self.rng.choices(MONTHS, weights=MONTH_WEIGHTS)[0]
        last = (dt.date(YEAR + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
        day = dt.date(YEAR, month, self.rng.randint(1, last))
        if office:
            while not is_workday(day):
                day -= dt.timedelta(days=1)
            day = max(day, dt.date(YEAR, 5, 4))
        return aware(day, self.rng.randint(8, 16), self.rng.choice([0, 10, 20, 30, 40, 50]))

    def later(self, moment: dt.datetime, low: int, high: int, *, office: bool = False) -> dt.datetime:
        """A moment `low`..`high` days after `moment`, in working hours; officials keep to workdays."""
        today = local_date(moment)
        day = today + dt.timedelta(days=self.rng.randint(low, high))
        while office and not is_workday(day):
            day += dt.timedelta(days=1)
        candidate = aware(day, self.rng.randint(8, 17), self.rng.choice([0, 15, 30, 45]))
        if candidate <= moment + dt.timedelta(minutes=20):
            candidate = moment + dt.timedelta(minutes=self.rng.randint(30, 150))
        return candidate

    # -------------------------------------------------------------- discovery

    def pick(self, site: Site, level: str) -> tuple[Finding, Criterion | None]:
        pool = MAJOR[site.kind] if level == HazardLevel.MAJOR else GENERAL[site.kind]
        finding = self.rng.choice([f for f in pool if site.fits(f)])
        return finding, self.criteria.get(finding.criterion) if finding.criterion else None

    def spec(self, site: Site, at: dt.datetime, level: str, channel: str) -> Spec:
        finding, criterion = self.pick(site, level)
        description, location = self.fill(finding)
        return Spec(site, at, level, channel, finding, finding.title, description, location, criterion)

    def fill(self, finding: Finding) -> tuple[str, str]:
        """The finding's description and location, naming the same tank, face or building."""
        n, road = self.rng.randint(1, 8), self.rng.choice(ROADS)
        return finding.description.format(n=n, road=road), finding.location.format(n=n, road=road)

    def checklist(self, enterprise: Enterprise) -> list[ChecklistLine]:
        if enterprise.pk not in self.checklists:
            self.checklists[enterprise.pk] = checklist_for(enterprise)
        return self.checklists[enterprise.pk]

    def standard_item(self, line: ChecklistLine) -> str:
        """ "standard-key:number" of a criterion line; "" for a general item."""
        return self.criterion_keys.get(line.criterion_id, "") if line.criterion_id else ""

    def self_inspection_episode(self, site: Site, month: int) -> Episode:
        rng = self.rng
        day = dt.date(YEAR, month, rng.randint(20, 28))
        episode = Episode(site, aware(day, rng.randint(14, 17), rng.choice([0, 20, 40])), "checklist")
        lines = self.checklist(site.enterprise)
        other = "coal-mines-2020" if site.kind == "nonmetal" else "metal-nonmetal-mines-2022"
        own_majors = {f.criterion: f for f in MAJOR[site.kind] if site.fits(f)}
        hazard_line: str | None = None
        roll = rng.random()
        if roll < 0.035:
            keys = [line.key for line in lines if self.standard_item(line) in own_majors]
            hazard_line = rng.choice(keys) if keys else None
        elif roll < 0.14:
            hazard_line = rng.choice([line.key for line in lines if line.general_code])
        extra: Spec | None = None
        if 0.14 <= roll < 0.25:
            # Something the checklist does not name, written down as a free-form hazard.
            extra = self.spec(site, episode.at, HazardLevel.GENERAL, "checklist")
            extra.title = extra.description[:200]
            episode.extras.append(
                {
                    "description": extra.description,
                    "location": extra.location,
                    "category": category_of(extra.title, extra.description),
                }
            )
        for line in lines:
            key = self.standard_item(line)
            if line.key == hazard_line:
                if line.general_code:
                    description, location = CHECKLIST_FINDINGS[line.general_code]
                    finding = G(line.label, description, location, CHECKLIST_MEASURES[line.general_code])
                    level, criterion = HazardLevel.GENERAL, None
                else:
                    finding = own_majors[key]
                    description, location = self.fill(finding)
                    level, criterion = HazardLevel.MAJOR, self.criteria[key]
                episode.answers[line.key] = {
                    "result": ItemResult.HAZARD,
                    "category": category_of(finding.title, description),
                    "description": description,
                    "location": location,
                }
                episode.specs.append(
                    Spec(
                        site,
                        episode.at,
                        level,
                        "checklist",
                        finding,
                        line.label,
                        description,
                        location,
                        criterion,
                    )
                )
            elif key.startswith((other, "fireworks", "civil-explosives")) or (
                line.criterion_id and rng.random() < 0.06
            ):
                episode.answers[line.key] = {"result": ItemResult.NOT_APPLICABLE}
            else:
                episode.answers[line.key] = {"result": ItemResult.OK}
        if extra is not None:  # submitted after the checklist lines, so its record comes after theirs
            episode.specs.append(extra)
        return episode

    def plan_tenant(self, sites: list[Site], total: int) -> list[Episode]:
        rng = self.rng
        episodes: list[Episode] = []
        # Monthly self-inspections: the named enterprises every month, most others for a run of months.
        for site in sites:
            if site.enterprise.name in NAMED:
                site.months = list(MONTHS)
            elif site.enterprise.region_path.startswith(DALIAN) and rng.random() < 0.7:
                start = rng.randint(6, 10)
                site.months = [m for m in range(start, 13) if rng.random() < 0.7]
            episodes += [self.self_inspection_episode(site, month) for month in site.months]
        from_checklists = [spec for episode in episodes for spec in episode.specs]
        checklist_majors = sum(spec.level == HazardLevel.MAJOR for spec in from_checklists)
        majors = round(total * MAJOR_SHARE)
        major_inspections = round(majors * MAJOR_FROM_INSPECTIONS)
        major_reports = majors - major_inspections - checklist_majors
        generals = total - majors
        general_inspections = round(generals * GENERAL_FROM_INSPECTIONS)
        general_reports = generals - general_inspections - (len(from_checklists) - checklist_majors)

        weights = [site.weight for site in sites]
        # Department inspections: each major finding in an inspection of its own, general findings
        # spread over those and further inspections; a few find nothing.
        inspections = [
            Episode(site, self.random_moment(office=True), "inspection")
            for site in rng.choices(
                sites, weights=weights, k=major_inspections + general_inspections // 2 + 4
            )
        ]
        for index, episode in enumerate(inspections):
            if index < major_inspections:
                episode.specs.append(self.spec(episode.site, episode.at, HazardLevel.MAJOR, "inspection"))
        for _ in range(general_inspections):
            episode = rng.choice(inspections[: major_inspections + general_inspections // 2])
            episode.specs.append(self.spec(episode.site, episode.at, HazardLevel.GENERAL, "inspection"))
        for episode in inspections:
            major = any(spec.level == HazardLevel.MAJOR for spec in episode.specs)
            episode.kind = rng.choices(
                [
                    InspectionKind.UNANNOUNCED,
                    InspectionKind.ROUTINE,
                    InspectionKind.COVERT,
                    InspectionKind.CROSS_REGION,
                    InspectionKind.EXPERT_ASSISTED,
                    InspectionKind.REINSPECTION,
                ],
                weights=[45, 15, 15, 10, 15, 0] if major else [35, 30, 10, 8, 10, 7],
            )[0]
        episodes += inspections
        for level, count in ((HazardLevel.MAJOR, major_reports), (HazardLevel.GENERAL, general_reports)):
            for site in rng.choices(sites, weights=weights, k=max(count, 0)):
                at = self.random_moment(office=False)
                episodes.append(Episode(site, at, "report", [self.spec(site, at, level, "report")]))
        self.hold_backlog([spec for episode in episodes for spec in episode.specs])
        return episodes

    @staticmethod
    def hold_backlog(specs: list[Spec]) -> None:
        """Leave the latest records of the year waiting, so the ledger ends with work in every state."""
        latest = sorted(specs, key=lambda spec: spec.at, reverse=True)
        handed = next(
            (s for s in latest if s.level == HazardLevel.MAJOR and local_date(s.at) <= dt.date(YEAR, 12, 20)),
            None,
        )
        if handed:  # handed over; the enterprise has not filed its plan yet
            handed.hold = HazardState.HANDED_OVER
        confirmed = next((s for s in latest if s.channel == "inspection" and not s.hold), None)
        if confirmed:  # found by an inspection (so confirmed at once); nothing done since
            confirmed.hold = HazardState.CONFIRMED
        reported = next((s for s in latest if s.channel != "inspection" and not s.hold), None)
        if reported:  # reported by the enterprise; no regulator has graded it yet
            reported.hold = HazardState.REPORTED

    # -------------------------------------------------------------- the life of one hazard

    def schedule(self, at: dt.datetime, action: Callable[..., object], *args: object) -> None:
        self.sequence += 1
        self.steps.append((at, self.sequence, functools.partial(action, *args)))

    def plan_life(self, spec: Spec) -> None:
        """Plan every later step of one hazard; steps after the end of 2023 never happen."""
        rng, site = self.rng, spec.site
        chain: list[tuple[dt.datetime, Callable[..., object], tuple[object, ...]]] = []
        major = spec.level == HazardLevel.MAJOR
        t = spec.at
        committee = rng.choice(site.committees)
        withdrawn = rng.random() < 0.035 and not spec.hold
        if spec.channel != "inspection":
            t = self.later(t, 0, 12 if rng.random() < 0.05 else 3, office=True)
            if withdrawn:
                chain.append((t, self.withdraw, (spec, rng.choice([site.inspector, committee.user]))))
                return self.commit(chain, spec.hold)
            if major:
                confirmer = site.inspector if rng.random() < 0.8 else committee.user
            else:
                confirmer = site.head if rng.random() < 0.7 else site.inspector
            chain.append((t, self.confirm, (spec, confirmer)))
        elif withdrawn:
            t = self.later(t, 1, 6, office=True)
            # A finding graded major is withdrawn only with the authority that would verify it: before any
            # handover that is the committee (hazards.services.permissions.holds_major_authority).
            chain.append((t, self.withdraw, (spec, committee.user if major else site.inspector)))
            return self.commit(chain, spec.hold)
        listing_deadline: dt.date | None = None
        if major:
            t = self.later(t, 0, 3, office=True)
            chain.append(
                (t, self.handover, (spec, committee.user if rng.random() < 0.65 else site.inspector))
            )
            if rng.random() < 0.93:
                t = self.later(t, 0, 2, office=True)
                chain.append((t, self.acknowledge, (spec,)))
            if rng.random() < 0.4:
                t = self.later(t, 1, 6, office=True)
                listing_deadline = local_date(t) + dt.timedelta(days=rng.randint(60, 120))
                chain.append((t, self.list_supervision, (spec, committee, listing_deadline)))
            t = self.later(t, 1, 5)
            span = rng.randint(30, 90)
        else:
            t = self.later(t, 0, 4)
            span = rng.randint(7, 30)
        planned = local_date(t)
        deadline = planned + dt.timedelta(days=span)
        if listing_deadline:
            deadline = min(deadline, listing_deadline)
        laggard = dt.date(YEAR, 8, 1) <= local_date(spec.at) <= dt.date(YEAR, 11, 15) and rng.random() < (
            0.25 if major else 0.07
        )
        if laggard:  # rectification stalls: the deadline falls in late 2023 and passes
            deadline = max(
                planned + dt.timedelta(days=7), min(deadline, dt.date(YEAR, 12, rng.randint(1, 26)))
            )
        chain.append((t, self.plan, (spec, deadline)))
        if rng.random() < (0.35 if laggard else 0.15 if major else 0.02):
            request = aware(deadline - dt.timedelta(days=rng.randint(3, 10)), rng.randint(9, 16))
            if request <= t:
                request = self.later(t, 1, 3)
            new_deadline = deadline + dt.timedelta(days=rng.randint(15, 45))
            chain.append((request, self.request_extension, (spec, new_deadline)))
            t = self.later(request, 1, 4, office=True)
            approved = rng.random() < (0.3 if laggard else 0.7)
            decider = committee.user if rng.random() < 0.5 else site.inspector
            chain.append((t, self.decide_extension, (spec, decider, approved)))
            if approved and not laggard:
                deadline = new_deadline
        if laggard:
            return self.commit(chain, spec.hold)
        left = max((deadline - local_date(t)).days, 1)
        submitted = aware(
            local_date(t) + dt.timedelta(days=rng.randint(max(left // 3, 1), left)), rng.randint(9, 17)
        )
        t = max(submitted, t + dt.timedelta(hours=2))
        chain.append((t, self.submit, (spec,)))
        if major:
            verifier = site.inspector if rng.random() < 0.75 else committee.user
            if listing_deadline:  # a listed major hazard is verified by its listing body (or above)
                verifier = committee.user
        elif spec.channel == "inspection":
            verifier = site.inspector
        else:
            verifier = site.head if rng.random() < 0.65 else site.inspector
        if rng.random() < 0.08:
            regulator = committee.user if verifier == committee.user else site.inspector
            t = self.later(t, 1, 6, office=True)
            chain.append((t, self.verify, (spec, regulator, False)))
            t = self.later(t, 3, 12)
            chain.append((t, self.submit, (spec,)))
        t = self.later(t, 1, 7, office=verifier != site.head)
        if major and spec.channel == "inspection" and verifier == site.inspector and rng.random() < 0.6:
            chain.append((t, self.reinspect, (spec,)))
            t += dt.timedelta(minutes=rng.randint(20, 90))
        chain.append((t, self.verify, (spec, verifier, True)))
        if listing_deadline and self.listing_rng.random() < 0.7:
            # The listing body lifts its listing (摘牌) a few working days after the closure.
            day = local_date(t) + dt.timedelta(days=self.listing_rng.randint(2, 12))
            while not is_workday(day):
                day += dt.timedelta(days=1)
            chain.append(
                (aware(day, self.listing_rng.randint(9, 16), 30), self.lift_listing, (spec, committee))
            )
        return self.commit(chain, spec.hold)

    def commit(
        self, chain: list[tuple[dt.datetime, Callable[..., object], tuple[object, ...]]], hold: str
    ) -> None:
        stops = HOLD_STOPS.get(hold, set())
        for at, action, args in chain:
            if at > END or getattr(action, "__name__", "") in stops:
                break
            self.schedule(at, action, *args, at)

    # -------------------------------------------------------------- steps (each one service call)

    def discover(self, episode: Episode, at: dt.datetime) -> None:
        site = episode.site
        if episode.channel == "report":
            spec = episode.specs[0]
            # A major hazard the enterprise finds it reports as major itself, citing the criterion
            # (hazards/services/majors.py); the regulator then confirms the grade.
            major = spec.level == HazardLevel.MAJOR and spec.criterion is not None
            cited = spec.criterion
            if spec.level == HazardLevel.GENERAL:
                # Now and then the enterprise overstates: it reports a general hazard as major, citing a
                # criterion of its standard, and the regulator regrades it general with its reason.
                self.general_reports += 1
                candidates = [
                    f.criterion for f in MAJOR[site.kind] if site.fits(f) and f.criterion in self.criteria
                ]
                if self.general_reports % OVERSTATED == 0 and candidates:
                    major, cited = True, self.criteria[candidates[0]]
            spec.hazard = hazard_report(
                actor=site.officer if self.rng.random() < 0.8 else site.head,
                enterprise=site.enterprise,
                industry=site.industry,
                title=spec.title,
                description=spec.description,
                location=spec.location,
                category=category_of(spec.title, spec.description),
                level=HazardLevel.MAJOR if major else "",
                criterion=cited if major else None,
                now=at,
            )
        elif episode.channel == "checklist":
            draft = self_inspection_open(
                actor=site.officer, enterprise=site.enterprise, period=local_date(at)
            )
            found = len(episode.specs)
            self_inspection_save(
                actor=site.officer,
                self_inspection=draft,
                answers=episode.answers,
                extra_hazards=episode.extras,
                note=f"本月共自查{len(episode.answers)}项，发现隐患{found}项。"
                if found
                else "本月自查未发现隐患。",
            )
            submitted = self_inspection_submit(actor=site.head, self_inspection=draft, now=at)
            for spec, hazard in zip(episode.specs, self.created(submitted), strict=True):
                spec.hazard = hazard
        else:
            majors = sum(spec.level == HazardLevel.MAJOR for spec in episode.specs)
            words = KIND_WORDS[InspectionKind(episode.kind)]
            if episode.specs:
                summary = f"开展{words}，发现事故隐患{len(episode.specs)}项"
                summary += f"，其中重大事故隐患{majors}项" if majors else ""
                summary += "，已下达责令限期整改指令书。"
            else:
                summary = f"开展{words}，未发现明显问题，已对企业负责人进行安全提醒。"
            fine = (
                Decimal(self.rng.randint(2, 20) * 10000) if majors and self.rng.random() < 0.4 else Decimal(0)
            )
            stop = StopProduction.NONE
            if majors:
                stop = self.rng.choices(
                    [StopProduction.NONE, StopProduction.PARTIAL, StopProduction.FULL], weights=[6, 3, 1]
                )[0]
            inspection = inspection_record(
                actor=site.inspector,
                enterprise=site.enterprise,
                department=site.department,
                date=local_date(at),
                kind=episode.kind,
                summary=summary,
                rectification_order=bool(episode.specs),
                stop_production=stop,
                fine_amount=fine,
                findings=[
                    {
                        "title": spec.title,
                        "description": spec.description,
                        "location": spec.location,
                        "category": category_of(spec.title, spec.description),
                        "level": spec.level,
                        "criterion": spec.criterion,
                        "industry": site.industry,
                    }
                    for spec in episode.specs
                ],
                now=at,
            )
            for spec, hazard in zip(episode.specs, self.created(inspection), strict=True):
                spec.hazard = hazard

    @staticmethod
    def created(source: SelfInspection | Inspection) -> list[Hazard]:
        return list(source.hazards.order_by("id"))

    def confirm(self, spec: Spec, actor: User, at: dt.datetime) -> None:
        major = spec.level == HazardLevel.MAJOR
        note = (
            f"经核查，符合重大事故隐患判定标准第{spec.criterion.number}项" if major and spec.criterion else ""
        )
        hazard = self.hazard(spec)
        reason = ""
        if hazard.proposed_level and actor == spec.site.head:
            actor = spec.site.inspector  # the enterprise does not grade what it reported as major
        if hazard.proposed_level and hazard.proposed_level != spec.level:
            reason = (
                f"经现场核查，该隐患不符合判定标准第{hazard.criterion.number}项所列情形，"
                "按一般事故隐患管理，责令企业限期整改。"
                if hazard.criterion
                else "经现场核查，按一般事故隐患管理。"
            )
        hazard_confirm(
            actor=actor,
            hazard=hazard,
            level=spec.level,
            criterion=spec.criterion,
            note=note,
            reason=reason,
            now=at,
        )

    def territory(self, site: Site) -> Region:
        """The territorial government a major hazard is handed to: the nearest committee over the enterprise
        that the demo staffs (Ganjingzi's own, else the city's)."""
        user = site.committees[-1].user
        if user.pk not in self.committee_regions:
            membership = Membership.objects.select_related("region").get(user=user, role=Role.COMMITTEE_STAFF)
            assert membership.region is not None
            self.committee_regions[user.pk] = membership.region
        return self.committee_regions[user.pk]

    def handover(self, spec: Spec, actor: User, at: dt.datetime) -> None:
        site = spec.site
        territory = self.territory(site)
        hazard_handover(
            actor=actor,
            hazard=self.hazard(spec),
            region=territory,
            departments=[site.department],
            note=f"移交{territory.name}人民政府及{site.department.name}跟踪督办",
            now=at,
        )

    def acknowledge(self, spec: Spec, at: dt.datetime) -> None:
        """The department and the territorial committee both acknowledge their receipts."""
        hazard_acknowledge_handover(actor=spec.site.inspector, hazard=self.hazard(spec), now=at)
        hazard_acknowledge_handover(actor=spec.site.committees[-1].user, hazard=self.hazard(spec), now=at)

    def list_supervision(self, spec: Spec, listing: Listing, deadline: dt.date, at: dt.datetime) -> None:
        number = self.documents.get(listing.prefix, 7) + self.rng.randint(1, 3)
        self.documents[listing.prefix] = number
        hazard_list_supervision(
            actor=listing.user,
            hazard=self.hazard(spec),
            level=listing.level,
            document_number=f"{listing.prefix}〔{YEAR}〕{number}号",
            deadline=deadline,
            now=at,
        )

    def lift_listing(self, spec: Spec, listing: Listing, at: dt.datetime) -> None:
        hazard_lift_listing(
            actor=listing.user,
            hazard=self.hazard(spec),
            note=self.listing_rng.choice(LIFT_NOTES),
            now=at,
        )

    def plan(self, spec: Spec, deadline: dt.date, at: dt.datetime) -> None:
        site, rng = spec.site, self.rng
        major = spec.level == HazardLevel.MAJOR
        funds = rng.randint(5, 80) * 10000 if major else rng.randint(5, 200) * 100
        hazard_plan(
            actor=site.officer,
            hazard=self.hazard(spec),
            responsible_person=(site.head if major or rng.random() < 0.5 else site.officer).full_name
            or site.head.username,
            measures=spec.finding.measure,
            funds=Decimal(funds),
            deadline=deadline,
            contingency_plan=rng.choice(CONTINGENCY[site.kind]),
            now=at,
        )

    def submit(self, spec: Spec, at: dt.datetime) -> None:
        evidence = []
        if spec.level == HazardLevel.MAJOR:
            evidence = [SimpleUploadedFile("整改照片.png", self.photo, content_type="image/png")]
        hazard_submit(
            actor=spec.site.officer,
            hazard=self.hazard(spec),
            report=f"已完成整改：{spec.finding.measure}。经企业自查验收合格，申请核查销号。",
            evidence=evidence,
            now=at,
        )

    def verify(self, spec: Spec, actor: User, accepted: bool, at: dt.datetime) -> None:
        hazard = self.hazard(spec)
        # A major hazard closes with its on-site acceptance, chosen without drawing from self.rng.
        acceptance = demo_acceptance(hazard, actor) if accepted and spec.level == HazardLevel.MAJOR else {}
        hazard_verify(
            actor=actor,
            hazard=hazard,
            accepted=accepted,
            note=self.rng.choice(ACCEPTS if accepted else REJECTIONS),
            on_site=actor != spec.site.head or self.rng.random() < 0.5,
            now=at,
            **acceptance,
        )

    def reinspect(self, spec: Spec, at: dt.datetime) -> None:
        site = spec.site
        inspection_record(
            actor=site.inspector,
            enterprise=site.enterprise,
            department=site.department,
            date=local_date(at),
            kind=InspectionKind.REINSPECTION,
            summary=f"对{self.hazard(spec).code}“{spec.title}”整改情况进行复查，整改措施已落实。",
            now=at,
        )

    def withdraw(self, spec: Spec, actor: User, at: dt.datetime) -> None:
        hazard_withdraw(actor=actor, hazard=self.hazard(spec), reason=self.rng.choice(WITHDRAWALS), now=at)

    def request_extension(self, spec: Spec, new_deadline: dt.date, at: dt.datetime) -> None:
        hazard_request_extension(
            actor=spec.site.officer,
            hazard=self.hazard(spec),
            new_deadline=new_deadline,
            reason=self.rng.choice(EXTENSION_REASONS),
            now=at,
        )

    def decide_extension(self, spec: Spec, actor: User, approved: bool, at: dt.datetime) -> None:
        hazard_decide_extension(
            actor=actor,
            hazard=self.hazard(spec),
            approved=approved,
            note=self.rng.choice(APPROVALS if approved else REFUSALS),
            now=at,
        )

    @staticmethod
    def hazard(spec: Spec) -> Hazard:
        assert spec.hazard is not None, "a step ran before its hazard was discovered"
        return spec.hazard

    # -------------------------------------------------------------- the whole year

    def run(self) -> None:
        episodes: list[Episode] = []
        for slug, total in (("liaoning", LIAONING_TOTAL), ("shanxi", SHANXI_TOTAL)):
            tenant = Tenant.objects.get(slug=slug)
            episodes += self.plan_tenant(self.sites(tenant), total)
        episodes.sort(key=lambda episode: episode.at)
        for episode in episodes:
            self.schedule(episode.at, self.discover, episode, episode.at)
            for spec in episode.specs:
                self.plan_life(spec)
        self.steps.sort(key=lambda step: (step[0], step[1]))
        for _at, _sequence, action in self.steps:
            action()
        overdue_sweep(today=SWEEP_DAY, now=aware(SWEEP_DAY, 1, 30))
        # The handovers nobody acknowledged go up to the committee above, as the daily job would have.
        for tenant in Tenant.objects.filter(slug__in=["liaoning", "shanxi"]).order_by("pk"):
            receipts_escalate(tenant=tenant, today=SWEEP_DAY, now=aware(SWEEP_DAY, 1, 35))


def seed_ledger() -> None:
    """Seed the 2023 demo ledger once: nothing happens if Liaoning already has hazards."""
    if not Tenant.objects.filter(slug="liaoning").exists():
        return
    if Hazard.objects.filter(tenant__slug="liaoning").exists():
        return
    # Stored texts (checklist labels, notifications) are written in the demo's language.
    with translation.override(settings.LANGUAGE_CODE), transaction.atomic():
        if not Criterion.objects.exists():
            standards_load()  # loaded by a migration, but a flushed test database may have lost them
        LedgerSeeder().run()
