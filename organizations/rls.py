"""Row-level security: PostgreSQL itself keeps each tenant's rows away from the others (DESIGN.md §4,
"the second line of defence"; docs/security.md, "Database guarantees" says what it rests on).

- Every table with a `tenant_id` column gets `FORCE ROW LEVEL SECURITY` and one policy: a row is
  visible and writable only while the transaction's `app.tenant` setting names its tenant. With no
  tenant set, a query sees nothing and every insert is refused.
- The tenant is set per transaction (`set_config('app.tenant', id, true)`, i.e. SET LOCAL): it ends
  with the transaction, so a pooled connection never carries it into the next request or task.
- The application connects as DATABASE_APP_ROLE, a login role that owns nothing and is neither
  superuser nor BYPASSRLS; migrations (and the demo seeding) run as the owner. After every `migrate`
  this module re-applies the policies and the app role's grants, so a new tenant table is covered
  the moment it exists.

Exempt, on purpose: tenants (a tenant is looked up by its slug before anything is known), users,
sessions and API tokens (a login or a token is resolved before the tenant is known; a user row says
which tenant to set), and tables with no tenant column (national reference data, Django's own).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

SETTING = "app.tenant"
POLICY = "tenant_isolation"
# The app role may only read these: the event chain head (written by a SECURITY DEFINER trigger) and
# the migration history (the schema is the owner's business).
READ_ONLY_TABLES = frozenset({"hazards_eventchainhead", "organizations_auditchainhead", "django_migrations"})
# The app role may add events and audit entries but never change or remove one (hash chains, migrations
# hazards 0005 and organizations 0002).
APPEND_ONLY_TABLES = frozenset({"hazards_hazardevent", "organizations_auditentry"})
EXEMPT_MODELS = frozenset({"organizations.user"})


# Sets the tenant until the transaction ends (SET LOCAL); `tenant_text` is the id as text, '' for none.
SET_TENANT_SQL = f"SELECT set_config('{SETTING}', %(tenant_text)s, true)"


def require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("the tenant is set per transaction: call this inside transaction.atomic()")


def set_current_tenant(tenant_id: int | None) -> None:
    """Set the tenant for the rest of the current transaction (there must be one: see tenant_context)."""
    require_transaction()
    with connection.cursor() as cursor:
        cursor.execute(SET_TENANT_SQL, {"tenant_text": "" if tenant_id is None else str(tenant_id)})


@contextlib.contextmanager
def tenant_context(tenant: Any) -> Iterator[None]:
    """One transaction in which the database lets through the rows of `tenant` (a Tenant or its id)."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    with transaction.atomic():
        set_current_tenant(tenant_id)
        yield


def tenant_tables() -> list[str]:
    """Every table of an installed model that carries a tenant_id column (tenant-owned data)."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in EXEMPT_MODELS:
            continue
        if any(getattr(field, "column", None) == "tenant_id" for field in meta.concrete_fields):
            tables.add(meta.db_table)
    return sorted(tables)


def _quote(name: str, using: str = "default") -> str:
    return connections[using].ops.quote_name(name)


def _ensure_app_role(cursor: Any, role: str) -> bool:
    cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
    row = cursor.fetchone()
    if row is None:
        cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            logger.warning(
                "database role %s does not exist and %s may not create it: create it (LOGIN, no other "
                "attribute) and run migrate again to grant it access",
                role,
                settings.DATABASES["default"]["USER"],
            )
            return False
        # Two test databases may be created at once: the role is shared by the whole cluster.
        cursor.execute(
            "DO $$ BEGIN EXECUTE format('CREATE ROLE %%I LOGIN', %s); "
            "EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
            [role],
        )
    elif row[0] or row[1]:
        raise RuntimeError(
            f"DATABASE_APP_ROLE {role} is superuser or BYPASSRLS: row-level security would not hold"
        )
    return True


def apply_row_level_security(using: str = "default") -> None:
    """Idempotent: policies on every tenant table, and exactly the app role's grants."""
    db: BaseDatabaseWrapper = connections[using]
    role = settings.DATABASE_APP_ROLE
    tables = tenant_tables()
    with db.cursor() as cursor, transaction.atomic(using=using):
        for table in tables:
            t = _quote(table)
            cursor.execute(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {t}")
            cursor.execute(
                f"CREATE POLICY {POLICY} ON {t} "
                f"USING (tenant_id = NULLIF(current_setting('{SETTING}', true), '')::bigint) "
                f"WITH CHECK (tenant_id = NULLIF(current_setting('{SETTING}', true), '')::bigint)"
            )
        if not _ensure_app_role(cursor, role):
            return
        r = _quote(role)
        if settings.DATABASE_APP_PASSWORD:
            cursor.execute(f"ALTER ROLE {r} LOGIN PASSWORD %s", [settings.DATABASE_APP_PASSWORD])
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {r}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}")
        for table in READ_ONLY_TABLES:
            cursor.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {_quote(table)} FROM {r}")
        for table in APPEND_ONLY_TABLES:
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quote(table)} FROM {r}")


def apply_after_migrate(
    sender: Any, using: str = "default", plan: list[Any] | None = None, **kwargs: Any
) -> None:
    """post_migrate receiver (wired in OrganizationsConfig.ready): runs once per migrate, after all apps.

    `flush` sends post_migrate too, without a plan: emptying tables leaves policies and grants as they
    are, so there is nothing to redo (and transactional tests flush after every test)."""
    if plan is None or sender.label != "organizations" or connections[using].vendor != "postgresql":
        return
    apply_row_level_security(using)
