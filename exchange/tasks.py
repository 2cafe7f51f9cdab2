from celery import shared_task

from .upward import upward_send_all


@shared_task(acks_late=True)
def report_upward_all() -> dict[str, int]:
    """Send every province's waiting batches (idempotent: a batch the receiver has is accepted once)."""
    return {slug: result.sent_records for slug, result in upward_send_all().items()}
