"""Every write to the directory: tenants, regions, departments, enterprises, users and memberships."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from core.scoping import ensure_visible
from organizations.signing_in.lookups import token_digest

from .audit import audit_record
from .choices import (
    ADMINISTRATOR_ROLES,
    DEPARTMENT_ROLES,
    DIRECTORY_MANAGER_ROLES,
    ENTERPRISE_ROLES,
    KEY_INDUSTRIES,
    ROLE_MANAGER_ROLES,
    AuditAction,
    EnterpriseScale,
    EnterpriseStatus,
    Role,
)
from .models import ApiToken, Department, Enterprise, Industry, Membership, Region, Tenant, User
from .passwords import password_remember
from .scoping import Scope, forget_scope, require_role, tenant_of
from .usernames import TENANT_SEPARATOR, sign_in_name
from .validators import region_level_of, validate_region_code

# ---------------------------------------------------------------- tenants and regions (platform level)


@transaction.atomic
def tenant_create(*, slug: str, name: str, name_en: str = "") -> Tenant:
    """A tenant with the key-industry catalogue every campaign starts from."""
    tenant, _created = Tenant.objects.get_or_create(slug=slug, defaults={"name": name, "name_en": name_en})
    Industry.objects.bulk_create(
        [Industry(tenant=tenant, code=code, name=zh, name_en=en) for code, zh, en in KEY_INDUSTRIES],
        ignore_conflicts=True,
    )
    return tenant


def region_path_for(code: str, parent: Region | None) -> str:
    return f"{parent.path if parent else ''}{code}/"


def _validate_region_placement(*, code: str, parent: Region | None) -> str:
    try:
        validate_region_code(code)
    except ValidationError as error:
        raise ValidationError({"code": error.messages}) from None
    level = region_level_of(code)
    if parent is None:
        if level != "province":
            raise ValidationError(
                {"parent": _("Only a province (code ending 0000) may have no parent region.")}
            )
        return level
    prefix = parent.code[:2] if parent.level == "province" else parent.code[:4]
    if parent.level == "county" or not code.startswith(prefix) or code == parent.code:
        raise ValidationError(
            {
                "code": _("Region %(code)s cannot sit under %(parent)s.")
                % {"code": code, "parent": parent.code}
            }
        )
    return level


@transaction.atomic
def region_create(
    *, tenant: Tenant, code: str, name: str, name_en: str = "", parent: Region | None = None
) -> Region:
    """Add a region to the tenant's tree; the code must fit under its parent (GB/T 2260)."""
    if parent is not None and parent.tenant_id != tenant.pk:
        raise ValidationError({"parent": _("The parent region belongs to another tenant.")})
    level = _validate_region_placement(code=code, parent=parent)
    region, _created = Region.objects.get_or_create(
        tenant=tenant,
        code=code,
        defaults={
            "name": name,
            "name_en": name_en,
            "parent": parent,
            "level": level,
            "path": region_path_for(code, parent),
        },
    )
    return region


@transaction.atomic
def region_create_by(
    *, actor: User, code: str, name: str, name_en: str = "", parent: Region | None
) -> Region:
    """Tenant admins extend the region tree (e.g. a newly created county)."""
    require_role(actor, {Role.TENANT_ADMIN})
    if parent is not None:
        ensure_visible(actor, parent)
    assert actor.tenant is not None
    if Region.objects.filter(tenant=actor.tenant, code=code).exists():
        raise ValidationError({"code": _("Region %(code)s already exists.") % {"code": code}})
    region = region_create(tenant=actor.tenant, code=code, name=name, name_en=name_en, parent=parent)
    audit_record(actor=actor, action=AuditAction.DIRECTORY_CREATE, target=region)
    return region


# ---------------------------------------------------------------- directory managers


def _require_manager_of(actor: User, region: Region, *, field: str = "region") -> Scope:
    """The actor manages the directory and the region lies inside their remit (else a field error)."""
    scope = require_role(
        actor, DIRECTORY_MANAGER_ROLES, _("Only committee staff and tenant admins manage the directory.")
    )
    ensure_visible(actor, region)
    if not scope.is_tenant_admin and not any(region.path.startswith(path) for path in scope.committee_paths):
        raise ValidationError(
            {field: _("%(region)s is outside the regions you manage.") % {"region": region}}
        )
    return scope


def _check_industries(actor: User, industries: Iterable[Industry]) -> list[Industry]:
    chosen = list(industries)
    for industry in chosen:
        ensure_visible(actor, industry)
    if not chosen:
        raise ValidationError({"industries": _("Choose at least one industry.")})
    return chosen


def _full_clean(obj: Any, exclude: list[str] | None = None) -> None:
    """Model validation with messages keyed by field, as forms and the API show them."""
    obj.full_clean(exclude=exclude, validate_unique=False)


def _unique_credit_code(tenant_id: int, credit_code: str, exclude_pk: int | None = None) -> None:
    clash = Enterprise.objects.filter(tenant_id=tenant_id, credit_code=credit_code)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"credit_code": _("An enterprise with this credit code is already registered.")}
        )


@transaction.atomic
def enterprise_create(
    *,
    actor: User,
    name: str,
    credit_code: str,
    region: Region,
    industries: Iterable[Industry],
    address: str = "",
    scale: str = EnterpriseScale.SMALL,
    status: str = EnterpriseStatus.OPERATING,
) -> Enterprise:
    _require_manager_of(actor, region)
    chosen = _check_industries(actor, industries)
    enterprise = Enterprise(
        tenant_id=tenant_of(actor),
        name=name.strip(),
        credit_code=credit_code.strip().upper(),
        region=region,
        region_path=region.path,
        address=address,
        scale=scale,
        status=status,
    )
    _full_clean(enterprise, exclude=["tenant", "region_path"])
    _unique_credit_code(region.tenant_id, enterprise.credit_code)
    enterprise.save()
    enterprise.industries.set(chosen)
    audit_record(actor=actor, action=AuditAction.DIRECTORY_CREATE, target=enterprise)
    return enterprise


@transaction.atomic
def enterprise_update(*, actor: User, enterprise: Enterprise, **changes: Any) -> Enterprise:
    """Change an enterprise's details; moving it to another region needs the new region in remit too."""
    enterprise = Enterprise.objects.select_for_update(of=("self",)).get_visible(actor, pk=enterprise.pk)
    _require_manager_of(actor, enterprise.region)
    industries = changes.pop("industries", None)
    allowed = {"name", "credit_code", "region", "address", "scale", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in sorted(unknown)})
    if "region" in changes:
        _require_manager_of(actor, changes["region"])
        enterprise.region_path = changes["region"].path
    if "credit_code" in changes:
        changes["credit_code"] = changes["credit_code"].strip().upper()
    for field, value in changes.items():
        setattr(enterprise, field, value)
    _full_clean(enterprise, exclude=["tenant", "region_path"])
    _unique_credit_code(enterprise.tenant_id, enterprise.credit_code, exclude_pk=enterprise.pk)
    enterprise.save()
    if industries is not None:
        enterprise.industries.set(_check_industries(actor, industries))
    audit_record(
        actor=actor, action=_directory_change(changes, "status", EnterpriseStatus.CLOSED), target=enterprise
    )
    return enterprise


@transaction.atomic
def department_create(
    *, actor: User, name: str, region: Region, industries: Iterable[Industry], name_en: str = ""
) -> Department:
    _require_manager_of(actor, region)
    chosen = _check_industries(actor, industries)
    if Department.objects.filter(tenant_id=tenant_of(actor), region=region, name=name.strip()).exists():
        raise ValidationError({"name": _("This region already has a department with that name.")})
    department = Department(tenant_id=tenant_of(actor), name=name.strip(), name_en=name_en, region=region)
    _full_clean(department, exclude=["tenant"])
    department.save()
    department.industries.set(chosen)
    audit_record(actor=actor, action=AuditAction.DIRECTORY_CREATE, target=department)
    return department


@transaction.atomic
def department_update(*, actor: User, department: Department, **changes: Any) -> Department:
    department = Department.objects.select_for_update(of=("self",)).get_visible(actor, pk=department.pk)
    _require_manager_of(actor, department.region)
    industries = changes.pop("industries", None)
    unknown = set(changes) - {"name", "name_en", "is_active"}
    if unknown:
        raise ValidationError({field: _("This field cannot be changed.") for field in sorted(unknown)})
    for field, value in changes.items():
        setattr(department, field, value)
    _full_clean(department, exclude=["tenant"])
    department.save()
    if industries is not None:
        department.industries.set(_check_industries(actor, industries))
    audit_record(actor=actor, action=_directory_change(changes, "is_active", False), target=department)
    return department


def _directory_change(changes: dict[str, Any], field: str, closed: object) -> str:
    """An update that closes the entry is audited as a closing."""
    if field in changes and changes[field] == closed:
        return AuditAction.DIRECTORY_CLOSE
    return AuditAction.DIRECTORY_UPDATE


# ---------------------------------------------------------------- users and memberships


@transaction.atomic
def user_create(
    *, actor: User, username: str, password: str, full_name: str = "", email: str = "", phone: str = ""
) -> User:
    """A new account in the actor's tenant; it sees nothing until a membership is granted, and changes the
    initial password at its first sign-in (someone else chose it).

    It signs in as `<tenant slug>/<username>` (organizations/usernames.py), so whether a name is free is
    decided inside the actor's tenant alone: a name used by another tenant is answered exactly like a name
    used nowhere.
    """
    require_role(actor, DIRECTORY_MANAGER_ROLES)
    tenant = Tenant.objects.get(pk=tenant_of(actor))
    if TENANT_SEPARATOR in username:
        raise ValidationError(
            {
                "username": _("Give the name without a slash: the account signs in as “%(example)s”.")
                % {"example": sign_in_name(tenant.slug, "name")}
            }
        )
    qualified = sign_in_name(tenant.slug, username)
    taken = _("%(tenant)s already has a user named “%(name)s”.") % {"tenant": tenant, "name": username}
    if User.objects.filter(tenant=tenant, username=qualified).exists():
        raise ValidationError({"username": taken})
    user = User(username=qualified, full_name=full_name, email=email, phone=phone, tenant=tenant)
    _full_clean(user, exclude=["password", "tenant"])
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.must_change_password = True
    try:
        with transaction.atomic():  # two managers creating the same name at once: one gets "taken"
            user.save()
    except IntegrityError:
        raise ValidationError({"username": taken}) from None
    password_remember(user)
    audit_record(actor=actor, action=AuditAction.DIRECTORY_CREATE, target=user)
    return user


@transaction.atomic
def user_close(*, actor: User, user: User) -> User:
    """Close an account: it can no longer sign in, its sessions and API tokens end, and the row stays."""
    user = User.objects.select_for_update().get_visible(actor, pk=user.pk)
    require_role(actor, {Role.TENANT_ADMIN}, _("Only the system administrator closes accounts."))
    if user.pk == actor.pk:
        raise ValidationError({"user": _("You cannot close your own account.")})
    user.is_active = False  # the session backend no longer returns the user: their sessions are over
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user).delete()
    audit_record(actor=actor, action=AuditAction.DIRECTORY_CLOSE, target=user)
    return user


def _unit_region(unit: Enterprise | Department | Region) -> Region:
    return unit if isinstance(unit, Region) else unit.region


def _require_role_manager_of(actor: User, region: Region | None, *, field: str = "unit") -> Scope:
    """The actor grants roles, and the unit lies in their remit: the security administrator's is the whole
    tenant, committee staff's their regions (else a field error)."""
    scope = require_role(
        actor, ROLE_MANAGER_ROLES, _("Only the security administrator and committee staff manage roles.")
    )
    if region is not None:
        ensure_visible(actor, region)
    if scope.is_security_admin:
        return scope
    if region is None or not any(region.path.startswith(path) for path in scope.committee_paths):
        raise ValidationError(
            {field: _("%(region)s is outside the regions you manage.") % {"region": region}}
        )
    return scope


def _membership_unit(role: str, unit: Enterprise | Department | Region | None) -> dict[str, Any]:
    """The membership's unit fields for the role, or a field error when the unit does not fit it."""
    fields: dict[str, Any] = {"enterprise": None, "department": None, "region": None}
    if role in ENTERPRISE_ROLES and isinstance(unit, Enterprise):
        fields["enterprise"] = unit
    elif role in DEPARTMENT_ROLES and isinstance(unit, Department):
        fields["department"] = unit
    elif role == Role.COMMITTEE_STAFF and isinstance(unit, Region):
        fields["region"] = unit
    elif role in ADMINISTRATOR_ROLES and unit is None:
        pass
    elif role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    else:
        raise ValidationError({"unit": _("This role needs a different kind of unit.")})
    return fields


def _check_separation(user: User, role: str) -> None:
    """Separated administrators (三员分立): an administrator's account holds that one role and no other.
    The database refuses two administrator roles on one account too (membership_one_administrator_role)."""
    held = set(Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True)) - {role}
    if role in ADMINISTRATOR_ROLES and held:
        raise ValidationError(
            {"role": _("%(user)s holds other roles; an administrator holds only one.") % {"user": user}}
        )
    if held & ADMINISTRATOR_ROLES:
        raise ValidationError(
            {"role": _("%(user)s is an administrator and holds no other role.") % {"user": user}}
        )


@transaction.atomic
def membership_grant(
    *, actor: User, user: User, role: str, unit: Enterprise | Department | Region | None
) -> Membership:
    """Give a user a role on a unit. The security administrator grants any role in the tenant (the
    administrators' too); committee staff grant the other roles inside their regions. Nobody changes their
    own roles."""
    scope = require_role(
        actor, ROLE_MANAGER_ROLES, _("Only the security administrator and committee staff manage roles.")
    )
    ensure_visible(actor, user)
    fields = _membership_unit(role, unit)
    if role in ADMINISTRATOR_ROLES and not scope.is_security_admin:
        raise ValidationError({"role": _("Only the security administrator grants administrator roles.")})
    if unit is not None:
        _require_role_manager_of(actor, _unit_region(unit))
    if user.pk == actor.pk:
        raise ValidationError({"user": _("You cannot change your own roles.")})
    User.objects.select_for_update().filter(pk=user.pk).first()  # one grant per account at a time
    _check_separation(user, role)
    membership, created = Membership.objects.get_or_create(
        tenant_id=tenant_of(actor), user=user, role=role, **fields, defaults={"is_active": True}
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    forget_scope(user)
    audit_record(
        actor=actor, action=AuditAction.ROLE_GRANT, target=membership, detail={"user": user.pk, "role": role}
    )
    return membership


@transaction.atomic
def membership_revoke(*, actor: User, membership: Membership) -> Membership:
    """End a membership; the row stays as the record of who held which role."""
    membership = Membership.objects.select_for_update(of=("self",)).get_visible(actor, pk=membership.pk)
    scope = require_role(
        actor, ROLE_MANAGER_ROLES, _("Only the security administrator and committee staff manage roles.")
    )
    if membership.role in ADMINISTRATOR_ROLES and not scope.is_security_admin:
        raise ValidationError({"role": _("Only the security administrator ends an administrator's role.")})
    if membership.user_id == actor.pk:
        raise ValidationError({"role": _("You cannot change your own roles.")})
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action=AuditAction.ROLE_REVOKE,
        target=membership,
        detail={"user": membership.user_id, "role": membership.role},
    )
    return membership


@transaction.atomic
def expert_grant(*, actor: User, expert: User, enterprise: Enterprise) -> None:
    """Let an expert see an enterprise they assist (object-level grant)."""
    ensure_visible(actor, enterprise)
    _require_role_manager_of(actor, enterprise.region)
    if expert.tenant_id != actor.tenant_id:
        raise ValidationError({"expert": _("The expert must belong to your tenant.")})
    assign_perm("organizations.assist_enterprise", expert, enterprise)
    forget_scope(expert)
    audit_record(
        actor=actor,
        action=AuditAction.ROLE_GRANT,
        target=enterprise,
        detail={"user": expert.pk, "role": "expert"},
    )


@transaction.atomic
def expert_revoke(*, actor: User, expert: User, enterprise: Enterprise) -> None:
    ensure_visible(actor, enterprise)
    _require_role_manager_of(actor, enterprise.region)
    remove_perm("organizations.assist_enterprise", expert, enterprise)
    forget_scope(expert)
    audit_record(
        actor=actor,
        action=AuditAction.ROLE_REVOKE,
        target=enterprise,
        detail={"user": expert.pk, "role": "expert"},
    )


# A user's newest API keys that stay valid; an older one stops working when a newer key is issued past this.
API_TOKENS_KEPT = 10


@transaction.atomic
def auth_token_issue(*, user: User) -> str:
    """A new API key for the user, returned this once: the database keeps only its digest. Earlier keys
    keep working (scripts on several machines each sign in) up to the newest API_TOKENS_KEPT."""
    key = secrets.token_hex(20)
    ApiToken.objects.create(digest=token_digest(key), user=user, tenant_id=user.tenant_id)
    older = ApiToken.objects.filter(user=user).order_by("-created_at", "digest")[API_TOKENS_KEPT:]
    ApiToken.objects.filter(pk__in=list(older.values_list("pk", flat=True))).delete()
    return key
