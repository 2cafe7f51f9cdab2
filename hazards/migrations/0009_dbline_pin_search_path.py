"""The event chain's SECURITY DEFINER trigger function was created with `SET search_path FROM CURRENT`,
which pins migrate's own path ("$user", public) with pg_temp searched first, implicitly: a temporary
object of the caller could then stand in for a table or a function it names. It now names its schema
and `pg_temp` last, like every definer function (tests/security/test_database_last_line.py checks all).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("hazards", "0008_reopen_event_index"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER FUNCTION hazards_event_chain() SET search_path = public, pg_temp",
            "ALTER FUNCTION hazards_event_chain() SET search_path FROM CURRENT",
        ),
    ]
