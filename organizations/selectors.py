"""Reads for pages and the API; each starts from the caller's scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from core.scoping import any_of, path_within

from .choices import DEPARTMENT_ROLES, ENTERPRISE_ROLES, Role
from .models import Department, Enterprise, Industry, Membership, Region, User
from .scoping import scope_for, tenant_of
from .shared_readings import cached_for_scope, shared_reading


def user_memberships(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, tenant_id=tenant_of(user), is_active=True)
        .select_related("enterprise", "department", "region", "tenant")
        .order_by("id")
    )


def user_roles(user: User) -> list[dict[str, Any]]:
    """The caller's roles as the API and navigation describe them."""
    return [
        {"role": m.role, "unit_type": str(m.unit_type), "unit_id": m.unit.pk, "unit_name": str(m.unit)}
        for m in user_memberships(user)
    ]


def primary_role(user: User) -> str | None:
    """The role whose landing page a user sees first: the widest remit wins."""
    order = [
        Role.TENANT_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
        Role.COMMITTEE_STAFF,
        Role.DEPARTMENT_HEAD,
        Role.INSPECTOR,
        Role.ENTERPRISE_HEAD,
        Role.ENTERPRISE_OFFICER,
    ]
    roles = scope_for(user).roles
    return next((role.value for role in order if role in roles), None)


def enterprise_counts_by_industry(actor: User) -> list[dict[str, Any]]:
    """Enterprises in scope per industry, for the landing pages (one grouped query)."""
    visible = Enterprise.objects.visible_to(actor).values("pk")
    rows = (
        Industry.objects.visible_to(actor)
        .annotate(total=Count("enterprises", filter=Q(enterprises__in=visible)))
        .order_by("id")
        .values("code", "name", "name_en", "total")
    )
    return [row for row in rows if row["total"]]


@shared_reading("landing-counts")
def _landing_counts(actor: User) -> dict[str, Any]:
    scope = scope_for(actor)
    numbers: dict[str, Any] = {
        "enterprises": Enterprise.objects.visible_to(actor).count(),
        "by_industry": enterprise_counts_by_industry(actor),
    }
    if scope.is_tenant_admin or scope.committee_paths:
        paths = None if scope.is_tenant_admin else scope.committee_paths
        regions = Region.objects.visible_to(actor)
        departments = Department.objects.visible_to(actor)
        if paths is not None:
            regions = regions.filter(any_of(path_within("path", paths)))
            departments = departments.filter(any_of(path_within("region__path", paths)))
        numbers["regions"] = regions.count()
        numbers["departments"] = departments.count()
        numbers["users"] = User.objects.visible_to(actor).count()
    return numbers


def landing_numbers(actor: User) -> dict[str, Any]:
    """Real numbers for the role's landing page (the counts shared a minute within a scope)."""
    scope = scope_for(actor)
    enterprises = Enterprise.objects.visible_to(actor)
    numbers: dict[str, Any] = dict(cached_for_scope("landing-counts", actor))
    if scope.roles & DEPARTMENT_ROLES:
        numbers["my_departments"] = list(
            Department.objects.visible_to(actor)
            .filter(pk__in=scope.department_ids)
            .select_related("region")
            .prefetch_related("industries")
        )
    if scope.roles & ENTERPRISE_ROLES:
        numbers["my_enterprises"] = list(
            enterprises.filter(pk__in=scope.enterprise_ids)
            .select_related("region")
            .prefetch_related("industries")
        )
    return numbers
