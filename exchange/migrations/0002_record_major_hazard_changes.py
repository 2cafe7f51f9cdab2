"""Every change of a major hazard writes its upward record in the same transaction: an AFTER INSERT trigger on
the ledger's events. The ledger's own code cannot forget it, and no transition — today's or one added later
— can change a major hazard without the national system hearing of it.

The record is a snapshot of the hazard after the event, with only what may leave the province (exchange
format version 1, exchange/format.py). A hazard graded (confirm) is recorded whatever its grade, so that a
downgrade reaches the national side too.
"""

from django.db import migrations

RECORD = """
CREATE OR REPLACE FUNCTION exchange_record_hazard_change() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
    h record;
BEGIN
    SELECT hz.code, hz.level, hz.state, hz.source, hz.listed, hz.listing_level,
           hz.listing_lifted_at IS NOT NULL AS listing_lifted, hz.discovered_at,
           hz.deadline, hz.closed_at, hz.is_overdue, r.code AS region_code, r.name AS region_name,
           COALESCE(i.code, '') AS industry_code, COALESCE(i.name, '') AS industry_name
      INTO h
      FROM hazards_hazard hz
      JOIN organizations_region r ON r.id = hz.region_id
      LEFT JOIN organizations_industry i ON i.id = hz.industry_id
     WHERE hz.id = NEW.hazard_id;
    IF h.level = 'major' OR NEW.action = 'confirm' THEN
        INSERT INTO exchange_upwardrecord (tenant_id, kind, payload, created_at, event_id)
        VALUES (NEW.tenant_id, 'hazard_change', jsonb_build_object(
            'kind', 'hazard_change',
            'hazard', h.code,
            'region', h.region_code,
            'region_name', h.region_name,
            'industry', h.industry_code,
            'industry_name', h.industry_name,
            'level', h.level,
            'state', h.state,
            'source', h.source,
            'listed', h.listed,
            'listing_level', h.listing_level,
            'listing_lifted', h.listing_lifted,
            'discovered_at', to_char(h.discovered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'deadline', to_char(h.deadline, 'YYYY-MM-DD'),
            'closed_at', to_char(h.closed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
            'overdue', h.is_overdue,
            'action', NEW.action,
            'at', to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
        ), NEW.created_at, NEW.id)
        ON CONFLICT (tenant_id, event_id) DO NOTHING;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER exchange_record_hazard_change AFTER INSERT ON hazards_hazardevent
    FOR EACH ROW EXECUTE FUNCTION exchange_record_hazard_change();
"""

DROP = """
DROP TRIGGER IF EXISTS exchange_record_hazard_change ON hazards_hazardevent;
DROP FUNCTION IF EXISTS exchange_record_hazard_change();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0001_initial"),
        ("hazards", "0013_finaleval_citable_standards"),
    ]

    operations = [migrations.RunSQL(RECORD, DROP)]
