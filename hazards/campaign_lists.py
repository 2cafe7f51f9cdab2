"""The two lists of "one table and four lists" that the ledger feeds: a campaign's problems (its general
hazards) and its major hazards. Each is a ledger filter you can follow to the rows; each row reads as a list
entry — owner unit (the enterprise), responsible position (the plan's responsible person), due date (the
rectification deadline) and state (open, in progress, done). Also the one workbook with the table of tasks
and the four lists."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from campaigns.choices import ListKind, ListState
from campaigns.list_sheets import append_list_sheet
from campaigns.models import Campaign
from campaigns.task_sheets import append_tasks_sheet
from core.spreadsheets import WorkbookWriter
from organizations.models import Industry, User

from .campaign_stats import on_campaign_lists
from .choices import HazardLevel, HazardState
from .models import Hazard

LEDGER_LISTS = (ListKind.PROBLEMS, ListKind.MAJOR_HAZARDS)
LEVEL_OF = {ListKind.PROBLEMS: HazardLevel.GENERAL, ListKind.MAJOR_HAZARDS: HazardLevel.MAJOR}
# The list states as ledger states (withdrawn records belong to no list).
LEDGER_STATES = {
    ListState.OPEN: [HazardState.REPORTED, HazardState.CONFIRMED, HazardState.HANDED_OVER],
    ListState.IN_PROGRESS: [HazardState.RECTIFYING, HazardState.PENDING_VERIFICATION],
    ListState.DONE: [HazardState.CLOSED],
}
LIST_STATE_OF = {ledger: state for state, ledgers in LEDGER_STATES.items() for ledger in ledgers}
LIMIT = 500  # rows an answer carries; the ledger link shows them all
COLUMNS = ["code", "title", "owner", "responsible_position", "due_date", "state", "ledger_state", "overdue"]


def ledger_list(*, actor: User, campaign: Campaign, kind: str, state: str | None = None) -> QuerySet[Hazard]:
    """The campaign's hazards on that list, within the actor's scope, optionally in one list state."""
    states = (
        LEDGER_STATES[ListState(state)] if state else [s for group in LEDGER_STATES.values() for s in group]
    )
    return (
        Hazard.objects.visible_to(actor)
        .filter(on_campaign_lists(campaign), level=LEVEL_OF[ListKind(kind)], state__in=states)
        .select_related("enterprise")
        .order_by("deadline", "id")
    )


def ledger_link(campaign: Campaign, kind: str, state: str | None = None) -> str:
    """The ledger page filtered to exactly the list's rows (the campaign's, the grade, the states)."""
    states = (
        LEDGER_STATES[ListState(state)] if state else [s for group in LEDGER_STATES.values() for s in group]
    )
    query = urlencode(
        {
            "campaign": campaign.pk,
            "level": LEVEL_OF[ListKind(kind)].value,
            "state": sorted(s.value for s in states),
        },
        doseq=True,
    )
    return f"{reverse('ledger')}?{query}"


def hazard_entry(hazard: Hazard) -> dict[str, Any]:
    return {
        "id": hazard.pk,
        "code": hazard.code,
        "title": hazard.title,
        "owner": hazard.enterprise.name,
        "responsible_position": hazard.responsible_person,
        "due_date": hazard.deadline,
        "state": LIST_STATE_OF[HazardState(hazard.state)].value,
        "ledger_state": hazard.state,
        "overdue": hazard.is_overdue,
        "url": reverse("hazard-detail", args=[hazard.pk]),
    }


def ledger_list_page(
    *, actor: User, campaign: Campaign, kind: str, state: str | None = None
) -> dict[str, Any]:
    """The list as the page and the API show it: counts per state, the first rows, the ledger links."""
    rows = ledger_list(actor=actor, campaign=campaign, kind=kind)
    counts = rows.order_by().aggregate(
        **{state.value: Count("pk", filter=Q(state__in=ledgers)) for state, ledgers in LEDGER_STATES.items()}
    )
    chosen = rows if not state else rows.filter(state__in=LEDGER_STATES[ListState(state)])
    entries = [hazard_entry(hazard) for hazard in chosen[: LIMIT + 1]]
    return {
        "kind": kind,
        "counts": counts,
        "ledger_link": ledger_link(campaign, kind, state),
        "state_links": {value: ledger_link(campaign, kind, value) for value in ListState.values},
        "truncated": len(entries) > LIMIT,
        "results": entries[:LIMIT],
    }


def one_table_four_lists(*, actor: User, campaign: Campaign) -> bytes:
    """One workbook: the table of tasks, then problems, major hazards, institutional measures and risks."""
    workbook = WorkbookWriter()
    append_tasks_sheet(workbook, campaign)
    for kind in LEDGER_LISTS:
        sheet = workbook.sheet(kind.value)
        sheet.append(COLUMNS)
        for hazard in ledger_list(actor=actor, campaign=campaign, kind=kind).iterator(chunk_size=2000):
            entry = hazard_entry(hazard)
            sheet.append([entry[column] for column in COLUMNS])
    for kind in (ListKind.MEASURES, ListKind.RISKS):
        append_list_sheet(workbook, campaign, kind)
    return workbook.to_bytes()


# The columns of the campaign's ledger lists as a table of their own (an export job writes it: a campaign's
# lists may hold a province's hazards). Read as tuples through a server-side cursor, like the ledger export.
TABLE_FIELDS = [
    "level",
    "code",
    "title",
    "enterprise__name",
    "region__code",
    "region__name",
    "region__name_en",
    "industry_id",
    "responsible_person",
    "deadline",
    "state",
    "is_overdue",
    "discovered_at",
]


def campaign_lists_table(*, actor: User, campaign: Campaign) -> tuple[list[str], int, Iterator[list[Any]]]:
    """The header, the number of rows and the rows of the campaign's problems and major hazards in the
    actor's scope: regions and industries by name (the region's code beside it), dates as dates."""
    queryset = (
        Hazard.objects.visible_to(actor)
        .filter(
            on_campaign_lists(campaign),
            level__in=list(LEVEL_OF.values()),
            state__in=[state for states in LEDGER_STATES.values() for state in states],
        )
        .order_by("-level", "deadline", "id")  # major hazards first
    )
    english = (get_language() or "").startswith("en")
    industries = {i.pk: i.display_name for i in Industry.objects.filter(tenant_id=campaign.tenant_id)}
    list_of = {level: str(ListKind(kind).label) for kind, level in LEVEL_OF.items()}
    list_states = {value: str(ListState(state).label) for value, state in LIST_STATE_OF.items()}
    ledger_states = {value: str(label) for value, label in HazardState.choices}
    yes = _("Yes")
    header = [
        _("List"),
        _("Code"),
        _("Title"),
        _("Enterprise"),
        _("Region"),
        _("Region code"),
        _("Industry"),
        _("Responsible person"),
        _("Due date"),
        _("State"),
        _("Ledger state"),
        _("Overdue"),
        _("Found"),
    ]

    def line(row: tuple[Any, ...]) -> list[Any]:
        level, code, title, enterprise, region_code, region, region_en, industry, person, due = row[:10]
        state, overdue, found = row[10:]
        return [
            list_of.get(level, ""),
            code,
            title,
            enterprise,
            (english and region_en) or region,
            region_code,
            industries.get(industry, ""),
            person,
            due,
            list_states.get(state, ""),
            ledger_states.get(state, ""),
            yes if overdue else "",
            found,
        ]

    rows = (line(row) for row in queryset.values_list(*TABLE_FIELDS).iterator(chunk_size=2000))
    return [str(h) for h in header], queryset.count(), rows
