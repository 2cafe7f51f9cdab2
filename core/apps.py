from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor every app builds on: scoping, row-level security, errors, API base classes, files."""

    name = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from .lookups import register

        register()  # every text column's `startswith` is the leakproof prefix operator (core/lookups.py)
