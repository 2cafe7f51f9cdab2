from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OperationsConfig(AppConfig):
    """What the operator runs: backups and their restore, and the health endpoint the containers ask."""

    name = "operations"
    verbose_name = _("Operations")
