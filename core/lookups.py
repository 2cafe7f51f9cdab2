"""`startswith` as PostgreSQL's prefix operator `^@`, not `LIKE 'prefix%'`, for every text column.

Region subtrees are matched by path prefix everywhere (`region_path__startswith='210000/210200/'`). The web
and the workers connect as the row-level-security role, and under a policy PostgreSQL may use a condition as
an index condition only when its operator is leakproof (it could otherwise reveal rows of another tenant
through an error before the policy has filtered them). `LIKE` is not leakproof: every region-filtered
query then read the tenant's whole ledger through the tenant index (a county's page of a 1M-hazard province:
400 ms instead of 10). `^@` (starts_with) is leakproof, and PostgreSQL turns it into the same range
condition on a `varchar_pattern_ops` index (or a default index under the C collation) that LIKE would have
had. The match is the same: case-sensitive and literal (no wildcards to escape)."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Lookup, TextField


class StartsWith(Lookup):
    lookup_name = "startswith"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"({lhs})::text ^@ ({rhs})::text", (*lhs_params, *rhs_params)


def register() -> None:
    CharField.register_lookup(StartsWith)
    TextField.register_lookup(StartsWith)
