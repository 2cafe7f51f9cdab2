from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from guardian.managers import GroupObjectPermissionManager, UserObjectPermissionManager
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from core.choice_labels import QuickDisplayModel
from core.scoping import ScopedManager, ScopedQuerySet, any_of, path_within
from core.search import trigram_index

from .choices import (
    ADMINISTRATOR_ROLES,
    DEPARTMENT_ROLES,
    ENTERPRISE_ROLES,
    EnterpriseScale,
    EnterpriseStatus,
    ImportStatus,
    RegionLevel,
    Role,
    UnitType,
)
from .scoping import Scope
from .usernames import SignInNameValidator, tenant_prefix
from .validators import validate_credit_code, validate_region_code


class BilingualNameMixin(models.Model):
    """Official Chinese name plus an English rendering; `display_name` follows the active language."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_to_show(self.name, self.name_en)

    @staticmethod
    def name_to_show(name: str, name_en: str) -> str:
        """The English name in English when there is one, else the official Chinese name."""
        if name_en and (get_language() or "").startswith("en"):
            return name_en
        return name


class Tenant(BilingualNameMixin):
    """An organisation that runs its own campaigns, typically a province; strictly isolated from others."""

    slug = models.SlugField(_("slug"), unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")


class TenantOwned(QuickDisplayModel):
    """Every tenant-owned row carries tenant_id; composite indexes lead with it."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", verbose_name=_("tenant"))

    class Meta:
        abstract = True


class Region(BilingualNameMixin, TenantOwned):
    """An administrative division (GB/T 2260) in a tenant's region tree."""

    code = models.CharField(_("region code"), max_length=6, validators=[validate_region_code])
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    level = models.CharField(_("level"), max_length=10, choices=RegionLevel.choices)
    # Materialised path of codes ("210000/210200/210211/"): a subtree is one indexed prefix query.
    path = models.CharField(max_length=100, editable=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="region_unique_code_per_tenant")
        ]
        indexes = [
            # varchar_pattern_ops lets LIKE 'prefix%' use the index whatever the database collation.
            models.Index(
                fields=["tenant", "path"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                name="region_tenant_path_idx",
            ),
        ]

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        # The region tree is shared reference data inside a tenant: every member may read all of it.
        return Q()


class Industry(BilingualNameMixin, TenantOwned):
    """A regulated industry in a tenant's catalogue (the key industries plus any the tenant adds)."""

    code = models.SlugField(_("code"), max_length=40)
    is_key = models.BooleanField(_("key industry"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "code"], name="industry_unique_code_per_tenant")
        ]

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return Q()  # the catalogue is shared by the whole tenant


class Department(BilingualNameMixin, TenantOwned):
    """An industry regulator of one region (e.g. Dalian emergency management) covering some industries."""

    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="departments", verbose_name=_("region")
    )
    industries = models.ManyToManyField(Industry, related_name="departments", verbose_name=_("industries"))
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["region__path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "region", "name"], name="department_unique_name_per_region"
            )
        ]
        indexes = [models.Index(fields=["tenant", "region"], name="department_tenant_region_idx")]

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        # Departments are the tenant's public directory: handovers may go to any of them.
        return Q()


class Enterprise(TenantOwned):
    """A production or business unit that bears the main responsibility for its own hazards."""

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, validators=[validate_credit_code]
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="enterprises", verbose_name=_("region")
    )
    # Copy of region.path so "enterprises in this subtree" needs no join; kept in step by the services.
    region_path = models.CharField(max_length=100, editable=False)
    industries = models.ManyToManyField(Industry, related_name="enterprises", verbose_name=_("industries"))
    address = models.CharField(_("address"), max_length=300, blank=True)
    scale = models.CharField(
        _("scale"), max_length=10, choices=EnterpriseScale.choices, default=EnterpriseScale.SMALL
    )
    status = models.CharField(
        _("status"), max_length=10, choices=EnterpriseStatus.choices, default=EnterpriseStatus.OPERATING
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name", "id"]
        permissions = [("assist_enterprise", _("Assist the enterprise as an expert"))]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "credit_code"], name="enterprise_unique_credit_code_per_tenant"
            )
        ]
        indexes = [
            models.Index(
                fields=["tenant", "region_path"],
                opclasses=["int8_ops", "varchar_pattern_ops"],
                name="enterprise_tenant_rpath_idx",
            ),
            models.Index(fields=["tenant", "region"], name="enterprise_tenant_region_idx"),
            # The directory's and the ledger's text search (core/search.py).
            trigram_index("name", "enterprise_name_trgm_idx"),
            trigram_index("credit_code", "enterprise_credit_trgm_idx"),
            trigram_index("address", "enterprise_address_trgm_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        # The security administrator grants roles on enterprises, so sees them (not their ledger).
        if scope.is_tenant_admin or scope.is_security_admin:
            return Q()
        return any_of(enterprise_conditions(scope, id_field="pk", path_field="region_path"))

    @property
    def display_name(self) -> str:
        return self.name


def enterprise_conditions(scope: Scope, *, id_field: str, path_field: str) -> list[Q]:
    """The enterprise visibility rule, for enterprises and for rows tied to one (hazards, inspections).

    Committee staff see their region subtree; departments the enterprises of the industries they regulate
    in their region and below; enterprise members and experts their own enterprises.
    """
    conditions = path_within(path_field, scope.committee_paths)
    for coverage in scope.departments:
        # A subquery, not a join over industries: a join would repeat rows.
        in_industries = Enterprise.industries.through.objects.filter(
            industry_id__in=coverage.industry_ids
        ).values("enterprise_id")
        conditions.append(
            Q(**{f"{path_field}__startswith": coverage.region_path, f"{id_field}__in": in_industries})
        )
    own = scope.enterprise_ids | scope.expert_enterprise_ids
    if own:
        conditions.append(Q(**{f"{id_field}__in": own}))
    return conditions


class TenantUserManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in; belongs to exactly one tenant (platform staff have none)."""

    # Django's field with one change: a name may be qualified with its tenant (organizations/usernames.py).
    username = models.CharField(
        _("username"),
        max_length=150,
        unique=True,
        help_text=_("Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only."),
        validators=[SignInNameValidator()],
        error_messages={"unique": _("A user with that username already exists.")},
    )
    tenant = models.ForeignKey(
        Tenant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("tenant"),
    )
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # The language notices reach this user in by e-mail and webhook (pages follow the browser's choice).
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        db_default=settings.LANGUAGE_CODE,  # rows written without the ORM (the load generator's COPY)
    )
    # When the password was last set: it expires PASSWORD_MAX_AGE_DAYS later (organizations/passwords.py).
    # The database default covers rows written without the ORM (the load generator's COPY).
    password_changed_at = models.DateTimeField(_("password changed"), db_default=Now(), editable=False)
    # Set when someone else chose the password (an administrator's initial one): change it at next sign-in.
    must_change_password = models.BooleanField(_("must change password"), db_default=False, default=False)
    # A demo account (seed_demo): refused at sign-in unless DEBUG or ALLOW_DEMO_ACCOUNTS.
    is_demo = models.BooleanField(_("demo account"), db_default=False, default=False, editable=False)

    objects: ClassVar[TenantUserManager] = TenantUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [models.Index(fields=["tenant", "username"], name="user_tenant_username_idx")]

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self) -> None:
        super().clean()
        # Only this tenant's accounts live under its prefix, so a name is free or taken within one tenant.
        prefix = tenant_prefix(self.username)
        if prefix is not None and (self.tenant is None or prefix != self.tenant.slug):
            raise ValidationError(
                {"username": _("A name before the slash must be the account's own tenant.")}
            )

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        if scope.is_tenant_admin or scope.is_security_admin:
            return Q()
        # Each subquery names the tenant (row-level security would too, but not for the owner's jobs, and
        # the planner then reads one tenant's memberships, not every province's).
        memberships = Membership.objects.all()
        if scope.tenant_id is not None:
            memberships = memberships.filter(tenant_id=scope.tenant_id)
        colleagues = memberships.filter(Membership.committee_filter(scope)).values("user_id")
        visible = Q(pk=scope.user_id) | Q(pk__in=colleagues)
        if scope.department_ids or scope.enterprise_ids:
            # People of one's own departments and enterprises: inspection teams, who did what on a record.
            same_units = memberships.filter(
                Q(department_id__in=scope.department_ids) | Q(enterprise_id__in=scope.enterprise_ids),
                is_active=True,
            ).values("user_id")
            visible |= Q(pk__in=same_units)
        if scope.committee_paths:
            # Committee staff also see accounts with no role yet (new staff, experts) so they can assign them.
            # NOT EXISTS, an anti-join: NOT IN over a province's memberships outgrows work_mem and is then
            # run once per user (seconds at 100,000 enterprises).
            visible |= Q(~Exists(memberships.filter(user_id=OuterRef("pk"), is_active=True)))
        return visible


class Membership(TenantOwned):
    """A user's role on one unit: an enterprise, a department, a region's committee or the whole tenant."""

    user = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    enterprise = models.ForeignKey(
        Enterprise,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("enterprise"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("department"),
    )
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("region"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            # Exactly the unit the role needs, and no other: the database refuses a half-made membership.
            models.CheckConstraint(
                name="membership_unit_matches_role",
                condition=(
                    Q(
                        role__in=sorted(r.value for r in ENTERPRISE_ROLES),
                        enterprise__isnull=False,
                        department__isnull=True,
                        region__isnull=True,
                    )
                    | Q(
                        role__in=sorted(r.value for r in DEPARTMENT_ROLES),
                        enterprise__isnull=True,
                        department__isnull=False,
                        region__isnull=True,
                    )
                    | Q(
                        role=Role.COMMITTEE_STAFF.value,
                        enterprise__isnull=True,
                        department__isnull=True,
                        region__isnull=False,
                    )
                    | Q(
                        role__in=sorted(r.value for r in ADMINISTRATOR_ROLES),
                        enterprise__isnull=True,
                        department__isnull=True,
                        region__isnull=True,
                    )
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "enterprise", "department", "region"],
                name="membership_unique",
                nulls_distinct=False,
            ),
            # Separated administrators (三员分立): no account holds two of the three at once.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(role__in=sorted(r.value for r in ADMINISTRATOR_ROLES), is_active=True),
                name="membership_one_administrator_role",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "user"], name="membership_tenant_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"

    @classmethod
    def committee_filter(cls, scope: Scope) -> Q:
        """Memberships on units inside the committee regions of the scope."""
        conditions: list[Q] = []
        for path in scope.committee_paths:
            conditions += [
                Q(enterprise__region_path__startswith=path),
                Q(department__region__path__startswith=path),
                Q(region__path__startswith=path),
            ]
        return any_of(conditions)

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        if scope.is_tenant_admin or scope.is_security_admin:
            return Q()
        return Q(user_id=scope.user_id) | cls.committee_filter(scope)

    @property
    def unit_type(self) -> str:
        if self.enterprise_id:
            return UnitType.ENTERPRISE
        if self.department_id:
            return UnitType.DEPARTMENT
        if self.region_id:
            return UnitType.REGION
        return UnitType.TENANT

    @property
    def unit(self) -> "Enterprise | Department | Region | Tenant":
        return self.enterprise or self.department or self.region or self.tenant


class EnterpriseImport(TenantOwned):
    """One upload of an enterprise XLSX: validated row by row, then imported whole or not at all."""

    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    # The uploader's language, so the worker writes the row report in it.
    language = models.CharField(max_length=10, default="zh-hans")
    content = models.BinaryField()
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    imported_count = models.PositiveIntegerField(default=0)
    # [{"row": 3, "field": "credit_code", "message": "..."}]; empty when every row was valid.
    errors = models.JSONField(default=list)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How many times a worker claimed the import, and when the one running it last showed a sign of life
    # (each progress write): an import whose worker died is taken up again (core/stalled_jobs.py).
    attempts = models.PositiveSmallIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("enterprise import")
        verbose_name_plural = _("enterprise imports")
        indexes = [models.Index(fields=["tenant", "-created_at"], name="import_tenant_created_idx")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @classmethod
    def scope_filter(cls, scope: Scope) -> Q:
        return Q() if scope.is_tenant_admin else Q(created_by_id=scope.user_id)

    @property
    def progress_percent(self) -> int:
        if not self.rows_total:
            return 0 if self.status in {ImportStatus.QUEUED, ImportStatus.RUNNING} else 100
        return min(100, round(100 * self.rows_done / self.rows_total))


class ApiToken(models.Model):
    """A user's API key, kept as its SHA-256 digest: the key is shown once, when issued, and never stored."""

    digest = models.CharField(max_length=64, primary_key=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    # The user's tenant (platform staff have none); row-level security keeps the token with it.
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["tenant", "user", "-created_at"], name="apitoken_tenant_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.digest[:8]}…"


class TenantObjectPermissionManagerMixin:
    """guardian writes grants through get_or_create and bulk_create: each row takes its object's tenant."""

    def get_or_create(self, defaults: Any = None, **kwargs: Any) -> Any:
        defaults = {"tenant_id": kwargs["content_object"].tenant_id, **(defaults or {})}
        return super().get_or_create(defaults=defaults, **kwargs)  # type: ignore[misc]

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        for grant in objs:
            if grant.tenant_id is None:
                grant.tenant_id = grant.content_object.tenant_id
        return super().bulk_create(objs, *args, **kwargs)  # type: ignore[misc]


class EnterpriseUserPermissionManager(TenantObjectPermissionManagerMixin, UserObjectPermissionManager):
    pass


class EnterpriseGroupPermissionManager(TenantObjectPermissionManagerMixin, GroupObjectPermissionManager):
    pass


class EnterpriseUserPermission(UserObjectPermissionBase):
    """A permission a user holds on one enterprise (an expert assisting it), owned by the enterprise's tenant.

    guardian's direct foreign-key model for enterprises: it finds it from the foreign key, so assign_perm,
    remove_perm and has_perm use it instead of the generic table, which has no tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    content_object = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="user_grants")

    objects: ClassVar[EnterpriseUserPermissionManager] = EnterpriseUserPermissionManager()

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("enterprise permission of a user")
        verbose_name_plural = _("enterprise permissions of users")
        indexes = [models.Index(fields=["tenant", "user"], name="enterprise_uperm_tenant_idx")]


class EnterpriseGroupPermission(GroupObjectPermissionBase):
    """A permission a group holds on one enterprise, owned by the enterprise's tenant."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    content_object = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="group_grants")

    objects: ClassVar[EnterpriseGroupPermissionManager] = EnterpriseGroupPermissionManager()

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("enterprise permission of a group")
        verbose_name_plural = _("enterprise permissions of groups")
        indexes = [models.Index(fields=["tenant", "group"], name="enterprise_gperm_tenant_idx")]


# The level-3 registers (password history, audit log) live beside the directory; imported here so that
# Django finds them.
from .security_models import AuditChainHead, AuditEntry, PasswordHistory  # noqa: E402, F401
