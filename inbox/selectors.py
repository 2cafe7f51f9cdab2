"""What awaits a user — the to-do inbox (待办) — read from the registers' own state in the user's scope.

Nothing is stored: an item is a row some register holds in a state that waits on the user (a receipt not
acknowledged, a hazard pending verification, a spot check assigned…), so it is gone the moment the work is
done. Each kind is one query that starts from `visible_to(actor)` and narrows to what waits on the user's
own units; the counts of every kind are one statement (the badge in the navigation, on every page).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.choices import SpotCheckState
from accountability.models import SpotCheck
from campaigns.choices import CampaignStatus, TaskStatus
from campaigns.models import Task
from core.months import first_of_month, last_day_of_month
from core.own_writes import last_own_write
from core.paging import first_rows
from core.scoping import any_of, path_within
from disclosure.choices import TipOffStatus
from disclosure.models import TipOff
from hazards.choices import OPEN_STATES, HazardLevel, HazardState, SelfInspectionStatus
from hazards.enforcement import due_to_file
from hazards.models import HandoverReceipt, Hazard, Inspection, Recheck, SelfInspection
from organizations.choices import DEPARTMENT_ROLES, Role
from organizations.models import Enterprise, User
from organizations.scoping import Scope, scope_for

from .choices import InboxKind

# The most items of one kind the inbox lists (the count still says how many there are).
ITEMS_PER_KIND = 50


@dataclass(frozen=True)
class InboxItem:
    """One piece of work waiting on the user, and the page where it is done."""

    kind: InboxKind
    title: str
    url: str
    due: dt.date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class InboxSection:
    kind: InboxKind
    count: int
    items: list[InboxItem]

    @property
    def label(self) -> str:
        return str(self.kind.label)


# ------------------------------------------------------------------ who the user is towards a row


def _is_committee(scope: Scope) -> bool:
    return Role.COMMITTEE_STAFF in scope.roles and bool(scope.committee_paths)


def _department_ids(scope: Scope) -> frozenset[int]:
    """The departments the user works for as inspector or head."""
    return scope.department_ids if scope.roles & DEPARTMENT_ROLES else frozenset()


def _committee_over(scope: Scope, path_field: str = "region_path") -> list[Q]:
    return path_within(path_field, scope.committee_paths) if _is_committee(scope) else []


def _handed_to_mine(scope: Scope) -> list[Q]:
    """Hazards handed over to one of the user's departments."""
    departments = _department_ids(scope)
    if not departments:
        return []
    receipts = HandoverReceipt.objects.filter(
        tenant_id=OuterRef("tenant_id"), handover__hazard_id=OuterRef("pk"), department_id__in=departments
    )
    return [Q(Exists(receipts))]


def _regulated_by_mine(scope: Scope) -> list[Q]:
    """Hazards one of the user's departments regulates (industry and region) or was handed."""
    if not scope.roles & DEPARTMENT_ROLES:
        return []
    covering = [
        Q(region_path__startswith=coverage.region_path, industry_id__in=coverage.industry_ids)
        for coverage in scope.departments
    ]
    return covering + _handed_to_mine(scope)


def _soon(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=settings.DUE_SOON_DAYS)


# ------------------------------------------------------------------ one query per kind


def _handovers(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    """Receipts addressed to the user's departments or committees, not acknowledged yet."""
    mine: list[Q] = []
    if departments := _department_ids(scope):
        mine.append(Q(department_id__in=departments))
    if _is_committee(scope) and scope.committee_region_ids:
        mine.append(Q(region_id__in=scope.committee_region_ids))
    if not mine:
        return None
    return (
        HandoverReceipt.objects.visible_to(actor)
        .filter(any_of(mine), acknowledged_at__isnull=True)
        .select_related("handover__hazard__enterprise")
        .order_by("receipt_deadline", "pk")
    )


def _confirm(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    """Hazards the user's units oversee that wait on a regulator: reported (confirm), or confirmed major
    (hand over)."""
    oversee = _committee_over(scope) + _regulated_by_mine(scope)
    if not oversee:
        return None
    # One list of states first, so that the waiting-states index serves it in one index-only scan.
    waiting = Q(state__in=[HazardState.REPORTED, HazardState.CONFIRMED]) & (
        Q(state=HazardState.REPORTED) | Q(level=HazardLevel.MAJOR)
    )
    return (
        Hazard.objects.visible_to(actor)
        .filter(waiting, any_of(oversee))
        .select_related("enterprise")
        .order_by("discovered_at", "pk")
    )


def _verify(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    """Rectifications submitted for verification that the user may verify (DESIGN.md section 5): a general
    hazard by its enterprise's head, a regulator or the committee; a major one by an inspector of a department
    it was handed over to, or the committee."""
    general, major = ~Q(level=HazardLevel.MAJOR), Q(level=HazardLevel.MAJOR)
    who = _committee_over(scope)
    if regulated := _regulated_by_mine(scope):
        who.append(general & any_of(regulated))
    if Role.INSPECTOR in scope.roles and (handed := _handed_to_mine(scope)):
        who.append(major & any_of(handed))
    if scope.head_enterprise_ids:
        who.append(general & Q(enterprise_id__in=scope.head_enterprise_ids))
    if not who:
        return None
    return (
        Hazard.objects.visible_to(actor)
        .filter(any_of(who), state=HazardState.PENDING_VERIFICATION)
        .select_related("enterprise")
        .order_by("deadline", "pk")
    )


def _plan(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    """The enterprise's hazards that wait for its rectification plan (a major one once handed over)."""
    if not scope.enterprise_ids:
        return None
    ready = Q(state=HazardState.HANDED_OVER) | (Q(state=HazardState.CONFIRMED) & ~Q(level=HazardLevel.MAJOR))
    return (
        Hazard.objects.visible_to(actor)
        .filter(ready, enterprise_id__in=scope.enterprise_ids)
        .select_related("enterprise")
        .order_by("discovered_at", "pk")
    )


def _rectification(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    """The enterprise's rectifications whose deadline is near or past."""
    if not scope.enterprise_ids:
        return None
    return (
        Hazard.objects.visible_to(actor)
        .filter(
            state=HazardState.RECTIFYING, deadline__lte=_soon(today), enterprise_id__in=scope.enterprise_ids
        )
        .select_related("enterprise")
        .order_by("deadline", "pk")
    )


def _listing(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    """Listings the user's unit made (it is the listing body): open ones near or past their deadline, and
    closed ones that wait for the listing to be lifted."""
    body: list[Q] = []
    if departments := _department_ids(scope):
        body.append(Q(listing_department_id__in=departments))
    if _is_committee(scope) and scope.committee_region_ids:
        body.append(Q(listing_committee_id__in=scope.committee_region_ids))
    if not body:
        return None
    due = Q(state__in=OPEN_STATES, listing_deadline__lte=_soon(today)) | Q(state=HazardState.CLOSED)
    return (
        Hazard.objects.visible_to(actor)
        .filter(any_of(body), due, listed=True, listing_lifted_at__isnull=True)
        .select_related("enterprise")
        .order_by("listing_deadline", "pk")
    )


def _self_inspection(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    """The user's enterprises that owe this month's self-inspection and have not submitted it."""
    if not scope.enterprise_ids:
        return None
    month = first_of_month(today)
    this_month = SelfInspection.objects.filter(
        tenant_id=OuterRef("tenant_id"), enterprise_id=OuterRef("pk"), period=month
    )
    return (
        due_to_file(Enterprise.objects.visible_to(actor).filter(pk__in=scope.enterprise_ids), month)
        .annotate(
            inspection_id=Subquery(this_month.values("pk")[:1]),
            inspection_status=Subquery(this_month.values("status")[:1]),
        )
        .filter(Q(inspection_id__isnull=True) | Q(inspection_status=SelfInspectionStatus.DRAFT))
        .order_by("name", "pk")
    )


def _task(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    """Tasks of running campaigns assigned to the user's departments or committees, near or past due."""
    mine: list[Q] = []
    if departments := _department_ids(scope):
        by_department = Task.departments.through.objects.filter(department_id__in=departments)
        mine.append(Q(pk__in=by_department.values("task_id")))
    if _is_committee(scope) and scope.committee_region_ids:
        by_region = Task.regions.through.objects.filter(region_id__in=scope.committee_region_ids)
        mine.append(Q(pk__in=by_region.values("task_id")))
    if not mine:
        return None
    return (
        Task.objects.visible_to(actor)
        .filter(any_of(mine), campaign__status=CampaignStatus.ACTIVE, due_date__lte=_soon(today))
        .exclude(status=TaskStatus.DONE)
        .order_by("due_date", "pk")
    )


def _tip_off(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    """Tip-offs waiting for triage, and leads waiting to be assigned, in the committee's regions (the tenant's
    administrator triages too)."""
    to_triage = Q(status=TipOffStatus.RECEIVED)
    if scope.is_tenant_admin:
        waiting = to_triage
    elif over := _committee_over(scope):
        waiting = any_of(over) & (to_triage | Q(status=TipOffStatus.LEAD, department__isnull=True))
    else:
        return None
    return TipOff.objects.visible_to(actor).filter(waiting).order_by("created_at", "pk")


def _lead(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    """Leads assigned to the user's departments that no inspection has cited yet."""
    if not (departments := _department_ids(scope)):
        return None
    cited = Inspection.objects.filter(tenant_id=OuterRef("tenant_id"), tip_off_id=OuterRef("pk"))
    return (
        TipOff.objects.visible_to(actor)
        .filter(status=TipOffStatus.LEAD, department_id__in=departments)
        .exclude(Exists(cited))
        .order_by("assigned_at", "pk")
    )


def _spot_check(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    if not (departments := _department_ids(scope)):
        return None
    return (
        SpotCheck.objects.visible_to(actor)
        .filter(state=SpotCheckState.ASSIGNED, department_id__in=departments)
        .select_related("enterprise")
        .order_by("month", "pk")
    )


def _recheck(actor: User, scope: Scope, today: dt.date) -> QuerySet[Any] | None:
    if not (departments := _department_ids(scope)):
        return None
    return (
        Recheck.objects.visible_to(actor)
        .filter(recorded_at__isnull=True, department_id__in=departments)
        .select_related("hazard__enterprise")
        .order_by("month", "pk")
    )


# ------------------------------------------------------------------ each row as an item


def _hazard_line(hazard: Hazard) -> str:
    return f"{hazard.code} {hazard.title} · {hazard.enterprise.name}"


def _handover_item(receipt: HandoverReceipt, today: dt.date) -> InboxItem:
    hazard = receipt.handover.hazard
    return InboxItem(
        InboxKind.HANDOVER,
        _hazard_line(hazard),
        reverse("hazard-detail", args=[hazard.pk]),
        receipt.receipt_deadline,
        receipt.receipt_deadline < today,
    )


def _hazard_item(kind: InboxKind, due_field: str | None) -> Callable[[Hazard, dt.date], InboxItem]:
    def item(hazard: Hazard, today: dt.date) -> InboxItem:
        due = getattr(hazard, due_field) if due_field else None
        return InboxItem(
            kind,
            _hazard_line(hazard),
            reverse("hazard-detail", args=[hazard.pk]),
            due,
            due is not None and due < today and hazard.state != HazardState.CLOSED,
        )

    return item


def _listing_item(hazard: Hazard, today: dt.date) -> InboxItem:
    if hazard.state == HazardState.CLOSED:
        title = _("%(hazard)s — closed: lift the listing") % {"hazard": _hazard_line(hazard)}
        return InboxItem(InboxKind.LISTING, title, reverse("hazard-detail", args=[hazard.pk]))
    return _hazard_item(InboxKind.LISTING, "listing_deadline")(hazard, today)


def _self_inspection_item(enterprise: Enterprise, today: dt.date) -> InboxItem:
    month = first_of_month(today)
    values = {"enterprise": enterprise.name, "month": f"{month:%Y-%m}"}
    if enterprise.inspection_id is None:  # type: ignore[attr-defined]
        title = _("%(enterprise)s: file the self-inspection of %(month)s") % values
        url = reverse("self-inspection-list")
    else:
        title = _("%(enterprise)s: complete and submit the self-inspection of %(month)s") % values
        url = reverse("self-inspection-edit", args=[enterprise.inspection_id])  # type: ignore[attr-defined]
    return InboxItem(InboxKind.SELF_INSPECTION, title, url, last_day_of_month(month))


def _task_item(task: Task, today: dt.date) -> InboxItem:
    return InboxItem(
        InboxKind.TASK,
        f"{task.number} {task.title}",
        reverse("task-detail", args=[task.pk]),
        task.due_date,
        task.due_date < today,
    )


def _tip_off_item(tip: TipOff, today: dt.date) -> InboxItem:
    if tip.status == TipOffStatus.RECEIVED:
        title = _("Tip-off %(code)s: triage") % {"code": tip.tracking_code}
    else:
        title = _("Tip-off %(code)s: assign the lead to a department") % {"code": tip.tracking_code}
    return InboxItem(InboxKind.TIP_OFF, title, reverse("tipoff-detail", args=[tip.pk]))


def _lead_item(tip: TipOff, today: dt.date) -> InboxItem:
    return InboxItem(
        InboxKind.LEAD,
        _("Tip-off %(code)s: inspect the lead") % {"code": tip.tracking_code},
        reverse("inspection-create") + f"?tip_off={tip.pk}",
    )


def _spot_check_item(check: SpotCheck, today: dt.date) -> InboxItem:
    title = _("%(enterprise)s: re-inspect the self-inspection of %(month)s") % {
        "enterprise": check.enterprise.name,
        "month": f"{check.month:%Y-%m}",
    }
    return InboxItem(InboxKind.SPOT_CHECK, title, reverse("spot-check-detail", args=[check.pk]))


def _recheck_item(recheck: Recheck, today: dt.date) -> InboxItem:
    return InboxItem(
        InboxKind.RECHECK,
        _hazard_line(recheck.hazard),
        reverse("recheck-list") + f"#recheck-{recheck.pk}",
        last_day_of_month(recheck.month),
        last_day_of_month(recheck.month) < today,
    )


Query = Callable[[User, Scope, dt.date], "QuerySet[Any] | None"]
Render = Callable[[Any, dt.date], InboxItem]

SOURCES: dict[InboxKind, tuple[Query, Render]] = {
    InboxKind.HANDOVER: (_handovers, _handover_item),
    InboxKind.CONFIRM: (_confirm, _hazard_item(InboxKind.CONFIRM, None)),
    InboxKind.VERIFY: (_verify, _hazard_item(InboxKind.VERIFY, "deadline")),
    InboxKind.PLAN: (_plan, _hazard_item(InboxKind.PLAN, None)),
    InboxKind.RECTIFICATION: (_rectification, _hazard_item(InboxKind.RECTIFICATION, "deadline")),
    InboxKind.LISTING: (_listing, _listing_item),
    InboxKind.SELF_INSPECTION: (_self_inspection, _self_inspection_item),
    InboxKind.TASK: (_task, _task_item),
    InboxKind.TIP_OFF: (_tip_off, _tip_off_item),
    InboxKind.LEAD: (_lead, _lead_item),
    InboxKind.SPOT_CHECK: (_spot_check, _spot_check_item),
    InboxKind.RECHECK: (_recheck, _recheck_item),
}


def _waiting(actor: User, today: dt.date) -> dict[InboxKind, QuerySet[Any]]:
    """The query of every kind that can wait on the actor (their roles decide which)."""
    scope = scope_for(actor)
    if scope.tenant_id is None:
        return {}
    found = {}
    for kind, (query, _render) in SOURCES.items():
        queryset = query(actor, scope, today)
        if queryset is not None:
            found[kind] = queryset
    return found


def _count_each(querysets: dict[InboxKind, QuerySet[Any]]) -> dict[InboxKind, int]:
    """The rows of every query counted in one statement: SELECT (SELECT count(*) FROM (…)), (…), …"""
    columns, params, kinds = [], [], []
    for kind, queryset in querysets.items():
        try:
            sql, query_params = queryset.order_by().values("pk").query.get_compiler(queryset.db).as_sql()
        except EmptyResultSet:
            continue
        # The ORM's own SQL, its values kept apart as parameters.
        columns.append(f"(SELECT count(*) FROM ({sql}) AS waiting)")  # noqa: S608
        params.extend(query_params)
        kinds.append(kind)
    counts = dict.fromkeys(querysets, 0)
    if not columns:
        return counts
    database = next(iter(querysets.values())).db
    with connections[database].cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(columns), params)
        row = cursor.fetchone()
    counts.update(zip(kinds, row, strict=True))
    return counts


def inbox_counts(*, actor: User, today: dt.date | None = None) -> dict[InboxKind, int]:
    """How many items of each kind wait on the actor (kinds their roles never have left out): one query."""
    return _count_each(_waiting(actor, today or timezone.localdate()))


def inbox_total(*, actor: User) -> int:
    """How many items wait on the actor, counted now."""
    return sum(inbox_counts(actor=actor).values())


def _badge_key(actor: User) -> str:
    # The user's last write is part of the key: after their own change the count is taken afresh.
    return f"inbox-badge:{actor.pk}:{scope_for(actor).tenant_id}:{last_own_write(actor.pk) or '-'}"


def inbox_menu_count(*, actor: User) -> int:
    """The count on the menu of every signed-in page, kept INBOX_BADGE_SECONDS per user: a department's
    count reads its whole remit (tens of milliseconds at a province's scale), and the menu is on every
    page a user opens. Their own change shows at once; the inbox page counts afresh and stores it."""
    seconds = settings.INBOX_BADGE_SECONDS
    if not seconds:
        return inbox_total(actor=actor)
    key = _badge_key(actor)
    total = cache.get(key)
    if total is None:
        total = inbox_total(actor=actor)
        cache.set(key, total, timeout=seconds)
    return int(total)


def remember_inbox_badge(*, actor: User, total: int) -> None:
    """The inbox page has just counted everything: the menu shows the same from now on."""
    if settings.INBOX_BADGE_SECONDS:
        cache.set(_badge_key(actor), total, timeout=settings.INBOX_BADGE_SECONDS)


def inbox_sections(*, actor: User, today: dt.date | None = None) -> list[InboxSection]:
    """The inbox: for each kind the actor can have, its count and up to ITEMS_PER_KIND items, earliest due
    first. One query for the counts and one per kind with any item."""
    day = today or timezone.localdate()
    querysets = _waiting(actor, day)
    counts = _count_each(querysets)
    sections = []
    for kind, queryset in querysets.items():
        render = SOURCES[kind][1]
        rows: Iterable[Any] = first_rows(queryset, ITEMS_PER_KIND) if counts[kind] else ()
        sections.append(InboxSection(kind, counts[kind], [render(row, day) for row in rows]))
    return sections
