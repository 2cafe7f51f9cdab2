"""National determination standards are received from the national system and never edited here: the
database refuses any change to a national standard or its items (rows with no local tenant), for every role,
except what receiving a later national release does — a standard stops being current, an item is retired.
A local standard never becomes national, nor a national one local."""

from django.db import migrations

FROZEN = r"""
CREATE OR REPLACE FUNCTION hazards_standard_national_frozen() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.local_tenant_id IS NULL THEN
            RAISE EXCEPTION 'national standard % is never deleted', OLD.key USING ERRCODE = '42501';
        END IF;
        RETURN OLD;
    END IF;
    IF NEW.local_tenant_id IS DISTINCT FROM OLD.local_tenant_id THEN
        RAISE EXCEPTION 'standard % keeps its tenant', OLD.key USING ERRCODE = '42501';
    END IF;
    IF OLD.local_tenant_id IS NULL AND (
        to_jsonb(NEW) - 'is_current' IS DISTINCT FROM to_jsonb(OLD) - 'is_current'
        OR (NEW.is_current AND NOT OLD.is_current)
    ) THEN
        RAISE EXCEPTION 'national standard % is read-only: it changes only by a national release', OLD.key
            USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER hazards_standard_national_frozen
    BEFORE UPDATE OR DELETE ON hazards_standard
    FOR EACH ROW EXECUTE FUNCTION hazards_standard_national_frozen();

CREATE OR REPLACE FUNCTION hazards_criterion_national_frozen() RETURNS trigger
LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    national boolean;
BEGIN
    SELECT local_tenant_id IS NULL INTO national FROM hazards_standard WHERE id = OLD.standard_id;
    IF NOT national THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' OR to_jsonb(NEW) - 'retired' IS DISTINCT FROM to_jsonb(OLD) - 'retired'
        OR (OLD.retired AND NOT NEW.retired) THEN
        RAISE EXCEPTION 'item % of a national standard is read-only', OLD.number USING ERRCODE = '42501';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER hazards_criterion_national_frozen
    BEFORE UPDATE OR DELETE ON hazards_criterion
    FOR EACH ROW EXECUTE FUNCTION hazards_criterion_national_frozen();
"""

UNDO = r"""
DROP TRIGGER IF EXISTS hazards_criterion_national_frozen ON hazards_criterion;
DROP FUNCTION IF EXISTS hazards_criterion_national_frozen();
DROP TRIGGER IF EXISTS hazards_standard_national_frozen ON hazards_standard;
DROP FUNCTION IF EXISTS hazards_standard_national_frozen();
"""


class Migration(migrations.Migration):
    dependencies = [("hazards", "0016_event_actions_merged")]

    operations = [migrations.RunSQL(FROZEN, UNDO)]
