"""A published snapshot never changes, whatever code runs: the database refuses it.

Allowed on a published row: only marking it superseded by a correction. Publications are never deleted.
"""

from django.db import migrations

GUARD = """
CREATE OR REPLACE FUNCTION disclosure_publication_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'publications are never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.status <> 'draft' AND (
        NEW.content IS DISTINCT FROM OLD.content OR NEW.pdf IS DISTINCT FROM OLD.pdf
        OR NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.public_id IS DISTINCT FROM OLD.public_id
        OR NEW.month IS DISTINCT FROM OLD.month OR NEW.region_id IS DISTINCT FROM OLD.region_id
        OR NEW.version IS DISTINCT FROM OLD.version OR NEW.published_at IS DISTINCT FROM OLD.published_at
        OR NEW.correction_reason IS DISTINCT FROM OLD.correction_reason
        OR NOT (NEW.status = OLD.status OR (OLD.status = 'published' AND NEW.status = 'superseded'))
    ) THEN
        RAISE EXCEPTION 'a published disclosure cannot change' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER disclosure_publication_guard BEFORE UPDATE OR DELETE ON disclosure_publication
    FOR EACH ROW EXECUTE FUNCTION disclosure_publication_guard();
"""

UNGUARD = """
DROP TRIGGER IF EXISTS disclosure_publication_guard ON disclosure_publication;
DROP FUNCTION IF EXISTS disclosure_publication_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("disclosure", "0001_initial")]

    operations = [migrations.RunSQL(GUARD, UNGUARD)]
