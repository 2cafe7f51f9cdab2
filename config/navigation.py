"""The main navigation: (url name, label, roles that see it — None for every member of a tenant).

Lives in config, which knows every app, so lower apps never import higher ones for their menu.
"""

from django.utils.translation import gettext_lazy as _

from organizations.choices import (
    BUSINESS_ROLES,
    DEPARTMENT_ROLES,
    DIRECTORY_MANAGER_ROLES,
    ENTERPRISE_ROLES,
    ROLE_MANAGER_ROLES,
    Role,
)

NAVIGATION = [
    ("home", _("Overview"), None),
    ("ledger", _("Hazard ledger"), BUSINESS_ROLES),
    ("campaign-list", _("Campaigns"), BUSINESS_ROLES),
    (
        "self-inspection-list",
        _("Self-inspections"),
        ENTERPRISE_ROLES | DIRECTORY_MANAGER_ROLES | DEPARTMENT_ROLES,
    ),
    ("inspection-list", _("Inspections"), DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}),
    ("recheck-list", _("Re-checks"), DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}),
    ("publication-list", _("Disclosure"), frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})),
    ("tipoff-list", _("Tip-offs"), frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})),
    ("disclosure-policy", _("Disclosure policy"), frozenset({Role.SECURITY_ADMIN})),
    ("rankings", _("Rankings"), frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})),
    ("accident-list", _("Accidents"), DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}),
    ("interview-list", _("Warning interviews"), frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})),
    ("enterprise-list", _("Enterprises"), BUSINESS_ROLES | {Role.SECURITY_ADMIN}),
    ("department-list", _("Departments"), BUSINESS_ROLES | {Role.SECURITY_ADMIN}),
    ("user-list", _("Users"), DIRECTORY_MANAGER_ROLES | ROLE_MANAGER_ROLES),
    ("enterprise-import", _("Import"), DIRECTORY_MANAGER_ROLES),
    ("audit-log", _("Audit log"), frozenset({Role.AUDIT_ADMIN})),
    ("notifications", _("Notifications"), BUSINESS_ROLES),
]
