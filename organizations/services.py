"""Every write to the directory: tenants, regions, departments, enterprises, users and memberships."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from .choices import (
    DEPARTMENT_ROLES,
    DIRECTORY_MANAGER_ROLES,
    ENTERPRISE_ROLES,
    KEY_INDUSTRIES,
    EnterpriseScale,
    EnterpriseStatus,
    Role,
)
from .models import ApiToken, Department, Enterprise, Industry, Membership, Region, Tenant, User
from .scoping import Scope, ensure_visible, forget_scope, require_role, tenant_of
from .signin import token_digest
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
    return region_create(tenant=actor.tenant, code=code, name=name, name_en=name_en, parent=parent)


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
    return department


# ---------------------------------------------------------------- users and memberships


@transaction.atomic
def user_create(
    *, actor: User, username: str, password: str, full_name: str = "", email: str = "", phone: str = ""
) -> User:
    """A new account in the actor's tenant; it sees nothing until a membership is granted."""
    require_role(actor, DIRECTORY_MANAGER_ROLES)
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    user = User(username=username, full_name=full_name, email=email, phone=phone, tenant_id=tenant_of(actor))
    _full_clean(user, exclude=["password", "tenant"])
    from django.contrib.auth.password_validation import validate_password

    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # taken in another tenant, whose users this transaction cannot see
        raise ValidationError({"username": _("This username is taken.")}) from None
    return user


def _unit_region(unit: Enterprise | Department | Region) -> Region:
    return unit if isinstance(unit, Region) else unit.region


@transaction.atomic
def membership_grant(
    *, actor: User, user: User, role: str, unit: Enterprise | Department | Region | None
) -> Membership:
    """Give a user a role on a unit; committee staff grant only inside their regions."""
    scope = require_role(actor, DIRECTORY_MANAGER_ROLES)
    ensure_visible(actor, user)
    fields: dict[str, Any] = {"enterprise": None, "department": None, "region": None}
    if role in ENTERPRISE_ROLES and isinstance(unit, Enterprise):
        fields["enterprise"] = unit
    elif role in DEPARTMENT_ROLES and isinstance(unit, Department):
        fields["department"] = unit
    elif role == Role.COMMITTEE_STAFF and isinstance(unit, Region):
        fields["region"] = unit
    elif role == Role.TENANT_ADMIN and unit is None:
        if not scope.is_tenant_admin:
            raise ValidationError({"role": _("Only a tenant admin can make another tenant admin.")})
    elif role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    else:
        raise ValidationError({"unit": _("This role needs a different kind of unit.")})
    if unit is not None:
        _require_manager_of(actor, _unit_region(unit), field="unit")
    membership, created = Membership.objects.get_or_create(
        tenant_id=tenant_of(actor), user=user, role=role, **fields, defaults={"is_active": True}
    )
    if not created and not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    forget_scope(user)
    return membership


@transaction.atomic
def membership_revoke(*, actor: User, membership: Membership) -> Membership:
    """End a membership; the row stays as the record of who held which role."""
    membership = Membership.objects.select_for_update(of=("self",)).get_visible(actor, pk=membership.pk)
    scope = require_role(actor, DIRECTORY_MANAGER_ROLES)
    if membership.unit_type == "tenant" and not scope.is_tenant_admin:
        raise ValidationError({"role": _("Only a tenant admin can end a tenant admin's role.")})
    if membership.user_id == actor.pk and membership.role in DIRECTORY_MANAGER_ROLES:
        raise ValidationError({"role": _("You cannot end your own management role.")})
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    return membership


def expert_grant(*, actor: User, expert: User, enterprise: Enterprise) -> None:
    """Let an expert see an enterprise they assist (object-level grant)."""
    ensure_visible(actor, enterprise)
    _require_manager_of(actor, enterprise.region)
    if expert.tenant_id != actor.tenant_id:
        raise ValidationError({"expert": _("The expert must belong to your tenant.")})
    assign_perm("organizations.assist_enterprise", expert, enterprise)
    forget_scope(expert)


def expert_revoke(*, actor: User, expert: User, enterprise: Enterprise) -> None:
    ensure_visible(actor, enterprise)
    _require_manager_of(actor, enterprise.region)
    remove_perm("organizations.assist_enterprise", expert, enterprise)
    forget_scope(expert)


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
