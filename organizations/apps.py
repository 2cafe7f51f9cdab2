from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from core.rls import apply_after_migrate


class OrganizationsConfig(AppConfig):
    name = "organizations"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        # Row-level security and the app role's grants follow the schema: re-applied after every
        # migrate, so a new tenant table is never left unprotected (core/rls.py).
        post_migrate.connect(apply_after_migrate, sender=self, dispatch_uid="organizations-rls")
