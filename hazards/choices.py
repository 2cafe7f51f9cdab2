from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class HazardState(models.TextChoices):
    REPORTED = "reported", _("Reported")
    CONFIRMED = "confirmed", _("Confirmed")
    HANDED_OVER = "handed_over", _("Handed over")
    RECTIFYING = "rectifying", _("Rectifying")
    PENDING_VERIFICATION = "pending_verification", _("Pending verification")
    CLOSED = "closed", pgettext_lazy("hazard state", "Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATES = frozenset(
    {
        HazardState.REPORTED,
        HazardState.CONFIRMED,
        HazardState.HANDED_OVER,
        HazardState.RECTIFYING,
        HazardState.PENDING_VERIFICATION,
    }
)

# The states in which a hazard waits on someone's next step (the to-do inbox): a small share of the ledger,
# indexed on its own (hazard_tenant_waiting_idx). Sorted: a migration names them in a stable order.
WAITING_STATES = [
    HazardState.CONFIRMED,
    HazardState.HANDED_OVER,
    HazardState.PENDING_VERIFICATION,
    HazardState.REPORTED,
]


class HazardLevel(models.TextChoices):
    GENERAL = "general", _("General")
    MAJOR = "major", _("Major")


class HazardCategory(models.TextChoices):
    """What kind of failing a hazard is (the four classes of the hazard investigation rules)."""

    EQUIPMENT = "equipment", _("Equipment or facility (unsafe condition)")
    BEHAVIOUR = "behaviour", _("Behaviour (unsafe act)")
    MANAGEMENT = "management", _("Management deficiency")
    ENVIRONMENT = "environment", _("Environment")


class HazardSource(models.TextChoices):
    SELF_INSPECTION = "self_inspection", _("Enterprise self-inspection")
    INSPECTION = "inspection", _("Department inspection")
    TIP_OFF = "tip_off", _("Tip-off")


class HazardAction(models.TextChoices):
    REPORT = "report", pgettext_lazy("hazard action", "Report")
    CONFIRM = "confirm", pgettext_lazy("hazard action", "Confirm")
    HANDOVER = "handover", pgettext_lazy("hazard action", "Hand over")
    ACKNOWLEDGE = "acknowledge", pgettext_lazy("hazard action", "Acknowledge handover")
    PLAN = "plan", pgettext_lazy("hazard action", "Plan rectification")
    SUBMIT = "submit", pgettext_lazy("hazard action", "Submit rectification")
    VERIFY = "verify", pgettext_lazy("hazard action", "Verify and close")
    REJECT = "reject", pgettext_lazy("hazard action", "Reject rectification")
    WITHDRAW = "withdraw", pgettext_lazy("hazard action", "Withdraw")
    REOPEN = "reopen", pgettext_lazy("hazard action", "Reopen")
    REQUEST_EXTENSION = "request_extension", pgettext_lazy("hazard action", "Request extension")
    DECIDE_EXTENSION = "decide_extension", pgettext_lazy("hazard action", "Decide extension")
    LIST_SUPERVISION = "list_supervision", pgettext_lazy("hazard action", "List for supervision")
    OVERDUE = "overdue", pgettext_lazy("hazard action", "Became overdue")
    LIFT_LISTING = "lift_listing", pgettext_lazy("hazard action", "Lift the listing")
    LISTING_OVERDUE = "listing_overdue", pgettext_lazy("hazard action", "Listing deadline passed")
    # An enforcement order (hazards/enforcement.py) issued for the hazard, and its lifting on resumption.
    ORDER = "order", pgettext_lazy("hazard action", "Enforcement order issued")
    RESUME = "resume", pgettext_lazy("hazard action", "Production resumed")
    RECEIPT_OVERDUE = "receipt_overdue", pgettext_lazy("hazard action", "Handover receipt escalated")
    RECHECK = "recheck", pgettext_lazy("hazard action", "Re-check after closure")


class InspectionKind(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    UNANNOUNCED = "unannounced", _('Unannounced ("four no, two direct")')
    COVERT = "covert", _("Covert")
    CROSS_REGION = "cross_region", _("Cross-region")
    EXPERT_ASSISTED = "expert_assisted", _("Expert-assisted")
    REINSPECTION = "reinspection", _("Re-inspection")


class StopProduction(models.TextChoices):
    NONE = "none", _("None")
    PARTIAL = "partial", _("Partial stop-production order")
    FULL = "full", _("Full stop-production order")


class SelfInspectionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ItemResult(models.TextChoices):
    OK = "ok", _("OK")
    HAZARD = "hazard", _("Hazard found")
    NOT_APPLICABLE = "na", _("Not applicable")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class ListingLevel(models.TextChoices):
    """Who lists a hazard for supervision; values differ from region levels so the API enums stay apart."""

    PROVINCE = "provincial", _("Provincial")
    CITY = "municipal", _("Municipal")
    COUNTY = "county_level", _("County-level")


# General items every enterprise's checklist carries, beside the criteria of its industries' standards.
GENERAL_CHECKLIST: list[tuple[str, str, str]] = [
    (
        "GEN-1",
        "全员安全生产责任制建立并落实",
        "Safety responsibility system for all staff set up and applied",
    ),
    (
        "GEN-2",
        "隐患排查治理制度建立并执行",
        "Hazard investigation and management system in place and followed",
    ),
    ("GEN-3", "主要负责人和安全管理人员考核合格", "Principal and safety managers examined and certified"),
    ("GEN-4", "特种作业人员持证上岗", "Special-operations workers hold valid licences"),
    ("GEN-5", "应急预案编制并定期演练", "Emergency plan drawn up and drilled regularly"),
    ("GEN-6", "安全教育培训记录完整", "Safety training records complete"),
]


class StandardCoverage(models.TextChoices):
    """How much of a determination standard its criteria hold."""

    COMPLETE = "complete", _("All items listed")
    PARTIAL = "partial", _("Some items listed")
    NOT_ITEMISED = "not_itemised", _("Items not known here")


class AcceptanceRole(models.TextChoices):
    """Who takes part in the on-site acceptance of a major hazard's closure (销号验收)."""

    INSPECTOR = "inspector", _("Inspector")
    EXPERT = "expert", _("Expert")


class AcceptanceMethod(models.TextChoices):
    ON_SITE = "on_site", _("On-site inspection")
    TESTING = "testing", _("Testing and measurement")
    EXPERT_REVIEW = "expert_review", _("Expert review")
    DOCUMENTS = "documents", _("Review of records")


class NoticeKind(models.TextChoices):
    """The kinds of notice a user may choose channels for (in-app always)."""

    HANDOVER = "handover", _("Handover received")
    DUE_SOON = "due_soon", _("Rectification due soon")
    SUBMITTED = "submitted", _("Rectification submitted for verification")
    REJECTED = "rejected", _("Verification rejected")
    LISTED = "listed", _("Listed for supervision")
    TIP_OFF_RECEIVED = "tip_off_received", _("Tip-off received")
    TIP_OFF = "tip_off", _("Tip-off assigned")
    MAJOR_REPORTED = "major_reported", _("Major hazard reported")
    OVERDUE = "overdue", _("Rectification overdue")
    ESCALATION = "escalation", _("Escalation")
    LISTING_ESCALATION = "listing_escalation", _("Listing overdue")
    RECEIPT_ESCALATION = "receipt_escalation", _("Handover not acknowledged")
    RECHECK = "recheck", _("Re-check assigned")


class NoticeChannel(models.TextChoices):
    """Where a notice goes besides the in-app list (which is the Notification row itself)."""

    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook (SMS / work messaging)")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will be retried")
