"""The main navigation: (url name, label, who sees it: the roles, a test of the scope, or None for every
member of a tenant).

Lives in config, which knows every app, so lower apps never import higher ones for their menu.
"""

from collections.abc import Callable

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from exchange.selectors import COUNTRY_PATH
from organizations.choices import (
    BUSINESS_ROLES,
    DEPARTMENT_ROLES,
    DIRECTORY_MANAGER_ROLES,
    ENTERPRISE_ROLES,
    ROLE_MANAGER_ROLES,
    Role,
)
from organizations.scoping import Scope


def national_staff(scope: Scope) -> bool:
    """Committee staff of the country: the national tenant's own."""
    return COUNTRY_PATH in scope.committee_paths


# Who sees an item: its roles, a test of the scope, or None (every member of a tenant).
StrOrPromise = str | Promise
Visibility = frozenset[str] | Callable[[Scope], bool] | None

ITEMS: list[tuple[str, StrOrPromise, Visibility]] = [
    ("home", _("Overview"), None),
    ("inbox", _("To do"), BUSINESS_ROLES),
    ("national-dashboard", _("The country"), national_staff),
    ("national-standards", _("National standards"), national_staff),
    ("ledger", _("Hazard ledger"), BUSINESS_ROLES),
    ("campaign-list", _("Campaigns"), BUSINESS_ROLES),
    (
        "self-inspection-list",
        _("Self-inspections"),
        ENTERPRISE_ROLES | DIRECTORY_MANAGER_ROLES | DEPARTMENT_ROLES,
    ),
    ("inspection-list", _("Inspections"), DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}),
    ("listing-list", _("Listed supervision"), DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}),
    ("enforcement-order-list", _("Enforcement orders"), BUSINESS_ROLES),
    ("recheck-list", _("Re-checks"), DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}),
    ("publication-list", _("Disclosure"), frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})),
    ("tipoff-list", _("Tip-offs"), DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}),
    ("disclosure-policy", _("Disclosure policy"), frozenset({Role.SECURITY_ADMIN})),
    ("rankings", _("Rankings"), frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})),
    ("big-screen", _("Big screen"), frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})),
    ("final-evaluation-list", _("Final evaluations"), frozenset({Role.COMMITTEE_STAFF})),
    ("accident-list", _("Accidents"), DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}),
    ("interview-list", _("Warning interviews"), frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})),
    ("spot-check-list", _("Spot checks"), DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}),
    ("sanction-list", _("Sanctions"), frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})),
    ("enterprise-list", _("Enterprises"), BUSINESS_ROLES | {Role.SECURITY_ADMIN}),
    ("department-list", _("Departments"), BUSINESS_ROLES | {Role.SECURITY_ADMIN}),
    ("user-list", _("Users"), DIRECTORY_MANAGER_ROLES | ROLE_MANAGER_ROLES),
    ("enterprise-import", _("Import"), DIRECTORY_MANAGER_ROLES),
    ("standard-list", _("Standards"), frozenset({Role.TENANT_ADMIN})),
    ("audit-log", _("Audit log"), frozenset({Role.AUDIT_ADMIN})),
    ("handover-receipts", _("Handover receipts"), DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF}),
    ("notifications", _("Notifications"), BUSINESS_ROLES),
    ("notice-deliveries", _("Notice deliveries"), frozenset({Role.TENANT_ADMIN})),
    ("export-list", _("My exports"), BUSINESS_ROLES),
]

# The national tenant's staff read the country (exchange/); the provinces' pages have nothing for them.
NATIONAL_NAVIGATION = {"home", "national-dashboard", "national-standards", "notifications"}


def _provincial(roles: frozenset[str] | set[str]) -> Callable[[Scope], bool]:
    return lambda scope: scope.has_any_role(roles) and not national_staff(scope)


NAVIGATION: list[tuple[str, StrOrPromise, Visibility]] = [
    (
        name,
        label,
        roles if roles is None or callable(roles) or name in NATIONAL_NAVIGATION else _provincial(roles),
    )
    for name, label, roles in ITEMS
]
