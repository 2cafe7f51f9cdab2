"""Text search over the ledger and the directory with pg_trgm, and its ranking.

Matching is `column ILIKE '%text%'`, answered by GIN trigram indexes on the columns (gin_trgm_ops; the
migrations named `search_trigram_indexes`) instead of a scan once the text has three characters; shorter
texts still match correctly, read through the index.

Under row-level security PostgreSQL uses a condition as an index condition only when its operator is
leakproof (so that no error can tell of another tenant's rows before the policy has filtered them), and
`ILIKE` is not: the web, connected as the row-level-security role, would read the tenant's whole ledger for
every search. So the match runs in SECURITY DEFINER functions (`hazard_text_search`,
`enterprise_text_search`, `directory_text_search`: migrations named `search_definer_functions`), as the
schema's owner, which the policies do not hold, and each names the tenant itself — the transaction's verified
tenant (`app_current_tenant()`): a caller may name only its own tenant (the schema's owner, in a shell or a
test, may name any).

A search runs its functions once, when the filter is applied (`found_by`: one round trip, on the database
the queryset reads), and the ids ride in the queryset as a constant array, `id = ANY(ids)`: probing a btree,
with `=` (leakproof) under the policy as usual. However often the queryset is then evaluated — the ledger
page's rows and its count of matches, the directory's page and its paginator's count, an export's total and
its rows — the match is not made again (it was most of a common term's cost: bench/NOTES.md).

Ranking: an exact code (or credit code) first, then by pg_trgm's word similarity of the text to the best
matching column, as a whole number 0-1000 so that the keyset pages can walk it (hazards/keyset.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BooleanField,
    Case,
    F,
    FloatField,
    Func,
    Index,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Greatest, Round


class TrigramIndex(Index):
    """A GIN index (django.contrib.postgres' GinIndex without that app, whose connection hooks we do not
    need)."""

    suffix = "gin"

    def create_sql(self, model: Any, schema_editor: Any, using: str = "", **kwargs: Any) -> Any:
        return super().create_sql(model, schema_editor, using=" USING gin", **kwargs)


def trigram_index(column: str, name: str) -> TrigramIndex:
    """A GIN trigram index on the column.

    It does not lead with tenant_id, as our btree indexes do: a GIN index can only add a column through
    btree_gin, and then every search would AND the tenant's posting list — all of its rows — into the
    bitmap, which costs more than it saves with a few tenants per deployment. The tenant (row-level
    security's policy) is checked on the few rows the trigrams leave."""
    return TrigramIndex(fields=[column], opclasses=["gin_trgm_ops"], name=name)


# The count a list shows exactly; above it, "10,000+" (counting a province's whole ledger is what we avoid).
COUNT_LIMIT = 10_000
EXACT = 1000  # the relevance of an exact code or credit code


# The definer functions a search may call (a fixed list: the name is written into the SQL).
SEARCH_FUNCTIONS = frozenset({"hazard_text_search", "enterprise_text_search", "directory_text_search"})


class AnyOf(Func):
    """`column = ANY(ids)`, the ids a search function found (`found_by`) as PostgreSQL's own text of a bigint
    array, bound as a parameter, as a condition for filter() and Q."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, ids: str, **extra: Any) -> None:
        self.ids = ids
        super().__init__(F(column), **extra)

    def as_sql(self, compiler: Any, connection: Any, *args: Any, **extra: Any) -> Any:
        (column,) = self.get_source_expressions()
        column_sql, column_params = compiler.compile(column)
        return f"{column_sql} = ANY(%s::bigint[])", (*column_params, self.ids)


def found_by(
    queryset: QuerySet, searches: Mapping[str, str], *, tenant_id: int | None, text: str
) -> QuerySet:
    """The rows of the queryset whose column (a key of `searches`) holds an id that its search function (the
    value) finds for the text in the tenant (the actor's). The functions run here, once, in one query on the
    database the queryset reads (the replica's transaction, when it reads there, has the tenant set as the
    primary's does); nothing found is `none()`, which reads nothing."""
    for function in searches.values():
        if function not in SEARCH_FUNCTIONS:
            raise ValueError(f"{function} is no search function")
    connection = connections[queryset.db]
    pattern = f"%{connection.ops.prep_for_like_query(text)}%"
    # As text: PostgreSQL's array literal goes back as it came, never parsed into Python integers.
    arrays = ", ".join(f"ARRAY(SELECT {function}(%s, %s))::text" for function in searches.values())
    with connection.cursor() as cursor:
        # The function names come from SEARCH_FUNCTIONS (checked above); the tenant and text are parameters.
        cursor.execute(f"SELECT {arrays}", [value for _ in searches for value in (tenant_id, pattern)])
        found = cursor.fetchone()
    condition = Q()
    for column, ids in zip(searches, found, strict=True):
        if ids != "{}":
            condition |= Q(AnyOf(column, ids))
    return queryset.filter(condition) if condition else queryset.none()


class WordSimilarity(Func):
    """pg_trgm's word_similarity(text, column): how well the text matches a part of the column, 0-1."""

    function = "word_similarity"
    output_field = FloatField()

    def __init__(self, text: str, column: str, **extra: Any) -> None:
        super().__init__(Value(text, output_field=TextField()), Cast(F(column), TextField()), **extra)


def relevance(text: str, *, exact: Q, columns: tuple[str, ...]) -> Case:
    """EXACT for the rows `exact` holds, else the best word similarity of the text to a column, 0-999."""
    scores = [WordSimilarity(text, column) for column in columns]
    best = scores[0] if len(scores) == 1 else Greatest(*scores)
    similarity = Cast(Round(best * Value(999.0)), output_field=IntegerField())
    return Case(When(exact, then=Value(EXACT)), default=similarity, output_field=IntegerField())


def match_count(queryset: QuerySet, limit: int) -> RawSQL | Value:
    """How many rows the queryset holds, up to limit + 1, as an annotation: PostgreSQL computes it once
    (an InitPlan) in the same query as the page, so that showing it costs no extra round trip and never
    counts past the limit."""
    try:
        sql, params = queryset.order_by().values("pk")[: limit + 1].query.sql_with_params()
    except EmptyResultSet:  # .none(): a caller who may read no hazard at all
        return Value(0, output_field=IntegerField())
    # The SQL is Django's own compilation of the queryset; every value in it is a bound parameter.
    counted = f"SELECT COUNT(*) FROM ({sql}) AS matched"  # noqa: S608
    return RawSQL(counted, params, output_field=IntegerField())  # noqa: S611
