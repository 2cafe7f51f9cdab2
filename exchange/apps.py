from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    """Upward reporting: provinces send their major hazards to the national tenant, over HTTP."""

    name = "exchange"
    verbose_name = _("National exchange")
