from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("publication status", "Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded by a correction")


class TipOffStatus(models.TextChoices):
    RECEIVED = "received", _("Received, being checked")
    LEAD = "lead", _("Passed to inspectors as a lead")
    DISMISSED = "dismissed", _("Closed without inspection")
