from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class RegionLevel(models.TextChoices):
    # The national tenant's root (code 100000): the provinces are its children.
    COUNTRY = "country", _("Country")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County")


class Role(models.TextChoices):
    ENTERPRISE_OFFICER = "enterprise_officer", _("Enterprise safety officer")
    ENTERPRISE_HEAD = "enterprise_head", _("Enterprise head")
    INSPECTOR = "inspector", _("Inspector")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    COMMITTEE_STAFF = "committee_staff", _("Safety committee staff")
    # The tenant's three separated administrators (GB/T 22239-2019 level 3, "三员分立"). The system
    # administrator keeps the value `tenant_admin` it had before the separation: it still sees the whole
    # tenant and runs the directory; roles and policies moved to the security administrator.
    TENANT_ADMIN = "tenant_admin", _("System administrator")
    SECURITY_ADMIN = "security_admin", _("Security administrator")
    AUDIT_ADMIN = "audit_admin", _("Audit administrator")


ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_OFFICER, Role.ENTERPRISE_HEAD})
DEPARTMENT_ROLES = frozenset({Role.INSPECTOR, Role.DEPARTMENT_HEAD})
# Roles that may manage the directory (enterprises, departments, users) within their scope.
DIRECTORY_MANAGER_ROLES = frozenset({Role.COMMITTEE_STAFF, Role.TENANT_ADMIN})
# The separated administrators: held on the whole tenant, one per account and nothing beside it.
ADMINISTRATOR_ROLES = frozenset({Role.TENANT_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
# Roles that grant and end roles: the security administrator anywhere in the tenant, committee staff the
# business roles inside their regions.
ROLE_MANAGER_ROLES = frozenset({Role.COMMITTEE_STAFF, Role.SECURITY_ADMIN})
# Everyone who works the ledger and its campaigns (the security and audit administrators do not).
BUSINESS_ROLES = ENTERPRISE_ROLES | DEPARTMENT_ROLES | {Role.COMMITTEE_STAFF, Role.TENANT_ADMIN}


class UnitType(models.TextChoices):
    ENTERPRISE = "enterprise", pgettext_lazy("unit type", "Enterprise")
    DEPARTMENT = "department", pgettext_lazy("unit type", "Department")
    REGION = "region", pgettext_lazy("unit type", "Region")
    TENANT = "tenant", pgettext_lazy("unit type", "Tenant")


class EnterpriseScale(models.TextChoices):
    LARGE = "large", _("Large")
    MEDIUM = "medium", _("Medium")
    SMALL = "small", _("Small")
    MICRO = "micro", _("Micro")


class EnterpriseStatus(models.TextChoices):
    OPERATING = "operating", _("Operating")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Imported")
    FAILED = "failed", _("Rejected")


# The key industries every tenant starts with, under stable codes the API uses. The plans keep coal mines and
# non-coal mines apart (each has its own determination standard and regulator), and treat fireworks and civil
# explosives as key industries of their own. Tenants created before kept their old "mines" entry, no longer
# a key industry (migration organizations "finaleval_split_industries").
KEY_INDUSTRIES: list[tuple[str, str, str]] = [
    ("coal_mines", "煤矿", "Coal mines"),
    ("non_coal_mines", "非煤矿山", "Non-coal mines"),
    ("hazardous_chemicals", "危险化学品", "Hazardous chemicals"),
    ("road_traffic", "道路交通", "Road traffic"),
    ("construction", "建筑施工", "Construction"),
    ("town_gas", "城镇燃气", "Town gas"),
    ("fire_safety", "消防", "Fire safety"),
    ("water_traffic", "水上交通", "Water traffic"),
    ("fishing_vessels", "渔业船舶", "Fishing vessels"),
    ("tourism", "旅游", "Tourism"),
    ("industry_trade", "冶金工贸", "Metallurgy, industry and trade"),
    ("special_equipment", "特种设备", "Special equipment"),
    ("fireworks", "烟花爆竹", "Fireworks"),
    ("civil_explosives", "民用爆炸物品", "Civil explosives"),
]


class AuditAction(models.TextChoices):
    """What an audit log entry records (docs/security.md, "Level-3 controls")."""

    SIGN_IN = "sign_in", _("Sign-in")
    SIGN_OUT = "sign_out", _("Sign-out")
    PASSWORD_CHANGE = "password_change", _("Password change")
    DIRECTORY_CREATE = "directory_create", _("Directory entry created")
    DIRECTORY_UPDATE = "directory_update", _("Directory entry changed")
    DIRECTORY_CLOSE = "directory_close", _("Directory entry closed")
    ROLE_GRANT = "role_grant", _("Role granted")
    ROLE_REVOKE = "role_revoke", _("Role ended")
    EXPORT = "export", _("Export")
    PUBLICATION = "publication", _("Publication")
    POLICY_CHANGE = "policy_change", _("Policy change")
    TIP_OFF = "tip_off", _("Tip-off handled")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", pgettext_lazy("audit outcome", "Succeeded")
    FAILURE = "failure", pgettext_lazy("audit outcome", "Failed")
    REFUSED = "refused", pgettext_lazy("audit outcome", "Refused")
