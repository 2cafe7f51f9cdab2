"""Every write to the ledger. Import from here: `from hazards.services import hazard_confirm`."""

from .closure import closure_report_get
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
from .rechecks import recheck_list, recheck_record_result, recheck_sample_month

__all__ = [
    "closure_report_get",
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
    "recheck_list",
    "recheck_record_result",
    "recheck_sample_month",
]
