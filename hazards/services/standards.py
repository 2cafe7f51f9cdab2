"""A tenant's own determination standards and industries, added by its system administrator.

National standards are published by the national tenant and received through the exchange interface
(exchange/standards.py; `manage.py pull_standards`): a province reads and cites them and never edits them
(403; the database refuses it too, migration hazards 0017). A tenant adds local ones (a province's own
determination standard, or the verified items of a national standard the library does not itemise) and the
industries its plans regulate. Standards are versioned: a new version supersedes the current one (which
stays for the hazards that cite it), and a criterion that a hazard or a self-inspection cites is never
rewritten.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import InvalidStateError, PermissionDeniedError
from core.scoping import ensure_visible
from organizations.models import Industry, User
from organizations.scoping import scope_for, tenant_of

from ..choices import StandardCoverage
from ..models import Criterion, Hazard, SelfInspectionItem, Standard

CLAUSE_UNVERIFIED = "条号未核实"
# National standards arrive from the national system (exchange/standards.py) and change only there.
NATIONAL_READ_ONLY = gettext_lazy(
    "National standards are published by the national system and received here; they cannot be edited. "
    "Add the local items as a standard of your own."
)


@dataclass(frozen=True)
class CriterionInput:
    number: str
    clause: str
    text: str
    text_en: str = ""


def _require_tenant_admin(actor: User) -> int:
    if not scope_for(actor).is_tenant_admin:
        raise PermissionDeniedError(_("Only the system administrator adds local standards and industries."))
    return tenant_of(actor)


def require_own_local(standard: Standard, tenant_id: int | None) -> None:
    """403 unless the standard is the tenant's own local one (a national standard is read-only here)."""
    if standard.local_tenant_id != tenant_id:
        raise PermissionDeniedError(NATIONAL_READ_ONLY)


def is_cited(criterion: Criterion) -> bool:
    return (
        Hazard.objects.filter(criterion=criterion).exists()
        or SelfInspectionItem.objects.filter(criterion=criterion).exists()
    )


@transaction.atomic
def industry_create(*, actor: User, code: str, name: str, name_en: str = "", is_key: bool = True) -> Industry:
    """A tenant's own industry (e.g. power, oil and gas pipelines), under a stable code the API uses."""
    tenant_id = _require_tenant_admin(actor)
    code = code.strip().lower()
    if not code or slugify(code).replace("-", "_") != code:
        raise ValidationError(
            {"code": _("Use lower-case letters, digits and underscores, e.g. oil_gas_pipelines.")}
        )
    if not name.strip():
        raise ValidationError({"name": _("Give the industry's name.")})
    if Industry.objects.filter(tenant_id=tenant_id, code=code).exists():
        raise ValidationError({"code": _("This tenant already has an industry with this code.")})
    return Industry.objects.create(
        tenant_id=tenant_id, code=code, name=name.strip(), name_en=name_en.strip(), is_key=is_key
    )


def check_criteria(criteria: list[CriterionInput], coverage: str) -> None:
    if coverage not in StandardCoverage.values:
        raise ValidationError({"coverage": _("Choose how much of the standard is listed.")})
    if coverage == StandardCoverage.NOT_ITEMISED:
        if criteria:
            raise ValidationError(
                {
                    "criteria": _(
                        "A standard whose items are not known here lists none: choose another coverage."
                    )
                }
            )
        return
    if not criteria:
        raise ValidationError(
            {"criteria": _("List the standard's items, or say that its items are not known here.")}
        )
    seen: set[str] = set()
    for item in criteria:
        if not item.number.strip() or not item.text.strip():
            raise ValidationError({"criteria": _("Every item needs its number and its text.")})
        if not item.clause.strip():
            raise ValidationError(
                {
                    "criteria": _(
                        "Item %(number)s has no clause: give where it stands in the text "
                        "(e.g. 第三条（二）), or %(unverified)s if it is not verified."
                    )
                    % {"number": item.number, "unverified": CLAUSE_UNVERIFIED}
                }
            )
        if item.number in seen:
            raise ValidationError(
                {"criteria": _("Item number %(number)s appears twice.") % {"number": item.number}}
            )
        seen.add(item.number)


@transaction.atomic
def standard_create(
    *,
    actor: User,
    industry: Industry,
    name: str,
    document_number: str,
    effective_date: dt.date,
    version: str,
    coverage: str,
    criteria: list[CriterionInput],
    note: str = "",
    name_en: str = "",
    supersedes: Standard | None = None,
) -> Standard:
    """A local standard of the actor's tenant, or a new version of one: the new version becomes current and
    the one it supersedes stays, no longer current, for the hazards that cite it."""
    tenant_id = _require_tenant_admin(actor)
    ensure_visible(actor, industry)
    if not name.strip():
        raise ValidationError({"name": _("Give the standard's name.")})
    if not version.strip():
        raise ValidationError({"version": _("Give the version (e.g. the year of issue).")})
    check_criteria(criteria, coverage)
    previous: Standard | None = None
    if supersedes is not None:
        ensure_visible(actor, supersedes)
        previous = Standard.objects.select_for_update().get(pk=supersedes.pk)
        require_own_local(previous, tenant_id)
        if not previous.is_current:
            raise InvalidStateError(
                _("This version has already been superseded; start from the current one.")
            )
        if previous.industry_code != industry.code:
            raise ValidationError(
                {"industry": _("A new version keeps the industry of the one it supersedes.")}
            )
        Standard.objects.filter(pk=previous.pk).update(is_current=False)
    base = slugify(f"local-{tenant_id}-{industry.code}-{version}")[:40] or f"local-{tenant_id}"
    key, number = base, 1
    while Standard.objects.filter(key=key).exists():
        number += 1
        key = f"{base}-{number}"
    standard = Standard.objects.create(
        key=key,
        industry_code=industry.code,
        name=name.strip(),
        name_en=name_en.strip(),
        document_number=document_number.strip(),
        effective_date=effective_date,
        version=version.strip(),
        note=note.strip(),
        coverage=coverage,
        local_tenant_id=tenant_id,
        supersedes=previous,
        created_by=actor,
        created_at=timezone.now(),
    )
    Criterion.objects.bulk_create(
        Criterion(
            standard=standard,
            number=item.number.strip(),
            clause=item.clause.strip(),
            text=item.text.strip(),
            text_en=item.text_en.strip(),
        )
        for item in criteria
    )
    return standard


@transaction.atomic
def criterion_revise(
    *, actor: User, criterion: Criterion, clause: str, text: str, text_en: str = ""
) -> Criterion:
    """Correct an item of the tenant's own local standard that nothing cites yet. A cited criterion is never
    rewritten (409): issue a new version of the standard instead."""
    tenant_id = _require_tenant_admin(actor)
    ensure_visible(actor, criterion)
    locked = Criterion.objects.select_for_update().select_related("standard").get(pk=criterion.pk)
    require_own_local(locked.standard, tenant_id)
    if is_cited(locked):
        raise InvalidStateError(
            _(
                "Hazards or self-inspections cite this criterion, so it is never rewritten: "
                "issue a new version."
            )
        )
    if not text.strip():
        raise ValidationError({"text": _("Give the item's text.")})
    if not clause.strip():
        raise ValidationError(
            {
                "clause": _("Give where the item stands in the text, or %(unverified)s.")
                % {"unverified": CLAUSE_UNVERIFIED}
            }
        )
    locked.clause, locked.text, locked.text_en = clause.strip(), text.strip(), text_en.strip()
    locked.save(update_fields=["clause", "text", "text_en"])
    return locked
