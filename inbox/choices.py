from django.db import models
from django.utils.translation import gettext_lazy as _


class InboxKind(models.TextChoices):
    """A kind of work that waits in someone's inbox, in the order the inbox shows them."""

    HANDOVER = "handover", _("Handovers to acknowledge")
    CONFIRM = "confirm", _("Hazards to confirm or hand over")
    VERIFY = "verify", _("Rectifications to verify")
    PLAN = "plan", _("Rectification plans to file")
    RECTIFICATION = "rectification", _("Rectifications due")
    LISTING = "listing", _("Listed supervision due")
    SELF_INSPECTION = "self_inspection", _("Self-inspections to fill or submit")
    TASK = "task", _("Campaign tasks due")
    TIP_OFF = "tip_off", _("Tip-offs to triage or assign")
    LEAD = "lead", _("Leads to inspect")
    SPOT_CHECK = "spot_check", _("Spot checks assigned")
    RECHECK = "recheck", _("Re-checks assigned")
