"""The database's last line, against SQL running as the application role: the tenant setting cannot be
forged or replayed, the key that signs it cannot be read, users, API tokens and expert grants are under
row-level security, sign-in still works for every role, every SECURITY DEFINER function pins its
search_path, and a dump of the token table holds no usable token.

Like test_row_level_security.py, the world is built as the owner and each test then reconnects as
DATABASE_APP_ROLE (the `app_role` fixture).
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import re
from typing import Any

import psycopg2
import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from guardian.models import UserObjectPermission

from core.rls import SET_TENANT_SQL, apply_row_level_security, tenant_context, tenant_setting
from organizations.models import ApiToken, Enterprise, EnterpriseUserPermission, Region, User
from organizations.services import auth_token_issue, expert_grant

from ..conftest import PASSWORD
from ..factories import UserFactory
from .conftest import reconnect_as

pytestmark = pytest.mark.django_db(transaction=True)

NOT_VERIFIED = r"app\.tenant (does not verify|was not issued for this transaction)"
ROLES = ["officer", "head", "inspector", "committee", "admin", "outsider"]
# Who builds the world and migrates: read before any test reconnects as the app role.
OWNER = str(settings.DATABASES["default"]["USER"]), str(settings.DATABASES["default"]["PASSWORD"])
MIGRATION = importlib.import_module("organizations.migrations.0004_dbline_database_last_line")


def _signed(key: bytes, message: str) -> str:
    return f"{message}:{hmac.new(key, message.encode(), hashlib.sha256).hexdigest()}"


def _set_raw(value: str) -> None:
    """What SQL running as the app role can do: set the setting to anything it likes."""
    with connection.cursor() as cursor:
        cursor.execute(SET_TENANT_SQL, {"tenant_text": value})


def _one(sql: str, params: list[Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()


def _hazard_count() -> int:
    return int(_one("SELECT count(*) FROM hazards_hazard")[0])


def _second_app_connection() -> Any:
    params = connection.settings_dict
    return psycopg2.connect(
        dbname=params["NAME"], user=params["USER"], host=params["HOST"], port=params["PORT"] or None
    )


# ------------------------------------------------------------------------------------- the tenant setting


def _forgeries(tenant_id: int, binding: str) -> dict[str, str]:
    return {
        "the bare id, as the app itself set it before": str(tenant_id),
        "the right binding and no MAC": f"{tenant_id}:{binding}",
        "the right binding and a made-up MAC": f"{tenant_id}:{binding}:{'0' * 64}",
        "signed with another key": _signed(b"a key the attacker chose", f"{tenant_id}:{binding}"),
        "garbage": "beta please",
    }


@pytest.mark.parametrize("forgery", list(_forgeries(1, "1:1")))
def test_a_setting_the_app_role_writes_itself_reaches_no_row(world, app_role, hazards, forgery) -> None:
    beta = world.b.tenant.pk
    with pytest.raises(DatabaseError, match=NOT_VERIFIED), transaction.atomic():
        _set_raw(_forgeries(beta, _one("SELECT app_tenant_binding()")[0])[forgery])
        _hazard_count()
    # Writes are refused just the same.
    with pytest.raises(DatabaseError, match=NOT_VERIFIED), transaction.atomic():
        _set_raw(_forgeries(beta, _one("SELECT app_tenant_binding()")[0])[forgery])
        Region.objects.create(tenant=world.b.tenant, code="140107", name="丙区", level="county", path="x/")


def test_a_setting_signed_for_another_transaction_reaches_no_row(world, app_role, hazards) -> None:
    with tenant_context(world.b.tenant):
        beta_setting = tenant_setting(world.b.tenant.pk)
        assert _hazard_count() == 1  # it is good in its own transaction
    # Replayed in a later transaction of the same connection, with no tenant or with alpha's.
    with pytest.raises(DatabaseError, match="not issued for this transaction"), transaction.atomic():
        _set_raw(beta_setting)
        _hazard_count()
    with (
        pytest.raises(DatabaseError, match="not issued for this transaction"),
        tenant_context(world.a.tenant),
    ):
        _set_raw(beta_setting)
        _hazard_count()


def test_a_setting_seen_on_another_connection_reaches_no_row(world, app_role, hazards) -> None:
    """pg_stat_activity shows every app-role connection the others' statements, values included: a setting
    copied from beta's transaction while it is still open does not work on another connection."""
    with tenant_context(world.b.tenant):
        connection.ensure_connection()
        beta_setting = tenant_setting(world.b.tenant.pk)
        _set_raw(beta_setting)
        other = _second_app_connection()
        try:
            with other.cursor() as cursor:
                cursor.execute(
                    "SELECT query FROM pg_stat_activity WHERE pid = %s",
                    [connection.connection.info.backend_pid],
                )
                assert beta_setting in cursor.fetchone()[0]  # the leak this binding is for
                cursor.execute("SELECT set_config('app.tenant', %s, true)", [beta_setting])
                with pytest.raises(psycopg2.Error, match="not issued for this transaction"):
                    cursor.execute("SELECT count(*) FROM hazards_hazard")
        finally:
            other.close()


def test_with_no_setting_tenant_users_tokens_and_grants_are_invisible(world, app_role) -> None:
    assert not User.objects.filter(tenant__isnull=False).exists()
    assert _one("SELECT count(*) FROM organizations_apitoken")[0] == 0
    assert _one("SELECT count(*) FROM organizations_enterpriseuserpermission")[0] == 0


def test_the_app_role_cannot_read_or_change_the_key_or_the_functions(world, app_role) -> None:
    for statement in (
        "SELECT * FROM app_tenant_key",
        "UPDATE app_tenant_key SET inner_pad = inner_pad RETURNING 1",
        "DELETE FROM app_tenant_key RETURNING 1",
        "INSERT INTO app_tenant_key (id, inner_pad, outer_pad) VALUES (false, '', '')",
        "CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint'",
        "ALTER FUNCTION app_current_tenant() SECURITY INVOKER",
        "CREATE FUNCTION public.app_tenant_binding(x int) RETURNS text LANGUAGE sql AS 'SELECT 1::text'",
    ):
        with pytest.raises(DatabaseError, match=r"permission denied|must be owner"), transaction.atomic():
            _one(statement)
    # Nothing of its own in the schema the definer functions search.
    assert _one("SELECT has_schema_privilege('public', 'CREATE')")[0] is False


def test_the_policies_still_use_the_tenant_indexes(world, app_role) -> None:
    """The tenant is computed once per statement (an InitPlan) and compared like a constant, so it is an
    index key (the test tables are too small for the planner to choose an index unless told)."""
    with tenant_context(world.a.tenant), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN SELECT id FROM hazards_hazard")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "InitPlan" in plan and "SubPlan" not in plan, plan
    # The InitPlan's result as the index key: `$0` up to PostgreSQL 16, `(InitPlan 1).col1` from 17 on.
    assert re.search(r"(Index|Recheck) Cond: \(+tenant_id = (\$\d|\(InitPlan \d+\)\.col\d)", plan), plan


def test_a_region_subtree_is_an_index_condition_under_the_policies(world, app_role) -> None:
    """Under a policy only leakproof conditions may be index conditions. `LIKE 'path%'` is not, so a region
    filter read the tenant's whole ledger; `startswith` is written as `^@` (core/lookups.py), whose function
    is leakproof and which PostgreSQL turns into the range condition of the region index. (Which index the
    planner picks on the test's few rows is its choice; what it may use is checked here.)"""
    from hazards.models import Hazard

    query = Hazard.objects.filter(region_path__startswith=world.a.county.path).order_by().values("id").query
    sql, params = query.sql_with_params()
    assert "LIKE" not in sql and "^@" in sql, sql
    leakproof = (
        "SELECT p.proleakproof FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode"
        " WHERE o.oprname = %s AND o.oprleft = 'text'::regtype AND o.oprright = 'text'::regtype"
    )
    with tenant_context(world.a.tenant), connection.cursor() as cursor:
        cursor.execute(leakproof, ["^@"])
        assert cursor.fetchone()[0] is True
        cursor.execute(leakproof, ["~~"])  # LIKE
        assert cursor.fetchone()[0] is False
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "~~" not in plan, plan


def test_a_key_migrate_has_not_written_is_refused_until_it_has(world, app_role, hazards, settings) -> None:
    """Web, worker and beat sign with the key they were started with; migrate writes the database's copy.
    A mismatch is an error on every tenant query (loud), never another tenant's rows."""
    owner = settings.DATABASES["default"]["USER"]  # the app role now: see app_role
    settings.DATABASE_TENANT_KEY = "a-key-for-this-deployment-that-migrate-has-not-seen"
    with pytest.raises(DatabaseError, match="does not verify"), tenant_context(world.a.tenant):
        _hazard_count()
    assert owner == settings.DATABASE_APP_ROLE
    _as_owner(apply_row_level_security)  # what migrate does after migrating
    try:
        with tenant_context(world.a.tenant):
            assert _hazard_count() == 1
    finally:
        settings.DATABASE_TENANT_KEY = ""
        _as_owner(apply_row_level_security)  # the key of the other tests


# --------------------------------------------------------------------------- users, tokens, grants, sign-in


@pytest.fixture
def platform_staff(world: Any) -> User:
    return User.objects.create_superuser(
        username="platform-staff", password=PASSWORD, email="s@example.gov.cn"
    )


@pytest.fixture
def credentials(world: Any, platform_staff: User) -> dict[str, Any]:
    """An API token and an expert grant in each tenant, made as the owner."""
    made: dict[str, Any] = {}
    for name, tenant_world in (("a", world.a), ("b", world.b)):
        expert = UserFactory.create(username=f"{name}-expert", tenant=tenant_world.tenant)
        expert_grant(
            actor=tenant_world.committee, expert=expert, enterprise=tenant_world.construction_enterprise
        )
        made[name] = {"expert": expert, "token": auth_token_issue(user=tenant_world.officer)}
    return made


def test_users_tokens_and_grants_of_another_tenant_are_invisible(world, credentials, app_role) -> None:
    with tenant_context(world.a.tenant):
        assert {user.tenant_id for user in User.objects.all()} == {world.a.tenant.pk}
        assert not User.objects.filter(username__in=["beta-officer", "platform-staff"]).exists()
        assert {token.tenant_id for token in ApiToken.objects.all()} == {world.a.tenant.pk}
        grants = list(EnterpriseUserPermission.objects.all())
        assert [(grant.tenant_id, grant.user_id) for grant in grants] == [
            (world.a.tenant.pk, credentials["a"]["expert"].pk)
        ]
        # Nor can one be written into the other tenant or moved there.
        for write in (
            lambda: User.objects.create(username="mole", tenant=world.b.tenant),
            lambda: User.objects.filter(pk=world.a.officer.pk).update(tenant=world.b.tenant),
            lambda: ApiToken.objects.create(digest="0" * 64, user=world.a.officer, tenant=world.b.tenant),
        ):
            with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
                write()
    with transaction.atomic():  # no tenant: platform staff only
        assert list(User.objects.values_list("username", flat=True)) == ["platform-staff"]


def test_expert_grants_are_tenant_owned_and_scope_the_expert(world, credentials, app_role, client) -> None:
    expert = credentials["a"]["expert"]
    granted = f"/directory/enterprises/{world.a.construction_enterprise.pk}/"
    client.post("/accounts/login/", {"username": expert.username, "password": PASSWORD})
    assert client.get(granted).status_code == 200
    assert client.get(f"/directory/enterprises/{world.a.enterprise.pk}/").status_code == 404
    # Only the tenant-owned grant counts: one in guardian's generic table (no tenant) opens nothing.
    with tenant_context(world.a.tenant):
        grant = EnterpriseUserPermission.objects.get(user=expert)
        UserObjectPermission.objects.create(
            user=expert,
            permission=grant.permission,
            content_type=_enterprise_type(),
            object_pk=str(grant.content_object_id),
        )
        grant.delete()
    assert client.get(granted).status_code == 404


@pytest.mark.parametrize("tenant_world", ["a", "b"])
def test_every_role_signs_in_by_password_and_token_as_the_app_role(
    world, client, app_role, tenant_world
) -> None:
    for role in ROLES:
        user = getattr(world, tenant_world).users[role]
        login = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
        assert login.status_code == 302, (role, login.content[:300])
        home = client.get("/", headers={"Accept-Language": "en"})
        assert home.status_code == 200 and user.username in home.content.decode()
        client.logout()
        token = client.post("/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}).json()
        me = client.get("/api/v1/me/", headers={"Authorization": f"Token {token['token']}"}).json()
        assert (me["username"], me["tenant"]["slug"]) == (
            user.username,
            getattr(world, tenant_world).tenant.slug,
        )
    wrong = client.post("/api/v1/auth/token/", {"username": "alpha-officer", "password": "wrong"})
    assert wrong.status_code in {400, 401, 403}


def test_platform_staff_sign_in_to_the_admin_with_no_tenant(world, client, platform_staff, app_role) -> None:
    # The admin signs in through the product's own (audited, throttled) sign-in page.
    login = client.post("/accounts/login/?next=/admin/", {"username": "platform-staff", "password": PASSWORD})
    assert login.status_code == 302
    admin = client.get("/admin/organizations/user/")
    assert admin.status_code == 200
    assert "platform-staff" in admin.content.decode() and "alpha-officer" not in admin.content.decode()


def test_a_session_without_the_tenant_finds_it_before_reading_the_user(world, client, hazards) -> None:
    client.force_login(world.a.committee)  # as the owner: Django's own login, which does not keep the tenant
    owner = connection.settings_dict["USER"], connection.settings_dict["PASSWORD"]
    reconnect_as(settings.DATABASE_APP_ROLE, "")
    try:
        ledger = client.get("/ledger/", headers={"Accept-Language": "en"})
        assert ledger.status_code == 200 and hazards["a"].code in ledger.content.decode()
        assert client.session["_hazard_ledger_tenant"] == world.a.tenant.pk
    finally:
        reconnect_as(*owner)


def test_as_the_app_role_a_new_name_is_free_or_taken_within_the_tenant_alone(world, client, app_role) -> None:
    """The users of beta are invisible to alpha's transaction: a name beta uses is free in alpha (new accounts
    sign in as `<tenant>/<name>`), and a name alpha already gave is refused as taken, not as an error."""
    token = client.post("/api/v1/auth/token/", {"username": "alpha-admin", "password": PASSWORD}).json()[
        "token"
    ]

    def create() -> Any:
        return client.post(
            "/api/v1/users/",
            {"username": "beta-officer", "password": "Brand-new-pass-7"},
            headers={"Authorization": f"Token {token}"},
        )

    first = create()
    assert first.status_code == 201 and first.json()["username"] == "alpha/beta-officer"
    again = create()
    assert again.status_code == 400 and "username" in again.json()


# ------------------------------------------------------------------------------- search_path and tokens


def test_every_security_definer_function_pins_its_search_path_with_pg_temp_last(db) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.proname, p.proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema')"
        )
        definers = dict(cursor.fetchall())
    assert {
        "app_current_tenant",
        "auth_login_candidate",
        "auth_token_owner",
        "auth_user_tenant",
        "hazards_event_chain",
    } <= set(definers)
    for name, config in definers.items():
        paths = [item.split("=", 1)[1] for item in config or [] if item.startswith("search_path=")]
        assert paths, f"{name} has no search_path of its own"
        schemas = [schema.strip().strip('"') for schema in paths[0].split(",")]
        assert schemas[-1] == "pg_temp" and "$user" not in schemas, f"{name}: search_path={paths[0]}"


def test_a_dump_of_the_token_table_holds_no_usable_token(world, client) -> None:
    key = client.post("/api/v1/auth/token/", {"username": "alpha-officer", "password": PASSWORD}).json()[
        "token"
    ]
    assert client.get("/api/v1/me/", headers={"Authorization": f"Token {key}"}).status_code == 200
    dumped = [
        str(value) for row in ApiToken.objects.values_list() for value in row
    ]  # as the owner: everything
    assert dumped and key not in " ".join(dumped)
    for value in dumped:
        assert client.get("/api/v1/me/", headers={"Authorization": f"Token {value}"}).status_code == 401


def test_existing_keys_and_generic_grants_are_moved_by_the_migration(world, client) -> None:
    """The migration's own SQL, on rows in the old shape: DRF's table of keys in clear, guardian's generic
    grants on enterprises."""
    expert = UserFactory.create(username="old-expert", tenant=world.b.tenant)
    generic = UserObjectPermission.objects.create(
        user=expert,
        permission=_assist_permission(),
        content_type=_enterprise_type(),
        object_pk=str(world.b.enterprise.pk),
    )
    key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamptz NOT NULL, "
            "user_id bigint NOT NULL)"
        )
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, now(), %s)", [key, world.b.officer.pk])
        cursor.execute(MIGRATION.HASH_TOKENS)
        cursor.execute(MIGRATION.MOVE_GRANTS)
        cursor.execute("SELECT to_regclass('authtoken_token')")
        assert cursor.fetchone()[0] is None  # the keys in clear are gone
    assert not UserObjectPermission.objects.filter(pk=generic.pk).exists()
    moved = EnterpriseUserPermission.objects.get(user=expert)
    assert (moved.tenant_id, moved.content_object_id) == (world.b.tenant.pk, world.b.enterprise.pk)
    me = client.get("/api/v1/me/", headers={"Authorization": f"Token {key}"})  # the client keeps its key
    assert me.json()["username"] == "beta-officer"


# ------------------------------------------------------------------------------------------------ helpers


def _assist_permission() -> Any:
    from django.contrib.auth.models import Permission

    return Permission.objects.get(codename="assist_enterprise")


def _enterprise_type() -> Any:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(Enterprise)


def _as_owner(action: Any) -> None:
    """Run `action` connected as the owner, then go back to the app role."""
    app = connection.settings_dict["USER"], connection.settings_dict["PASSWORD"]
    reconnect_as(*OWNER)
    try:
        action()
    finally:
        reconnect_as(*app)
