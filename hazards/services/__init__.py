"""Every write to the ledger. Import from here: `from hazards.services import hazard_confirm`."""

from .evidence import evidence_check, evidence_store
from .ledger import (
    hazard_acknowledge_handover,
    hazard_confirm,
    hazard_decide_extension,
    hazard_handover,
    hazard_list_supervision,
    hazard_plan,
    hazard_reopen,
    hazard_report,
    hazard_request_extension,
    hazard_submit,
    hazard_verify,
    hazard_withdraw,
)
from .receipts import receipts_escalate, receipts_escalate_all_tenants

__all__ = [
    "evidence_check",
    "evidence_store",
    "hazard_acknowledge_handover",
    "hazard_confirm",
    "hazard_decide_extension",
    "hazard_handover",
    "hazard_list_supervision",
    "hazard_plan",
    "hazard_reopen",
    "hazard_report",
    "hazard_request_extension",
    "hazard_submit",
    "hazard_verify",
    "hazard_withdraw",
    "receipts_escalate",
    "receipts_escalate_all_tenants",
]
