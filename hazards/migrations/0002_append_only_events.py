"""The event log is append-only in the database: UPDATE and DELETE of hazard events are refused.

TRUNCATE is left to privileges (the application role will not hold it); test teardown relies on it.
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION hazards_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'hazard events are append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER hazards_event_no_update BEFORE UPDATE OR DELETE ON hazards_hazardevent
    FOR EACH ROW EXECUTE FUNCTION hazards_event_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS hazards_event_no_update ON hazards_hazardevent;
DROP FUNCTION IF EXISTS hazards_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("hazards", "0001_initial")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
