"""Every write to the ledger. Import from here: `from hazards.services import hazard_confirm`."""

from .evidence import evidence_check, evidence_store
from .ledger import (
    hazard_acknowledge_handover,
    hazard_confirm,
    hazard_decide_extension,
    hazard_handover,
    hazard_plan,
    hazard_reopen,
    hazard_report,
    hazard_request_extension,
    hazard_submit,
    hazard_verify,
    hazard_withdraw,
)
from .listings import hazard_lift_listing, hazard_list_supervision
from .orders import enforcement_order_issue, enforcement_order_resume

__all__ = [
    "enforcement_order_issue",
    "enforcement_order_resume",
    "evidence_check",
    "evidence_store",
    "hazard_acknowledge_handover",
    "hazard_confirm",
    "hazard_decide_extension",
    "hazard_handover",
    "hazard_lift_listing",
    "hazard_list_supervision",
    "hazard_plan",
    "hazard_reopen",
    "hazard_report",
    "hazard_request_extension",
    "hazard_submit",
    "hazard_verify",
    "hazard_withdraw",
]
