"""Access scoping in one place (DESIGN.md section 4).

Every tenant-owned model gets its rows through `Model.objects.visible_to(actor)`: the tenant filter is
always applied, then the model's own `scope_filter(scope)` narrows to what the actor's memberships
allow. Selectors, DRF viewsets and browser views all start from it; nothing else reads tenant data.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from django.db import connection

from core.errors import NotFoundError, PermissionDeniedError
from core.rls import SET_TENANT_SQL

from .choices import DEPARTMENT_ROLES, ENTERPRISE_ROLES, Role

if TYPE_CHECKING:
    from django.http import HttpRequest
    from rest_framework.request import Request

    from .models import User

_CACHE_ATTR = "_hazard_ledger_scope"


@dataclass(frozen=True)
class DepartmentCoverage:
    department_id: int
    region_path: str
    industry_ids: frozenset[int]


@dataclass(frozen=True)
class Scope:
    """What one user may see inside their tenant, resolved once per request from their memberships."""

    user_id: int | None
    tenant_id: int | None
    roles: frozenset[str] = frozenset()
    enterprise_ids: frozenset[int] = frozenset()
    head_enterprise_ids: frozenset[int] = frozenset()
    expert_enterprise_ids: frozenset[int] = frozenset()
    departments: tuple[DepartmentCoverage, ...] = ()
    committee_paths: tuple[str, ...] = ()
    committee_region_ids: frozenset[int] = field(default_factory=frozenset)
    # Region paths of every unit the user belongs to (enterprise, department or committee region).
    unit_paths: tuple[str, ...] = ()

    @property
    def is_tenant_admin(self) -> bool:
        """The system administrator (role value `tenant_admin`): the directory; sees the whole tenant."""
        return Role.TENANT_ADMIN in self.roles

    @property
    def is_security_admin(self) -> bool:
        """Roles and policies: sees the tenant's accounts, roles and units, not its ledger."""
        return Role.SECURITY_ADMIN in self.roles

    @property
    def is_audit_admin(self) -> bool:
        """Reads and exports the tenant's audit log; changes nothing."""
        return Role.AUDIT_ADMIN in self.roles

    def fingerprint(self) -> str:
        """The same for every user whose scope grants the same rows: a key for what they may share."""
        parts = (
            self.tenant_id,
            sorted(self.roles),
            sorted(self.enterprise_ids),
            sorted(self.head_enterprise_ids),
            sorted(self.expert_enterprise_ids),
            sorted((d.department_id, d.region_path, sorted(d.industry_ids)) for d in self.departments),
            sorted(self.committee_paths),
            sorted(self.committee_region_ids),
            sorted(self.unit_paths),
        )
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]

    @property
    def department_ids(self) -> frozenset[int]:
        return frozenset(coverage.department_id for coverage in self.departments)

    def has_any_role(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & set(roles))

    def within(self, path: str) -> Scope | None:
        """This scope cut to one region subtree, when it grants by region alone (committee staff): a region
        covering the subtree becomes the subtree, one inside it stays, one beside it goes. None when it
        also grants by unit (departments, enterprises, experts, the whole tenant): the caller then adds the
        subtree as a condition of its own."""
        if self.roles != {Role.COMMITTEE_STAFF} or self.expert_enterprise_ids or self.departments:
            return None
        cut: set[str] = set()
        for mine in self.committee_paths:
            if path.startswith(mine):  # the subtree lies in this region: the subtree is what is left
                cut.add(path)
            elif mine.startswith(path):  # this region lies in the subtree: all of it stays
                cut.add(mine)
        return replace(self, committee_paths=tuple(sorted(cut)))


NO_SCOPE = Scope(user_id=None, tenant_id=None)


def scope_for(user: Any) -> Scope:
    """The user's scope, memoised on the user object (one per request)."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "tenant_id", None):
        return NO_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _build_scope(user, int(user.tenant_id))
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    """Drop the memoised scope after the user's memberships change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


# Every signed-in request needs the scope, so it is read in one statement: the user's active memberships
# with the region paths of their units and the industries of their departments, then (role NULL) the
# enterprises granted to the user as an expert. Expert grants are guardian per-user object permissions
# (organizations.services grants them to users, never to groups), kept in guardian's direct foreign-key
# table for enterprises, which carries the tenant (EnterpriseUserPermission).
_SCOPE_SQL = """
SELECT m.role, m.enterprise_id, m.department_id, m.region_id,
       enterprise.region_path, department_region.path, region.path,
       ARRAY(SELECT di.industry_id FROM {department_industries} di WHERE di.department_id = m.department_id)
FROM {membership} m
LEFT JOIN {enterprise} enterprise ON enterprise.id = m.enterprise_id
LEFT JOIN {department} department ON department.id = m.department_id
LEFT JOIN {region} department_region ON department_region.id = department.region_id
LEFT JOIN {region} region ON region.id = m.region_id
WHERE m.user_id = %(user)s AND m.tenant_id = %(tenant)s AND m.is_active
UNION ALL
SELECT NULL, grant_.content_object_id, NULL, NULL, NULL, NULL, NULL, NULL
FROM {expert_grants} grant_
JOIN auth_permission permission ON permission.id = grant_.permission_id
    AND permission.codename = 'assist_enterprise'
WHERE grant_.tenant_id = %(tenant)s AND grant_.user_id = %(user)s
"""


def _scope_sql() -> str:
    from .models import (  # models import this module: not at the top
        Department,
        Enterprise,
        EnterpriseUserPermission,
        Membership,
        Region,
    )

    return _SCOPE_SQL.format(
        membership=Membership._meta.db_table,
        enterprise=Enterprise._meta.db_table,
        department=Department._meta.db_table,
        department_industries=Department.industries.through._meta.db_table,
        region=Region._meta.db_table,
        expert_grants=EnterpriseUserPermission._meta.db_table,
    )


class _UnitRow(NamedTuple):
    """A row of _SCOPE_SQL: a membership, or (role None) an enterprise granted to the user as an expert."""

    role: str | None
    enterprise_id: int | None
    department_id: int | None
    region_id: int | None
    enterprise_path: str | None
    department_path: str | None
    region_path: str | None
    industry_ids: list[int] | None


def _build_scope(user: User, tenant_id: int) -> Scope:
    with connection.cursor() as cursor:
        cursor.execute(_scope_sql(), {"user": user.pk, "tenant": tenant_id})
        return _scope_from_rows(user.pk, tenant_id, cursor.fetchall())


def remember_scope(user: Any, scope: Scope) -> None:
    """Memoise a scope read elsewhere (with the tenant, see set_tenant_reading_scope) on its user."""
    setattr(user, _CACHE_ATTR, scope)


def set_tenant_reading_scope(*, user_id: int, tenant_id: int) -> Scope:
    """Set the transaction's tenant (as rls.set_current_tenant does) and read the user's scope in the same
    round trip to the database: every signed-in request needs both, one right after the other."""
    from core.rls import tenant_setting

    setting = tenant_setting(tenant_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"{SET_TENANT_SQL}; {_scope_sql()}",
            {"tenant_text": setting, "user": user_id, "tenant": tenant_id},
        )
        return _scope_from_rows(user_id, tenant_id, cursor.fetchall())


def _scope_from_rows(user_id: int, tenant_id: int, fetched: list[tuple[Any, ...]]) -> Scope:
    rows = [_UnitRow(*row) for row in fetched]
    memberships = [row for row in rows if row.role is not None]
    committee = [m for m in memberships if m.role == Role.COMMITTEE_STAFF and m.region_id is not None]
    return Scope(
        user_id=user_id,
        tenant_id=tenant_id,
        roles=frozenset(m.role for m in memberships if m.role),
        enterprise_ids=frozenset(
            m.enterprise_id for m in memberships if m.role in ENTERPRISE_ROLES and m.enterprise_id
        ),
        head_enterprise_ids=frozenset(
            m.enterprise_id for m in memberships if m.role == Role.ENTERPRISE_HEAD and m.enterprise_id
        ),
        expert_enterprise_ids=frozenset(
            row.enterprise_id for row in rows if row.role is None and row.enterprise_id
        ),
        departments=tuple(
            DepartmentCoverage(
                department_id=m.department_id,
                region_path=m.department_path or "",
                industry_ids=frozenset(m.industry_ids or ()),
            )
            for m in memberships
            if m.role in DEPARTMENT_ROLES and m.department_id is not None
        ),
        committee_paths=tuple(m.region_path or "" for m in committee),
        committee_region_ids=frozenset(m.region_id for m in committee if m.region_id),
        unit_paths=tuple(
            sorted(
                {
                    path
                    for m in memberships
                    for path in (m.enterprise_path, m.department_path, m.region_path)
                    if path
                }
            )
        ),
    )


def actor_of(request: HttpRequest | Request) -> User:
    """The signed-in caller of a page or an API view: login_required (pages) or IsAuthenticated (the API)
    has already turned anonymous callers away."""
    return cast("User", request.user)


def tenant_of(actor: Any) -> int:
    """The actor's tenant id; an account without a tenant reaches no tenant data (404)."""
    tenant_id = scope_for(actor).tenant_id
    if tenant_id is None:
        raise NotFoundError()
    return tenant_id


def require_role(actor: Any, roles: frozenset[str] | set[str], message: object = None) -> Scope:
    """The actor's scope if they hold one of the roles, else a 403."""
    scope = scope_for(actor)
    if not scope.has_any_role(roles):
        raise PermissionDeniedError(message)
    return scope
