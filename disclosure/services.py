"""Every write to disclosures: monthly drafts, publishing, corrections. Published rows never change
(the database refuses it too: migration 0002)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, PermissionDeniedError
from organizations.audit import audit_record
from organizations.choices import AuditAction, Role
from organizations.models import Membership, Region, Tenant, User
from organizations.scoping import scope_for

from . import public_cache
from .choices import PublicationStatus
from .content import build_content, build_contents, reviewed_titles
from .models import PUBLIC_TITLE_MAX, DisclosurePolicy, Publication, PublicHazardId
from .pdf import render_pdf


def regions_with_committee(tenant: Tenant) -> list[Region]:
    """Every region whose safety committee has staff: each gets its own monthly disclosure."""
    region_ids = Membership.objects.filter(tenant=tenant, role=Role.COMMITTEE_STAFF, is_active=True).values(
        "region_id"
    )
    return list(Region.objects.filter(tenant=tenant, pk__in=region_ids).order_by("path"))


@dataclass(frozen=True)
class DraftRun:
    created: int
    existing: int


def publication_draft(*, region: Region, month: dt.date) -> Publication | None:
    """The region's draft for the month, built once. None when the month is already published."""
    month = month.replace(day=1)
    existing = Publication.objects.filter(tenant_id=region.tenant_id, region=region, month=month)
    if existing.exclude(status=PublicationStatus.DRAFT).exists():
        return None
    draft = existing.filter(status=PublicationStatus.DRAFT).first()
    if draft:
        return draft
    try:
        with transaction.atomic():  # all or nothing: a killed worker leaves no half publication
            return Publication.objects.create(
                tenant_id=region.tenant_id,
                region=region,
                region_path=region.path,
                month=month,
                content=build_content(region=region, month=month),
            )
    except IntegrityError:  # another run made it at the same moment: one draft per region and month
        return existing.filter(status=PublicationStatus.DRAFT).first()


@transaction.atomic
def publication_build_month(*, tenant: Tenant, month: dt.date) -> DraftRun:
    """Drafts of the month for every region with a committee that has no publication of the month yet.

    Their contents are built together (content.build_contents: one pass over the tenant's month, however many
    regions) and written in one statement: all of the month's new drafts or none. Safe to run again or twice
    at once: a region with a publication of the month keeps it, and a draft another run wrote first is left
    as it is (the one-draft-per-region-and-month constraint, ON CONFLICT DO NOTHING).
    """
    month = month.replace(day=1)
    regions = regions_with_committee(tenant)
    done = set(Publication.objects.filter(tenant=tenant, month=month).values_list("region_id", flat=True))
    missing = [region for region in regions if region.pk not in done]
    contents = build_contents(tenant_id=tenant.pk, month=month, regions=missing)
    Publication.objects.bulk_create(
        [
            Publication(
                tenant=tenant,
                region=region,
                region_path=region.path,
                month=month,
                content=contents[region.pk],
            )
            for region in missing
        ],
        ignore_conflicts=True,
    )
    return DraftRun(created=len(missing), existing=len(regions) - len(missing))


def _require_committee_of(actor: User, publication: Publication) -> None:
    scope = scope_for(actor)
    if not (
        scope.is_tenant_admin or any(publication.region_path.startswith(p) for p in scope.committee_paths)
    ):
        raise PermissionDeniedError(_("Only the region's committee staff publish its disclosures."))
    if Role.COMMITTEE_STAFF not in scope.roles and not scope.is_tenant_admin:
        raise PermissionDeniedError(_("Only the region's committee staff publish its disclosures."))


def _require_reviewer_of(actor: User, publication: Publication) -> None:
    """Public titles are the words of the region's safety committee: its staff (or a committee above) only."""
    scope = scope_for(actor)
    if Role.COMMITTEE_STAFF not in scope.roles or not any(
        publication.region_path.startswith(path) for path in scope.committee_paths
    ):
        raise PermissionDeniedError(_("Only the region's committee staff write public titles."))


# Seven digits or more once spaces and punctuation are gone: a phone, ID or account number, never a title.
_LONG_NUMBER = re.compile(r"\d{7,}")
_NUMBER_SEPARATORS = re.compile(r"[\W_]")


def _check_public_title(public_id: str, title: str) -> None:
    if len(title) > PUBLIC_TITLE_MAX:
        raise ValidationError(
            {
                "title": _("The public title of %(id)s is longer than %(max)d characters.")
                % {"id": public_id, "max": PUBLIC_TITLE_MAX}
            }
        )
    digits = _NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", title))
    if _LONG_NUMBER.search(digits):
        raise ValidationError(
            {"title": _("The public title of %(id)s holds a phone or ID number.") % {"id": public_id}}
        )


@transaction.atomic
def publication_titles_set(
    *, actor: User, publication: Publication, titles: Mapping[str, str], now: dt.datetime | None = None
) -> Publication:
    """Committee staff write the public titles of a draft's hazards ({public id: title}; empty: the default).

    A public title belongs to the hazard: every draft that lists it shows it, and later months keep it.
    Publishing freezes the titles as they stand; a published snapshot never changes (409).
    """
    locked: Publication = (
        Publication.objects.select_for_update(of=("self",))
        .select_related("region")
        .defer("pdf")
        .get_visible(actor, pk=publication.pk)
    )
    _require_reviewer_of(actor, locked)
    if locked.status != PublicationStatus.DRAFT:
        raise InvalidStateError(
            _("This publication is %(status)s; public titles are written before publishing.")
            % {"status": locked.get_status_display()}
        )
    listed = {row["public_id"] for row in locked.content["major_hazards"]}
    cleaned = {public_id: " ".join(str(title).split()) for public_id, title in titles.items()}
    for public_id, title in cleaned.items():
        if public_id not in listed:
            message = _("%(id)s is not a hazard of this draft.") % {"id": public_id}
            raise ValidationError({"public_id": message})
        _check_public_title(public_id, title)
    at = now or timezone.now()
    for public_id, title in cleaned.items():
        PublicHazardId.objects.filter(tenant_id=locked.tenant_id, public_id=public_id).update(
            title=title, title_by=actor if title else None, title_at=at if title else None
        )
    current = reviewed_titles(sorted(cleaned))
    # This draft, and every other draft listing one of the hazards (a JSON containment test per hazard).
    listing = Q(pk=locked.pk)
    for public_id in cleaned:
        listing |= Q(content__major_hazards__contains=[{"public_id": public_id}])
    drafts = Publication.objects.select_for_update().filter(
        listing, tenant_id=locked.tenant_id, status=PublicationStatus.DRAFT
    )
    for draft in drafts.defer("pdf"):
        for row in draft.content["major_hazards"]:
            if row["public_id"] in current:
                row["title"] = current[row["public_id"]]
        draft.save(update_fields=["content"])
    return Publication.objects.select_related("region").defer("pdf").get(pk=locked.pk)


def _title(publication: Publication) -> str:
    return f"{publication.region.name}重大事故隐患排查整治信息公开（{publication.month:%Y年%m月}）"


def invalidate_public_pages(tenant_id: int) -> None:
    """Public pages are cached per tenant under a generation number; a publication moves it on."""
    public_cache.invalidate(tenant_id)


@transaction.atomic
def publication_publish(
    *, actor: User, publication: Publication, now: dt.datetime | None = None
) -> Publication:
    """Freeze the draft: its JSON, its PDF and the PDF's SHA-256 never change again."""
    locked: Publication = (
        Publication.objects.select_for_update(of=("self",))
        .select_related("region")
        .get_visible(actor, pk=publication.pk)
    )
    _require_committee_of(actor, locked)
    if locked.status != PublicationStatus.DRAFT:
        raise InvalidStateError(
            _("This publication is %(status)s; only a draft is published.")
            % {"status": locked.get_status_display()}
        )
    # The titles as they stand now, whatever a draft built at the same moment as a title change holds.
    titles = reviewed_titles([row["public_id"] for row in locked.content["major_hazards"]])
    for row in locked.content["major_hazards"]:
        row["title"] = titles.get(row["public_id"], row["title"])
    pdf = render_pdf(locked.content, title=_title(locked))
    locked.pdf, locked.sha256 = pdf, hashlib.sha256(pdf).hexdigest()
    locked.status, locked.published_at, locked.published_by = (
        PublicationStatus.PUBLISHED,
        now or timezone.now(),
        actor,
    )
    locked.save()
    audit_record(
        actor=actor, action=AuditAction.PUBLICATION, target=locked, detail={"version": locked.version}
    )
    transaction.on_commit(lambda: invalidate_public_pages(locked.tenant_id))
    return locked


@transaction.atomic
def publication_correct(
    *, actor: User, publication: Publication, reason: str, now: dt.datetime | None = None
) -> Publication:
    """Publish a corrected version rebuilt from the ledger with a public reason; the old one stays."""
    locked: Publication = (
        Publication.objects.select_for_update(of=("self",))
        .select_related("region")
        .get_visible(actor, pk=publication.pk)
    )
    _require_committee_of(actor, locked)
    if locked.status != PublicationStatus.PUBLISHED:
        raise InvalidStateError(_("Only the current published version can be corrected."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the public reason for the correction.")})
    locked.status = PublicationStatus.SUPERSEDED
    locked.save(update_fields=["status"])
    correction = Publication.objects.create(
        tenant_id=locked.tenant_id,
        region=locked.region,
        region_path=locked.region_path,
        month=locked.month,
        version=locked.version + 1,
        correction_of=locked,
        correction_reason=reason,
        content=build_content(region=locked.region, month=locked.month),
    )
    return publication_publish(actor=actor, publication=correction, now=now)


@transaction.atomic
def disclosure_policy_update(*, actor: User, **fields: bool) -> DisclosurePolicy:
    """The security administrator chooses the optional public fields (a policy: roles and policies are
    theirs); nothing typed into the ledger is ever among them.

    The policy applies to drafts built from now on; what is published stays as it was published.
    """
    scope = scope_for(actor)
    if not scope.is_security_admin or scope.tenant_id is None:
        raise PermissionDeniedError(_("Only the security administrator sets the disclosure policy."))
    policy, _created = DisclosurePolicy.objects.select_for_update().get_or_create(tenant_id=scope.tenant_id)
    allowed = {"show_criterion", "show_deadline", "show_listing"}
    for name, value in fields.items():
        if name in allowed:
            setattr(policy, name, bool(value))
    policy.save()
    audit_record(actor=actor, action=AuditAction.POLICY_CHANGE, target=policy, detail={"fields": fields})
    return policy
