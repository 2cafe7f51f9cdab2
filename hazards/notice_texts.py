"""What each notice says, by message key: a notice stores its key and parameters, and is rendered in the
reader's language when it is read (the page's language) or sent (the recipient's language).

The texts are those the notices were written with before keys existed, so their translations carry over.
Parameters are plain strings (codes, names, dates in ISO form): nothing a reader's language changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

TEXTS: dict[str, Promise] = {
    "handover": _(
        "Handed over to you: %(code)s “%(title)s” of %(enterprise)s. Acknowledge the receipt by %(deadline)s."
    ),
    "due_soon": _("%(code)s “%(title)s” is due on %(deadline)s."),
    "submitted": _("%(enterprise)s submitted the rectification of %(code)s “%(title)s”; verify it."),
    "rejected": _("The rectification of %(code)s “%(title)s” was not accepted: %(note)s"),
    "listed": _("%(code)s “%(title)s” of %(enterprise)s is listed for supervision until %(deadline)s."),
    "tip_off_received": _("A tip-off %(code)s from the public arrived for %(region)s; triage it."),
    "tip_off": _(
        "Tip-off %(code)s from the public (%(region)s) is assigned to %(department)s for inspection."
    ),
    "major_reported": _(
        "%(enterprise)s reports a major hazard %(code)s “%(title)s” (criterion %(criterion)s); "
        "confirm its grade."
    ),
    "recheck": _(
        "Hazard %(code)s was drawn for the re-check after closure of %(month)s: check on site whether its "
        "rectification held, and record the result on the re-checks page."
    ),
    "overdue": _("%(code)s “%(title)s” passed its rectification deadline %(deadline)s."),
    "escalation": _("Escalation: %(enterprise)s has not rectified %(code)s by %(deadline)s."),
    "listing_escalation": _(
        "Escalation: the listing of %(code)s (%(enterprise)s) passed its deadline %(deadline)s and the "
        "hazard is still open."
    ),
    "receipt_escalation": _(
        "Escalation: %(receiver)s has not acknowledged the handover of %(code)s “%(title)s” due %(deadline)s."
    ),
}

# The title of an e-mail or a webhook message.
SUBJECT = _("Hazard ledger notice")


def notice_text(key: str, params: Mapping[str, Any], *, fallback: str = "") -> str:
    """The text of a notice in the active language; `fallback` (the stored text) for an unknown key or
    parameters that do not fit it, so an old row is always readable."""
    template = TEXTS.get(key)
    if template is None:
        return fallback
    try:
        return str(template) % dict(params)
    except (KeyError, TypeError, ValueError):
        return fallback
