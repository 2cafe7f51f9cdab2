"""The database's last line: the tenant a transaction runs as is signed, users and API tokens are under
row-level security and reached before sign-in only through narrow SECURITY DEFINER lookups, API keys are
kept as digests, and expert grants live in guardian's direct foreign-key tables with a tenant.

Policies themselves are (re)applied after every migrate by core/rls.py, which also writes the
tenant key's database copy; this migration makes the functions they rely on and moves the data:
- DRF's `authtoken_token` (keys in clear) becomes `organizations_apitoken` (SHA-256 of each key, so every
  existing client keeps working), and the old table is dropped;
- guardian's generic grants on enterprises move to `organizations_enterpriseuserpermission` and
  `organizations_enterprisegrouppermission`, each with its enterprise's tenant.
Every SECURITY DEFINER function pins its search_path, `pg_temp` last.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The database copy of DATABASE_TENANT_KEY as HMAC-SHA256's two pads (core/rls.py writes it after
# every migrate). No other role may read it: not even SELECT is granted.
KEY_TABLE = """
CREATE TABLE app_tenant_key (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    inner_pad bytea NOT NULL CHECK (length(inner_pad) = 64),
    outer_pad bytea NOT NULL CHECK (length(outer_pad) = 64),
    rotated_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON app_tenant_key FROM PUBLIC;
"""

# What a tenant setting is bound to: this backend and this transaction (its start, to the microsecond).
# The application asks for it, signs it with the tenant, and sets the result (rls.tenant_setting).
TENANT_FUNCTIONS = """
CREATE FUNCTION app_tenant_binding() RETURNS text
LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT pg_backend_pid()::text || ':' || (extract(epoch FROM transaction_timestamp()) * 1000000)::bigint::text
$$;

-- The tenant this transaction runs as: NULL with no setting; an error for a setting that does not verify
-- (forged, malformed, or issued for another backend or transaction), so a bad one never reaches any row.
-- Called once per statement and table (the policies' InitPlan): kept to one table read and a few simple
-- expressions, which plpgsql evaluates without the executor (tens of microseconds: docs/benchmarks.md).
CREATE FUNCTION app_current_tenant() RETURNS bigint
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
    setting text := current_setting('app.tenant', true);
    message text;  -- <tenant>:<pid>:<transaction start>, then ':' and 64 hex digits of HMAC-SHA256
    pads app_tenant_key%ROWTYPE;
BEGIN
    IF setting IS NULL OR setting = '' THEN
        RETURN NULL;
    END IF;
    message := left(setting, -65);
    IF split_part(message, ':', 2) || ':' || split_part(message, ':', 3) IS DISTINCT FROM app_tenant_binding() THEN
        RAISE EXCEPTION 'app.tenant was not issued for this transaction' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO pads FROM app_tenant_key WHERE id;
    -- HMAC-SHA256 (RFC 2104) from the built-in sha256(): pgcrypto is not everywhere (embedded PostgreSQL).
    -- Digests of the MACs are compared, so the comparison's timing says nothing about the expected MAC.
    -- No key row (migrate never wrote one) leaves the pads NULL: nothing verifies.
    IF pads.inner_pad IS NULL OR sha256(sha256(pads.outer_pad || sha256(pads.inner_pad || convert_to(message, 'UTF8'))))
            IS DISTINCT FROM sha256(decode(right(setting, 64), 'hex')) THEN
        RAISE EXCEPTION 'app.tenant does not verify' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN split_part(message, ':', 1)::bigint;
END;
$$;
"""

# Sign-in before any tenant is set: exactly what each step needs, nothing more (organizations/signing_in/lookups.py).
# Only the application role may call them (granted by core/rls.py).
SIGN_IN_FUNCTIONS = """
CREATE FUNCTION auth_login_candidate(p_username text)
RETURNS TABLE (user_id bigint, tenant_id bigint, password text, is_active boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.id, u.tenant_id, u.password::text, u.is_active FROM organizations_user u WHERE u.username = $1
$$;

CREATE FUNCTION auth_token_owner(p_digest text)
RETURNS TABLE (user_id bigint, tenant_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT t.user_id, t.tenant_id FROM organizations_apitoken t WHERE t.digest = $1
$$;

CREATE FUNCTION auth_user_tenant(p_user_id bigint)
RETURNS TABLE (tenant_id bigint)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.tenant_id FROM organizations_user u WHERE u.id = $1
$$;
"""

# Backwards: the policies go with the function (CASCADE); the code that is deployed then re-creates its own
# after migrate (core/rls.py).
DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS auth_user_tenant(bigint);
DROP FUNCTION IF EXISTS auth_token_owner(text);
DROP FUNCTION IF EXISTS auth_login_candidate(text);
DROP FUNCTION IF EXISTS app_current_tenant() CASCADE;
DROP FUNCTION IF EXISTS app_tenant_binding();
DROP TABLE IF EXISTS app_tenant_key;
"""

# Existing API keys, hashed where they are: clients keep their keys, the database keeps none.
HASH_TOKENS = """
DO $$
BEGIN
    IF to_regclass('authtoken_token') IS NOT NULL THEN
        INSERT INTO organizations_apitoken (digest, user_id, tenant_id, created_at)
        SELECT encode(sha256(convert_to(t.key, 'UTF8')), 'hex'), t.user_id, u.tenant_id, t.created
        FROM authtoken_token t JOIN organizations_user u ON u.id = t.user_id;
        DROP TABLE authtoken_token;
        DELETE FROM django_migrations WHERE app = 'authtoken';
    END IF;
END;
$$;
"""

# guardian's generic grants on enterprises (object_pk is text) move to the direct tables, with a tenant.
MOVE_GRANTS = """
INSERT INTO organizations_enterpriseuserpermission (tenant_id, user_id, permission_id, content_object_id)
SELECT e.tenant_id, g.user_id, g.permission_id, e.id
FROM guardian_userobjectpermission g
JOIN django_content_type ct ON ct.id = g.content_type_id
    AND ct.app_label = 'organizations' AND ct.model = 'enterprise'
JOIN organizations_enterprise e ON g.object_pk ~ '^[0-9]{1,18}$' AND e.id = g.object_pk::bigint
ON CONFLICT DO NOTHING;
DELETE FROM guardian_userobjectpermission g USING django_content_type ct
WHERE ct.id = g.content_type_id AND ct.app_label = 'organizations' AND ct.model = 'enterprise';

INSERT INTO organizations_enterprisegrouppermission (tenant_id, group_id, permission_id, content_object_id)
SELECT e.tenant_id, g.group_id, g.permission_id, e.id
FROM guardian_groupobjectpermission g
JOIN django_content_type ct ON ct.id = g.content_type_id
    AND ct.app_label = 'organizations' AND ct.model = 'enterprise'
JOIN organizations_enterprise e ON g.object_pk ~ '^[0-9]{1,18}$' AND e.id = g.object_pk::bigint
ON CONFLICT DO NOTHING;
DELETE FROM guardian_groupobjectpermission g USING django_content_type ct
WHERE ct.id = g.content_type_id AND ct.app_label = 'organizations' AND ct.model = 'enterprise';
"""


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('organizations', '0003_level3_separated_admins_audit_log'),
        ('guardian', '0003_remove_groupobjectpermission_guardian_gr_content_ae6aec_idx_and_more'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiToken',
            fields=[
                ('digest', models.CharField(max_length=64, primary_key=True, serialize=False)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('tenant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.tenant')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='api_tokens', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'API token',
                'verbose_name_plural': 'API tokens',
                'indexes': [models.Index(fields=['tenant', 'user', '-created_at'], name='apitoken_tenant_user_idx')],
            },
        ),
        migrations.CreateModel(
            name='EnterpriseGroupPermission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='group_grants', to='organizations.enterprise')),
                ('group', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.group')),
                ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.tenant')),
            ],
            options={
                'verbose_name': 'enterprise permission of a group',
                'verbose_name_plural': 'enterprise permissions of groups',
                'abstract': False,
                'indexes': [models.Index(fields=['tenant', 'group'], name='enterprise_gperm_tenant_idx')],
                'unique_together': {('group', 'permission', 'content_object')},
            },
        ),
        migrations.CreateModel(
            name='EnterpriseUserPermission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('content_object', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='user_grants', to='organizations.enterprise')),
                ('permission', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='auth.permission')),
                ('tenant', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.tenant')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': 'enterprise permission of a user',
                'verbose_name_plural': 'enterprise permissions of users',
                'abstract': False,
                'indexes': [models.Index(fields=['tenant', 'user'], name='enterprise_uperm_tenant_idx')],
                'unique_together': {('user', 'permission', 'content_object')},
            },
        ),
        migrations.RunSQL(KEY_TABLE + TENANT_FUNCTIONS + SIGN_IN_FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(HASH_TOKENS, migrations.RunSQL.noop),
        migrations.RunSQL(MOVE_GRANTS, migrations.RunSQL.noop),
    ]
