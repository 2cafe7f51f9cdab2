"""Tamper evidence: every hazard event is a link of its tenant's SHA-256 hash chain.

A BEFORE INSERT trigger gives each new event the next sequence number of its tenant, the previous
event's hash and its own hash over a canonical rendering of its content. It locks the tenant's row in
`hazards_eventchainhead` for that, so concurrent inserts of one tenant queue up and the chain never
forks. The trigger function is SECURITY DEFINER: the application role only reads the chain head. Existing events are chained in id order when this migration runs.
"""

from django.db import migrations, models

# Canonical content: a JSON array (unambiguous, whatever a note contains); jsonb text output is
# deterministic and the time is rendered in UTC, so the digest does not depend on session settings.
DIGEST = """
CREATE OR REPLACE FUNCTION hazards_event_digest(e hazards_hazardevent) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(jsonb_build_array(
        e.tenant_id, e.seq, e.id, e.hazard_id, e.actor_id, e.action, e.from_state, e.to_state,
        e.note, e.data,
        to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.prev_hash
    )::text, 'UTF8')), 'hex')
$$;
"""

CHAIN = """
CREATE OR REPLACE FUNCTION hazards_event_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    head_seq bigint;
    head_hash text;
BEGIN
    INSERT INTO hazards_eventchainhead (tenant_id, seq, hash) VALUES (NEW.tenant_id, 0, repeat('0', 64))
        ON CONFLICT (tenant_id) DO NOTHING;
    SELECT seq, hash INTO head_seq, head_hash FROM hazards_eventchainhead
        WHERE tenant_id = NEW.tenant_id FOR UPDATE;
    NEW.seq := head_seq + 1;
    NEW.prev_hash := head_hash;
    NEW.hash := hazards_event_digest(NEW);
    UPDATE hazards_eventchainhead SET seq = NEW.seq, hash = NEW.hash WHERE tenant_id = NEW.tenant_id;
    RETURN NEW;
END;
$$;

CREATE TRIGGER hazards_event_chain BEFORE INSERT ON hazards_hazardevent
    FOR EACH ROW EXECUTE FUNCTION hazards_event_chain();
"""

# Chain what is already there (the append-only trigger is paused for it, inside this transaction).
BACKFILL = """
ALTER TABLE hazards_hazardevent DISABLE TRIGGER hazards_event_no_update;
DO $$
DECLARE
    e hazards_hazardevent;
    current_tenant bigint := NULL;
    last_seq bigint := 0;
    last_hash text := repeat('0', 64);
BEGIN
    FOR e IN SELECT * FROM hazards_hazardevent ORDER BY tenant_id, id LOOP
        IF current_tenant IS DISTINCT FROM e.tenant_id THEN
            IF current_tenant IS NOT NULL THEN
                INSERT INTO hazards_eventchainhead VALUES (current_tenant, last_seq, last_hash);
            END IF;
            current_tenant := e.tenant_id;
            last_seq := 0;
            last_hash := repeat('0', 64);
        END IF;
        e.seq := last_seq + 1;
        e.prev_hash := last_hash;
        e.hash := hazards_event_digest(e);
        UPDATE hazards_hazardevent SET seq = e.seq, prev_hash = e.prev_hash, hash = e.hash WHERE id = e.id;
        last_seq := e.seq;
        last_hash := e.hash;
    END LOOP;
    IF current_tenant IS NOT NULL THEN
        INSERT INTO hazards_eventchainhead VALUES (current_tenant, last_seq, last_hash);
    END IF;
END;
$$;
ALTER TABLE hazards_hazardevent ENABLE TRIGGER hazards_event_no_update;
"""

UNCHAIN = """
DROP TRIGGER IF EXISTS hazards_event_chain ON hazards_hazardevent;
DROP FUNCTION IF EXISTS hazards_event_chain();
DROP FUNCTION IF EXISTS hazards_event_digest(hazards_hazardevent);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('hazards', '0004_listing_level_values'),
    ]

    operations = [
        migrations.CreateModel(
            name='EventChainHead',
            fields=[
                ('tenant_id', models.BigIntegerField(primary_key=True, serialize=False)),
                ('seq', models.BigIntegerField()),
                ('hash', models.CharField(max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name='hazardevent',
            name='hash',
            field=models.CharField(db_default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='hazardevent',
            name='prev_hash',
            field=models.CharField(db_default='', editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name='hazardevent',
            name='seq',
            field=models.BigIntegerField(db_default=0, editable=False),
        ),
        migrations.RunSQL(DIGEST + BACKFILL + CHAIN, UNCHAIN),
        migrations.AddConstraint(
            model_name='hazardevent',
            constraint=models.UniqueConstraint(fields=('tenant', 'seq'), name='hazard_event_chain_seq'),
        ),
    ]
