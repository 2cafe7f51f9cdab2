"""What each kind of export writes: a title, a header, the number of rows and the rows themselves, read in
the requester's scope. Built once when the export is asked for (bad filters are a 400, a role that may not
read the rankings a 403, another tenant's campaign a 404) and again by the worker that writes the file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from accountability.ranking_export import ranking_table
from accountability.ranking_views import ranking_selection
from accountability.rankings import ranking
from campaigns.models import Campaign
from hazards.campaign_lists import campaign_lists_table
from hazards.exports import ledger_table
from hazards.filters import ledger_filtered
from organizations.models import User

from .choices import ExportKind


@dataclass
class Table:
    title: str  # the sheet's title, and the start of the file name
    header: list[str]
    total: int
    rows: Iterator[list[Any]]
    target: Any = None  # the object the export is of, for the audit log


def as_query(params: dict[str, Any]) -> QueryDict:
    """The stored parameters ({name: value or [values]}) as the QueryDict the filters read."""
    query = QueryDict(mutable=True)
    for name, value in params.items():
        query.setlist(name, [str(v) for v in value] if isinstance(value, list) else [str(value)])
    return query


def table_for(*, actor: User, kind: str, params: dict[str, Any]) -> Table:
    query = as_query(params)
    if kind == ExportKind.LEDGER:
        queryset = ledger_filtered(actor=actor, params=query)
        header, rows = ledger_table(queryset)
        return Table(title=_("Ledger"), header=header, total=queryset.count(), rows=rows)
    if kind == ExportKind.CAMPAIGN:
        campaign = Campaign.objects.get_visible(actor, pk=query.get("campaign"))
        header, total, rows = campaign_lists_table(actor=actor, campaign=campaign)
        return Table(title=_("Campaign lists"), header=header, total=total, rows=rows, target=campaign)
    chosen = ranking_selection(actor=actor, params=query)
    found = ranking(actor=actor, level=chosen.level, region=chosen.region, month=chosen.month, whole=True)
    table = ranking_table(level=chosen.level, region=chosen.region, month=chosen.month, rows=found)
    return Table(
        title=f"{_('Rankings')} {chosen.month:%Y-%m}",
        header=table[0],
        total=len(table) - 1,
        rows=iter(table[1:]),
        target=chosen.region,
    )
