"""Level-3 controls: the separated administrators, password history and expiry, and the audit log.

The audit log is append-only and hash-chained in the database, like the ledger's events (hazards 0002 and
0005): a BEFORE INSERT trigger stamps the time and gives each entry its chain's next `seq`, the previous
entry's hash and its own SHA-256 over a canonical rendering; another trigger refuses UPDATE and DELETE.
There is one chain per tenant, and one (chain 0) for sign-ins that name no tenant's account.

Row-level security covers the table like every tenant table (core/rls.py); three more policies
let the chain of no tenant exist: anyone may add a sign-in, sign-out or password-change entry with no
tenant (platform staff, unknown usernames), and only the owner (who runs migrate, `audit_log platform` and the chaining trigger) reads them or moves their head.
"""

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models


# Canonical content: a JSON array (unambiguous whatever a field holds); jsonb's text form is deterministic
# and the time is rendered in UTC, so the digest does not depend on session settings.
DIGEST = """
CREATE OR REPLACE FUNCTION organizations_audit_digest(e organizations_auditentry) RETURNS text
LANGUAGE sql STABLE SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT encode(sha256(convert_to(jsonb_build_array(
        e.tenant_id, e.seq, e.id, e.actor_id, e.actor_username, e.address, e.action, e.outcome,
        e.object_type, e.object_id, e.detail,
        to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        e.prev_hash
    )::text, 'UTF8')), 'hex')
$$;
"""

# SECURITY DEFINER: the application role may only read the chain heads. The head row is locked for the
# rest of the inserting transaction, so one chain's inserts queue up and it never forks; the time is the
# database's, taken under that lock, so it grows with seq.
CHAIN = """
CREATE OR REPLACE FUNCTION organizations_audit_chain() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    chain_key bigint := coalesce(NEW.tenant_id, 0);
    head_seq bigint;
    head_hash text;
BEGIN
    INSERT INTO organizations_auditchainhead (chain, tenant_id, seq, hash, floor_seq, floor_hash)
        VALUES (chain_key, NEW.tenant_id, 0, repeat('0', 64), 0, repeat('0', 64))
        ON CONFLICT (chain) DO NOTHING;
    SELECT seq, hash INTO head_seq, head_hash FROM organizations_auditchainhead
        WHERE chain = chain_key FOR UPDATE;
    NEW.seq := head_seq + 1;
    NEW.prev_hash := head_hash;
    NEW.created_at := clock_timestamp();
    NEW.hash := organizations_audit_digest(NEW);
    UPDATE organizations_auditchainhead SET seq = NEW.seq, hash = NEW.hash WHERE chain = chain_key;
    RETURN NEW;
END;
$$;

CREATE TRIGGER organizations_audit_chain BEFORE INSERT ON organizations_auditentry
    FOR EACH ROW EXECUTE FUNCTION organizations_audit_chain();
"""

# TRUNCATE is left to privileges (the application role holds none on this table); test teardown uses it.
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION organizations_audit_append_only() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER organizations_audit_no_change BEFORE UPDATE OR DELETE ON organizations_auditentry
    FOR EACH ROW EXECUTE FUNCTION organizations_audit_append_only();
"""

# Policies beside the standard tenant_isolation one (permissive policies add up).
NO_TENANT_CHAIN = """
CREATE POLICY audit_sign_in_of_no_tenant ON organizations_auditentry FOR INSERT
    WITH CHECK (tenant_id IS NULL AND action IN ('sign_in', 'sign_out', 'password_change'));
CREATE POLICY audit_owner_reads_no_tenant ON organizations_auditentry TO CURRENT_USER
    USING (tenant_id IS NULL);
CREATE POLICY audit_owner_moves_head_of_no_tenant ON organizations_auditchainhead TO CURRENT_USER
    USING (tenant_id IS NULL) WITH CHECK (tenant_id IS NULL);
"""

UNDO = """
DROP POLICY IF EXISTS audit_sign_in_of_no_tenant ON organizations_auditentry;
DROP POLICY IF EXISTS audit_owner_reads_no_tenant ON organizations_auditentry;
DROP POLICY IF EXISTS audit_owner_moves_head_of_no_tenant ON organizations_auditchainhead;
DROP TRIGGER IF EXISTS organizations_audit_no_change ON organizations_auditentry;
DROP FUNCTION IF EXISTS organizations_audit_append_only();
DROP TRIGGER IF EXISTS organizations_audit_chain ON organizations_auditentry;
DROP FUNCTION IF EXISTS organizations_audit_chain();
DROP FUNCTION IF EXISTS organizations_audit_digest(organizations_auditentry);
"""


class Migration(migrations.Migration):

    dependencies = [
        ('organizations', '0002_authority_tenant_qualified_username'),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('chain', models.BigIntegerField(primary_key=True, serialize=False)),
                ('tenant_id', models.BigIntegerField(null=True)),
                ('seq', models.BigIntegerField()),
                ('hash', models.CharField(max_length=64)),
                ('floor_seq', models.BigIntegerField(default=0)),
                ('floor_hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
            ],
        ),
        migrations.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.BigIntegerField(db_default=0, editable=False)),
                ('prev_hash', models.CharField(db_default='', editable=False, max_length=64)),
                ('hash', models.CharField(db_default='', editable=False, max_length=64)),
                ('created_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False, verbose_name='when')),
                ('actor_username', models.CharField(blank=True, max_length=150, verbose_name='username')),
                ('address', models.CharField(blank=True, max_length=64, verbose_name='address')),
                ('action', models.CharField(choices=[('sign_in', 'Sign-in'), ('sign_out', 'Sign-out'), ('password_change', 'Password change'), ('directory_create', 'Directory entry created'), ('directory_update', 'Directory entry changed'), ('directory_close', 'Directory entry closed'), ('role_grant', 'Role granted'), ('role_revoke', 'Role ended'), ('export', 'Export'), ('publication', 'Publication'), ('policy_change', 'Policy change')], max_length=30, verbose_name='action')),
                ('outcome', models.CharField(choices=[('success', 'Succeeded'), ('failure', 'Failed'), ('refused', 'Refused')], max_length=10, verbose_name='outcome')),
                ('object_type', models.CharField(blank=True, max_length=50, verbose_name='object type')),
                ('object_id', models.CharField(blank=True, max_length=64, verbose_name='object id')),
                ('detail', models.JSONField(blank=True, default=dict, verbose_name='detail')),
            ],
            options={
                'verbose_name': 'audit log entry',
                'verbose_name_plural': 'audit log',
                'ordering': ['-seq'],
            },
        ),
        migrations.CreateModel(
            name='PasswordHistory',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128)),
                ('created_at', models.DateTimeField(db_default=django.db.models.functions.datetime.Now())),
            ],
            options={
                'verbose_name': 'earlier password',
                'verbose_name_plural': 'earlier passwords',
            },
        ),
        migrations.RemoveConstraint(
            model_name='membership',
            name='membership_unit_matches_role',
        ),
        migrations.AddField(
            model_name='user',
            name='is_demo',
            field=models.BooleanField(db_default=False, default=False, editable=False, verbose_name='demo account'),
        ),
        migrations.AddField(
            model_name='user',
            name='must_change_password',
            field=models.BooleanField(db_default=False, default=False, verbose_name='must change password'),
        ),
        migrations.AddField(
            model_name='user',
            name='password_changed_at',
            field=models.DateTimeField(db_default=django.db.models.functions.datetime.Now(), editable=False, verbose_name='password changed'),
        ),
        migrations.AlterField(
            model_name='membership',
            name='role',
            field=models.CharField(choices=[('enterprise_officer', 'Enterprise safety officer'), ('enterprise_head', 'Enterprise head'), ('inspector', 'Inspector'), ('department_head', 'Department head'), ('committee_staff', 'Safety committee staff'), ('tenant_admin', 'System administrator'), ('security_admin', 'Security administrator'), ('audit_admin', 'Audit administrator')], max_length=30, verbose_name='role'),
        ),
        migrations.AddConstraint(
            model_name='membership',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('department__isnull', True), ('enterprise__isnull', False), ('region__isnull', True), ('role__in', ['enterprise_head', 'enterprise_officer'])), models.Q(('department__isnull', False), ('enterprise__isnull', True), ('region__isnull', True), ('role__in', ['department_head', 'inspector'])), models.Q(('department__isnull', True), ('enterprise__isnull', True), ('region__isnull', False), ('role', 'committee_staff')), models.Q(('department__isnull', True), ('enterprise__isnull', True), ('region__isnull', True), ('role__in', ['audit_admin', 'security_admin', 'tenant_admin'])), _connector='OR'), name='membership_unit_matches_role'),
        ),
        migrations.AddConstraint(
            model_name='membership',
            constraint=models.UniqueConstraint(condition=models.Q(('is_active', True), ('role__in', ['audit_admin', 'security_admin', 'tenant_admin'])), fields=('user',), name='membership_one_administrator_role'),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='actor',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='who'),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='tenant',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.tenant', verbose_name='tenant'),
        ),
        migrations.AddField(
            model_name='passwordhistory',
            name='tenant',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.tenant', verbose_name='tenant'),
        ),
        migrations.AddField(
            model_name='passwordhistory',
            name='user',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['tenant', 'action', '-seq'], name='audit_tenant_action_idx'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['tenant', 'actor_username', '-seq'], name='audit_tenant_actor_idx'),
        ),
        migrations.AddIndex(
            model_name='auditentry',
            index=models.Index(fields=['tenant', 'created_at'], name='audit_tenant_created_idx'),
        ),
        migrations.AddConstraint(
            model_name='auditentry',
            constraint=models.UniqueConstraint(fields=('tenant', 'seq'), name='audit_chain_seq', nulls_distinct=False),
        ),
        migrations.AddIndex(
            model_name='passwordhistory',
            index=models.Index(fields=['tenant', 'user', '-created_at'], name='password_history_user_idx'),
        ),
        migrations.RunSQL(DIGEST + CHAIN + APPEND_ONLY + NO_TENANT_CHAIN, UNDO),
    ]
