from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    """The to-do inbox (待办): what awaits each signed-in user, read from the registers of every app."""

    name = "inbox"
    verbose_name = _("To do")
