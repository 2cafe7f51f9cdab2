"""Row-level security: PostgreSQL itself keeps each tenant's rows away from the others (DESIGN.md §4,
"the second line of defence"; docs/security.md, "Database guarantees" says what it rests on).

- Every table with a `tenant_id` column gets `FORCE ROW LEVEL SECURITY` and one policy: a row is
  visible and writable only while the transaction runs as its tenant. With no tenant, a query sees
  nothing and every insert is refused; a table whose tenant may be NULL (users and their API tokens:
  platform staff have no tenant) shows its NULL rows then, and only then.
- The tenant a transaction runs as is `app_current_tenant()`, a SECURITY DEFINER function that trusts the
  `app.tenant` setting only when it carries a valid HMAC: `<tenant>:<pid>:<transaction start>:<hmac>`,
  signed here with DATABASE_TENANT_KEY over the backend and the transaction it was issued for. The key's
  database copy sits in `app_tenant_key`, which the application role cannot read, so SQL running as that
  role can neither forge a setting nor replay one seen elsewhere (another connection, an earlier
  transaction); a bad one is an error, never another tenant's rows.
- The policies compare `tenant_id = (SELECT app_current_tenant())`: a scalar subquery, so the function
  runs once per statement (an InitPlan) and its result serves as an index key.
- The setting is local to the transaction (`set_config(…, true)`): it ends with it, so a pooled
  connection never carries it into the next request or task.
- The application connects as DATABASE_APP_ROLE, a login role that owns nothing and is neither
  superuser nor BYPASSRLS; migrations (and the demo seeding) run as the owner. After every `migrate`
  this module re-applies the policies, the app role's grants and the key, so a new tenant table is
  covered the moment it exists.

Exempt, on purpose: tenants (a tenant is looked up by its slug before anything is known), sessions (a
session is read before its user), and tables with no tenant column (national reference data, Django's
own). Sign-in reaches users and tokens before a tenant is set only through narrow SECURITY DEFINER
lookups (organizations/signing_in/lookups.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import logging
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

SETTING = "app.tenant"
POLICY = "tenant_isolation"
# The database copy of DATABASE_TENANT_KEY (as HMAC-SHA256's inner and outer pads): owned by the schema
# owner, readable by no other role; only app_current_tenant() (SECURITY DEFINER) reads it.
KEY_TABLE = "app_tenant_key"
# The app role may only read these: the event chain head (written by a SECURITY DEFINER trigger) and
# the migration history (the schema is the owner's business).
READ_ONLY_TABLES = frozenset({"hazards_eventchainhead", "organizations_auditchainhead", "django_migrations"})
# The app role may add events and audit entries but never change or remove one (hash chains, migrations
# hazards 0005 and organizations 0003); nor a closure report, frozen once generated.
APPEND_ONLY_TABLES = frozenset(
    {"hazards_hazardevent", "organizations_auditentry", "hazards_closurereport", "exchange_standardrelease"}
)
EXEMPT_MODELS: frozenset[str] = frozenset()
# The sign-in lookups (migration organizations dbline_database_last_line): only the app role may call them.
SIGN_IN_FUNCTIONS = ("auth_login_candidate(text)", "auth_token_owner(text)", "auth_user_tenant(bigint)")
# Text search over the current tenant's rows through the trigram indexes (core/search.py).
SEARCH_FUNCTIONS = (
    "hazard_text_search(bigint, text)",
    "enterprise_text_search(bigint, text)",
    "directory_text_search(bigint, text)",
)

# Sets the tenant until the transaction ends (SET LOCAL); `tenant_text` is the signed setting, '' for none.
SET_TENANT_SQL = f"SELECT set_config('{SETTING}', %(tenant_text)s, true)"
# What a setting is bound to: this backend and this transaction (its start, to the microsecond).
BINDING_SQL = "SELECT app_tenant_binding()"


def require_transaction(using: str = DEFAULT_DB_ALIAS) -> None:
    if not connections[using].in_atomic_block:
        raise RuntimeError("the tenant is set per transaction: call this inside transaction.atomic()")


def tenant_key() -> bytes:
    """The HMAC key of the tenant setting: DATABASE_TENANT_KEY, or one derived from SECRET_KEY."""
    if settings.DATABASE_TENANT_KEY:
        return str(settings.DATABASE_TENANT_KEY).encode()
    label = b"hazard-ledger database tenant key"
    return hmac.new(settings.SECRET_KEY.encode(), label, hashlib.sha256).digest()


def tenant_setting(tenant_id: int | None, *, using: str = DEFAULT_DB_ALIAS) -> str:
    """The signed value of app.tenant for the current transaction ('' for no tenant). One round trip:
    the database says which backend and transaction this is, and the signature covers them. `using`
    names the connection (the read replica's transaction is signed for the standby's own backend)."""
    require_transaction(using)
    if tenant_id is None:
        return ""
    with connections[using].cursor() as cursor:
        cursor.execute(BINDING_SQL)
        binding = cursor.fetchone()[0]
    return signed_setting(tenant_id, binding)


def signed_setting(tenant_id: int, binding: str) -> str:
    """The value of app.tenant for the backend and transaction `binding` names (app_tenant_binding())."""
    message = f"{int(tenant_id)}:{binding}"
    return f"{message}:{hmac.new(tenant_key(), message.encode(), hashlib.sha256).hexdigest()}"


def set_current_tenant(tenant_id: int | None, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Set the tenant for the rest of the current transaction (there must be one: see tenant_context)."""
    value = tenant_setting(tenant_id, using=using)
    with connections[using].cursor() as cursor:
        cursor.execute(SET_TENANT_SQL, {"tenant_text": value})


@contextlib.contextmanager
def tenant_context(tenant: Any) -> Iterator[None]:
    """One transaction in which the database lets through the rows of `tenant` (a Tenant or its id)."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    with transaction.atomic():
        set_current_tenant(tenant_id)
        yield


def _tenant_columns() -> dict[str, bool]:
    """Every table of an installed model that carries a tenant_id column, and whether it may be NULL."""
    tables: dict[str, bool] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed or meta.label_lower in EXEMPT_MODELS:
            continue
        for field in meta.concrete_fields:
            if getattr(field, "column", None) == "tenant_id":
                tables[meta.db_table] = bool(field.null)
    return tables


def tenant_tables() -> list[str]:
    """Every table of an installed model that carries a tenant_id column (tenant-owned data)."""
    return sorted(_tenant_columns())


# Tables whose rows of no tenant the app role may add but never read: the audit log of sign-ins that named no
# tenant's account (its own insert-only policies, migration organizations 0003). Only the owner reads them.
WRITE_ONLY_NULL_TENANT_TABLES = frozenset({"organizations_auditentry", "organizations_auditchainhead"})

# Evaluated once per statement (a scalar subquery becomes an InitPlan), then compared like a constant.
CURRENT_TENANT = "(SELECT app_current_tenant())"


def policy_condition(nullable: bool) -> str:
    """Which rows the transaction's tenant reaches; a NULL tenant only while no tenant is set."""
    mine = f"tenant_id = {CURRENT_TENANT}"
    if not nullable:
        return f"({mine})"
    return f"({mine} OR (tenant_id IS NULL AND {CURRENT_TENANT} IS NULL))"


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


def _require_owner_bypasses_policies(cursor: Any) -> None:
    """The sign-in lookups run as the owner (SECURITY DEFINER) and must find a user before any tenant is
    set: under FORCE ROW LEVEL SECURITY only a superuser or a BYPASSRLS owner can."""
    cursor.execute("SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
    owner, bypasses = cursor.fetchone()
    if not bypasses:
        raise ImproperlyConfigured(
            f"migrate runs as {owner}, which is neither superuser nor BYPASSRLS: the sign-in lookups run as "
            f"the schema owner and would find no user. As a superuser: ALTER ROLE {owner} BYPASSRLS; then "
            "run migrate again."
        )


def _pads(key: bytes) -> tuple[bytes, bytes]:
    """HMAC-SHA256's key XOR ipad and key XOR opad (RFC 2104), so that the database computes HMAC with
    its built-in sha256() alone (the embedded PostgreSQL has no pgcrypto)."""
    block = hashlib.sha256(key).digest() if len(key) > 64 else key
    block = block.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def write_tenant_key(cursor: Any) -> None:
    """Store the database copy of the key (idempotent; a changed key replaces the old one)."""
    inner, outer = _pads(tenant_key())
    cursor.execute(
        "INSERT INTO app_tenant_key (id, inner_pad, outer_pad) VALUES (true, %s, %s) "
        "ON CONFLICT (id) DO UPDATE SET inner_pad = EXCLUDED.inner_pad, outer_pad = EXCLUDED.outer_pad, "
        "rotated_at = now() WHERE app_tenant_key.inner_pad IS DISTINCT FROM EXCLUDED.inner_pad",
        [inner, outer],
    )


def apply_row_level_security(using: str = "default") -> None:
    """Idempotent: policies on every tenant table, the tenant key, and exactly the app role's grants."""
    db: BaseDatabaseWrapper = connections[using]
    role = settings.DATABASE_APP_ROLE
    with db.cursor() as cursor, transaction.atomic(using=using):
        _require_owner_bypasses_policies(cursor)
        write_tenant_key(cursor)
        for table, nullable in sorted(_tenant_columns().items()):
            t = _quote(table)
            condition = policy_condition(nullable and table not in WRITE_ONLY_NULL_TENANT_TABLES)
            cursor.execute(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY")
            cursor.execute(f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY")
            cursor.execute(f"DROP POLICY IF EXISTS {POLICY} ON {t}")
            cursor.execute(f"CREATE POLICY {POLICY} ON {t} USING {condition} WITH CHECK {condition}")
        if not _ensure_app_role(cursor, role):
            return
        r = _quote(role)
        if settings.DATABASE_APP_PASSWORD:
            cursor.execute(f"ALTER ROLE {r} LOGIN PASSWORD %s", [settings.DATABASE_APP_PASSWORD])
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {r}")
        cursor.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}")
        cursor.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}")
        cursor.execute(f"REVOKE ALL ON {KEY_TABLE} FROM PUBLIC, {r}")
        for table in READ_ONLY_TABLES:
            cursor.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {_quote(table)} FROM {r}")
        for table in APPEND_ONLY_TABLES:
            cursor.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {_quote(table)} FROM {r}")
        for function in SIGN_IN_FUNCTIONS + SEARCH_FUNCTIONS:
            cursor.execute("SELECT to_regprocedure(%s) IS NOT NULL", [function])
            if not cursor.fetchone()[0]:  # migrated only part of the way: granted once it exists
                continue
            cursor.execute(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC")
            cursor.execute(f"GRANT EXECUTE ON FUNCTION {function} TO {r}")


def apply_after_migrate(
    sender: Any, using: str = "default", plan: list[Any] | None = None, **kwargs: Any
) -> None:
    """post_migrate receiver (wired in OrganizationsConfig.ready): runs once per migrate, after all apps.

    `flush` sends post_migrate too, without a plan: emptying tables leaves policies and grants as they
    are, so there is nothing to redo (and transactional tests flush after every test)."""
    if plan is None or sender.label != "organizations" or connections[using].vendor != "postgresql":
        return
    apply_row_level_security(using)
