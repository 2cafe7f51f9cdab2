"""Every write to the ledger. Import from here: `from hazards.services import hazard_confirm`."""

from .closure import closure_report_get
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
from .receipts import receipts_escalate, receipts_escalate_all_tenants
from .rechecks import recheck_list, recheck_record_result, recheck_sample_month
from .standards import criterion_revise, industry_create, standard_create

__all__ = [
    "closure_report_get",
    "criterion_revise",
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
    "industry_create",
    "receipts_escalate",
    "receipts_escalate_all_tenants",
    "recheck_list",
    "recheck_record_result",
    "recheck_sample_month",
    "standard_create",
]
