"""Ledger text search as a SECURITY DEFINER function (core/search.py explains why): the trigram indexes answer
`ILIKE` only where no row-level-security policy stands before it, so the match runs as the schema's owner and
reads only the tenant it is given, which must be the transaction's verified tenant (`app_current_tenant()`)
unless the caller is the owner itself."""

from django.db import migrations

# `tenant_id + 0`: the trigram indexes find the few matching rows and the tenant is checked on those (a
# search of the tenant's index would read all of its rows; core/search.py's trigram_index says why the
# trigram indexes do not carry the tenant).
FUNCTIONS = """
CREATE FUNCTION hazard_text_search(p_tenant bigint, p_pattern text) RETURNS SETOF bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT h.id FROM hazards_hazard h
    WHERE h.tenant_id + 0 = p_tenant AND p_tenant IS NOT DISTINCT FROM coalesce(
        app_current_tenant(),
        -- Only the schema's owner (or a superuser) may search without a verified tenant: a shell, a test.
        CASE WHEN pg_has_role(session_user, current_user, 'MEMBER') THEN p_tenant END
    )
      AND (h.code ILIKE p_pattern OR h.title ILIKE p_pattern OR h.description ILIKE p_pattern
           OR h.location ILIKE p_pattern)
$$;
"""

DROP = "DROP FUNCTION IF EXISTS hazard_text_search(bigint, text);"


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0023_waiting_and_overdue_covering_indexes"),
        ("organizations", "0010_search_definer_functions"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS, reverse_sql=DROP)]
