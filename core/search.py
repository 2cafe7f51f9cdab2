"""Text search over the ledger and the directory with pg_trgm, and its ranking.

Matching is `column ILIKE '%text%'` (the `trigram_contains` lookup below: Django's `icontains` writes
`UPPER(column) LIKE ...`, which an index on the column cannot answer). The GIN trigram indexes on the
columns (gin_trgm_ops; the migrations named `search_trigram_indexes`) answer it instead of a scan once the
text has three characters; shorter texts still match correctly, read through the index. A match through
another table (a hazard's enterprise) is `id = ANY(ARRAY(subquery))`: the subquery runs once on its own
trigram indexes and its ids probe a btree, where `IN (subquery)` inside an OR would be tested row by row.

Ranking: an exact code (or credit code) first, then by pg_trgm's word similarity of the text to the best
matching column, as a whole number 0-1000 so that the keyset pages can walk it (hazards/keyset.py).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    FloatField,
    Func,
    Index,
    IntegerField,
    Lookup,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Greatest, Round


@TextField.register_lookup
@CharField.register_lookup
class TrigramContains(Lookup):
    """`column ILIKE '%text%'`, the text's wildcards escaped: case-insensitive, and a trigram index
    answers it."""

    lookup_name = "trigram_contains"

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        pattern = [f"%{connection.ops.prep_for_like_query(value)}%" for value in rhs_params]
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *pattern)


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


class AnyOfSubquery(Func):
    """`column = ANY(ARRAY(subquery))`, a condition for filter() and Q."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY(ARRAY"
    output_field = BooleanField()
    conditional = True

    def __init__(self, column: str, subquery: QuerySet, **extra: Any) -> None:
        super().__init__(F(column), Subquery(subquery), **extra)


class WordSimilarity(Func):
    """pg_trgm's word_similarity(text, column): how well the text matches a part of the column, 0-1."""

    function = "word_similarity"
    output_field = FloatField()

    def __init__(self, text: str, column: str, **extra: Any) -> None:
        super().__init__(Value(text, output_field=TextField()), Cast(F(column), TextField()), **extra)


def contains_text(text: str, *columns: str) -> Q:
    """Rows where any of the columns contains the text, case-insensitively."""
    condition = Q()
    for column in columns:
        condition |= Q(**{f"{column}__trigram_contains": text})
    return condition


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
