"""Standards flow down: the national tenant publishes its determination standards as numbered releases; a
province pulls the releases it has not applied over the exchange interface (real HTTP, the same URL and key
as its upward batches) and applies them to the national standards it holds, which it never edits.

National side: `standard_release_publish` (committee staff of the national tenant), `standards_feed` (the
endpoint's work). Province side: `standards_pull` (HTTP, signature, then `standards_apply` in one transaction)
and the `StandardsPull` row that keeps the cursor and how the last pull went.

A deployment keeps one copy of the national standards (shared reference rows, as the library always was):
in one deployment the first province to pull a release creates its rows and the others find them identical;
across deployments each creates its own. Either way every province keeps its own cursor and status.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.errors import InvalidStateError, PermissionDeniedError
from core.rls import tenant_context
from hazards.models import Criterion, Standard
from hazards.services.standards import CriterionInput, check_criteria
from organizations.models import Region, Tenant, User
from organizations.scoping import scope_for
from organizations.validators import COUNTRY_CODE

from .format import SIGNATURE_HEADER, body_bytes, sha256_hex, signature, signature_valid
from .models import ExchangePartner, StandardRelease, StandardsPull, UpwardLink
from .standards_format import GENESIS, VERSION, feed_errors, release_errors, request_signature, request_valid

FEED_SIZE = 20


# ---------------------------------------------------------------------------------------------------------
# The national side: publishing, and the feed.


@dataclass(frozen=True)
class StandardInput:
    """One standard (or a new version of a published one) to publish."""

    industry: str
    name: str
    version: str
    effective_date: dt.date
    coverage: str
    criteria: list[CriterionInput]
    name_en: str = ""
    document_number: str = ""
    note: str = ""
    supersedes: str = ""
    key: str = ""


@dataclass
class Published:
    """A standard as the releases so far left it: its entry, the release that published it, and whether it
    is still current (neither superseded nor retired)."""

    entry: dict[str, Any]
    seq: int
    current: bool = True


def is_national(tenant_id: int | None) -> bool:
    return tenant_id is not None and Region.objects.filter(tenant_id=tenant_id, code=COUNTRY_CODE).exists()


def _require_national_staff(actor: User) -> int:
    scope = scope_for(actor)
    if not is_national(scope.tenant_id) or not scope.committee_paths or scope.tenant_id is None:
        raise PermissionDeniedError(
            _("Only the national tenant's committee staff publish national standards.")
        )
    return scope.tenant_id


def national_library(tenant_id: int) -> dict[str, Published]:
    """Every standard the national tenant has published, by key, folded over its releases in order."""
    library: dict[str, Published] = {}
    bodies = StandardRelease.objects.filter(tenant_id=tenant_id).order_by("seq").values_list("seq", "body")
    for seq, body in bodies:
        release = json.loads(body)
        for entry in release["standards"]:
            if entry["supersedes"] in library:
                library[entry["supersedes"]].current = False
            library[entry["key"]] = Published(entry=entry, seq=seq)
        for key in release["retired"]:
            if key in library:
                library[key].current = False
    return library


def _entry(standard: StandardInput, key: str) -> dict[str, Any]:
    return {
        "key": key,
        "industry": standard.industry.strip(),
        "name": standard.name.strip(),
        "name_en": standard.name_en.strip(),
        "document_number": standard.document_number.strip(),
        "effective_date": standard.effective_date.isoformat(),
        "version": standard.version.strip(),
        "coverage": standard.coverage,
        "note": standard.note.strip(),
        "supersedes": standard.supersedes or None,
        "criteria": [
            {
                "number": item.number.strip(),
                "clause": item.clause.strip(),
                "text": item.text.strip(),
                "text_en": item.text_en.strip(),
                "retired": False,
            }
            for item in standard.criteria
        ],
    }


def _new_key(standard: StandardInput, taken: set[str]) -> str:
    base = slugify(f"{standard.industry}-{standard.version}".replace("_", "-"))[:44].strip("-") or "standard"
    if base.startswith("local-"):
        base = f"national-{base}"[:44]
    key, number = base, 1
    while key in taken:
        number += 1
        key = f"{base}-{number}"
    return key


def _release_create(
    *,
    tenant_id: int,
    entries: list[dict[str, Any]],
    retired: list[str],
    note: str,
    actor: User | None,
    now: dt.datetime,
) -> StandardRelease:
    last = StandardRelease.objects.filter(tenant_id=tenant_id).order_by("-seq").first()
    seq = (last.seq if last else 0) + 1
    prev_sha256 = last.sha256 if last else GENESIS
    document: dict[str, Any] = {
        "version": VERSION,
        "publisher": COUNTRY_CODE,
        "seq": seq,
        "prev_sha256": last.sha256 if last else GENESIS,
        "published_at": now.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "note": note.strip(),
        "standards": entries,
        "retired": retired,
    }
    errors = release_errors(document)
    if errors:
        raise ValidationError({"standards": errors})
    body = body_bytes(document)
    try:
        with transaction.atomic():
            return StandardRelease.objects.create(
                tenant_id=tenant_id,
                seq=seq,
                prev_sha256=prev_sha256,
                sha256=sha256_hex(body),
                body=body.decode(),
                note=note.strip(),
                standards=len(entries),
                retired=len(retired),
                published_by=actor,
                published_at=now,
            )
    except IntegrityError:
        raise InvalidStateError(_("Another version was published at the same moment; try again.")) from None


@transaction.atomic
def standard_release_publish(
    *, actor: User, standards: list[StandardInput], retire: list[str], note: str = ""
) -> StandardRelease:
    """Publish the next version of the national standards: new standards, new versions that supersede a
    current one (it stays, no longer current, for the hazards that cite it), and standards retired without a
    successor. A published version never changes; the next one changes what is current."""
    tenant_id = _require_national_staff(actor)
    library = national_library(tenant_id)
    if not standards and not retire:
        raise ValidationError({"standards": _("Publish at least one standard or retire one.")})
    taken = set(library)
    entries: list[dict[str, Any]] = []
    replaced: set[str] = set()
    for standard in standards:
        if not standard.name.strip():
            raise ValidationError({"name": _("Give the standard's name.")})
        if not standard.version.strip():
            raise ValidationError({"version": _("Give the version (e.g. the year of issue).")})
        check_criteria(standard.criteria, standard.coverage)
        key = standard.key.strip() or _new_key(standard, taken)
        if key in taken:
            raise ValidationError({"key": _("%(key)s has been published before.") % {"key": key}})
        if standard.supersedes:
            previous = library.get(standard.supersedes)
            if previous is None or not previous.current or standard.supersedes in replaced:
                raise ValidationError(
                    {
                        "supersedes": _("%(key)s is no current national standard.")
                        % {"key": standard.supersedes}
                    }
                )
            if previous.entry["industry"] != standard.industry.strip():
                raise ValidationError(
                    {"industry": _("A new version keeps the industry of the one it supersedes.")}
                )
            replaced.add(standard.supersedes)
        taken.add(key)
        entries.append(_entry(standard, key))
    for key in retire:
        if key not in library or not library[key].current or key in replaced:
            raise ValidationError({"retire": _("%(key)s is no current national standard.") % {"key": key}})
    return _release_create(
        tenant_id=tenant_id, entries=entries, retired=list(retire), note=note, actor=actor, now=timezone.now()
    )


def _standard_entry(standard: Standard) -> dict[str, Any]:
    """A national standard held here, as a release states it."""
    return {
        "key": standard.key,
        "industry": standard.industry_code,
        "name": standard.name,
        "name_en": standard.name_en,
        "document_number": standard.document_number,
        "effective_date": standard.effective_date.isoformat(),
        "version": standard.version,
        "coverage": standard.coverage,
        "note": standard.note,
        "supersedes": standard.supersedes.key if standard.supersedes_id and standard.supersedes else None,
        "criteria": [
            {
                "number": item.number,
                "clause": item.clause,
                "text": item.text,
                "text_en": item.text_en,
                "retired": item.retired,
            }
            for item in standard.criteria.order_by("id")
        ],
    }


@transaction.atomic
def standard_release_publish_library(*, national: Tenant, note: str = "") -> StandardRelease | None:
    """Version 1: the national standards this deployment already holds (the shipped library), published by
    the national tenant as they are, so that what provinces hold and what the national tenant published
    agree. Does nothing once the national tenant has published anything."""
    with tenant_context(national):
        if StandardRelease.objects.filter(tenant=national).exists():
            return None
        standards = (
            Standard.objects.filter(local_tenant__isnull=True)
            .select_related("supersedes")
            .order_by("effective_date", "id")
        )
        entries = [_standard_entry(standard) for standard in standards]
        retired = [standard.key for standard in standards if not standard.is_current]
        return _release_create(
            tenant_id=national.pk,
            entries=entries,
            retired=retired,
            note=note or "National determination standards, version 1 (the shipped library).",
            actor=None,
            now=timezone.now(),
        )


def standards_feed(*, actor: User, after: int, signature_header: str) -> tuple[bytes, str]:
    """The releases after `after` for the province the actor's account speaks for, as the bytes to send and
    their signature header. 403: no exchange partner, or the request is not signed with its key."""
    partner = ExchangePartner.objects.filter(user=actor).first()
    if partner is None:
        raise PermissionDeniedError(_("This account delivers for no province."))
    if not request_valid(after, partner.key, signature_header):
        raise PermissionDeniedError(_("The request's signature does not match the province's key."))
    releases = StandardRelease.objects.filter(tenant_id=partner.tenant_id)
    latest = releases.order_by("-seq").values_list("seq", flat=True).first() or 0
    document = {
        "version": VERSION,
        "after": after,
        "latest": latest,
        "releases": [
            json.loads(body)
            for body in releases.filter(seq__gt=after)
            .order_by("seq")
            .values_list("body", flat=True)[:FEED_SIZE]
        ],
    }
    body = body_bytes(document)
    return body, f"sha256={signature(body, partner.key)}"


# ---------------------------------------------------------------------------------------------------------
# The province's side: applying releases, and pulling them over HTTP.


class StandardsRefused(Exception):
    """A feed or release the province will not apply (nothing of it is stored)."""


def _apply_release(release: dict[str, Any]) -> None:
    for entry in release["standards"]:
        held = Standard.objects.select_related("supersedes").filter(key=entry["key"]).first()
        previous = None
        if entry["supersedes"]:
            previous = Standard.objects.filter(key=entry["supersedes"], local_tenant__isnull=True).first()
            if previous is None:
                raise StandardsRefused(
                    f"{entry['key']} supersedes {entry['supersedes']}, which is not held here."
                )
        if held is not None:
            # In one deployment another province may have applied this release already: the same rows.
            if held.local_tenant_id is not None or _standard_entry(held) != entry:
                raise StandardsRefused(f"{entry['key']} is held here with other contents.")
        else:
            standard = Standard.objects.create(
                key=entry["key"],
                industry_code=entry["industry"],
                name=entry["name"],
                name_en=entry["name_en"],
                document_number=entry["document_number"],
                effective_date=dt.date.fromisoformat(entry["effective_date"]),
                version=entry["version"],
                note=entry["note"],
                coverage=entry["coverage"],
                supersedes=previous,
                created_at=timezone.now(),
            )
            Criterion.objects.bulk_create(
                Criterion(
                    standard=standard,
                    number=item["number"],
                    clause=item["clause"],
                    text=item["text"],
                    text_en=item["text_en"],
                    retired=item["retired"],
                )
                for item in entry["criteria"]
            )
        if previous is not None and previous.is_current:
            Standard.objects.filter(pk=previous.pk).update(is_current=False)
    for key in release["retired"]:
        retired = Standard.objects.filter(key=key, local_tenant__isnull=True)
        if not retired.exists():
            raise StandardsRefused(f"{key} is retired but not held here.")
        retired.filter(is_current=True).update(is_current=False)


@dataclass
class PullResult:
    applied: int = 0
    seq: int = 0
    failed: str = ""
    releases: list[int] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.failed:
            return "failed"
        if self.applied:
            return f"applied {self.applied} release(s), now at version {self.seq}"
        return f"up to date at version {self.seq}"


def standards_apply(*, tenant: Tenant, releases: list[dict[str, Any]]) -> PullResult:
    """Apply releases in order in one transaction: each must be the next one after the cursor and name the
    last one's digest; one already applied is skipped (pulling twice changes nothing). Refused: nothing."""
    result = PullResult()
    with tenant_context(tenant):
        pull, _created = StandardsPull.objects.get_or_create(tenant=tenant)
        pull = StandardsPull.objects.select_for_update().get(pk=pull.pk)
        for release in releases:
            errors = release_errors(release)
            if errors:
                raise StandardsRefused("; ".join(errors))
            if release["seq"] <= pull.last_seq:
                continue
            if release["seq"] != pull.last_seq + 1 or release["prev_sha256"] != pull.last_sha256:
                raise StandardsRefused(
                    f"broken chain: expected version {pull.last_seq + 1} following digest {pull.last_sha256}"
                )
            try:
                with transaction.atomic():
                    _apply_release(release)
            except IntegrityError:
                # Another province of this deployment applied the same release at this moment: try again.
                raise StandardsRefused("the release was being applied at the same moment; retry") from None
            pull.last_seq, pull.last_sha256 = release["seq"], sha256_hex(body_bytes(release))
            result.applied += 1
            result.releases.append(release["seq"])
        pull.save(update_fields=["last_seq", "last_sha256"])
        result.seq = pull.last_seq
    return result


def standards_url(exchange_url: str) -> str:
    """The standards feed sits beside the batches endpoint that NATIONAL_EXCHANGE_URL (or a link) names."""
    return urllib.parse.urljoin(
        exchange_url, "standards/" if exchange_url.endswith("/v1/") else "../standards/"
    )


def _fetch(url: str, token: str, key: str, after: int) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - the URL is the operator's configuration
        f"{url}?{urllib.parse.urlencode({'after': after})}",
        method="GET",
        headers={"Authorization": f"Token {token}", SIGNATURE_HEADER: request_signature(after, key)},
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.NATIONAL_EXCHANGE_TIMEOUT) as answer:  # noqa: S310
            body = answer.read()
            signed = answer.headers.get(SIGNATURE_HEADER, "")
    except urllib.error.HTTPError as error:
        detail = error.read()[:500].decode(errors="replace")
        raise StandardsRefused(f"HTTP {error.code}: {detail}") from None
    except (urllib.error.URLError, OSError) as error:
        raise StandardsRefused(f"{type(error).__name__}: {getattr(error, 'reason', error)}") from None
    if not signature_valid(body, key, signed):
        raise StandardsRefused("the answer's signature does not match the province's key")
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise StandardsRefused(f"the answer is not JSON: {error}") from None
    errors = feed_errors(document)
    if errors:
        raise StandardsRefused("; ".join(errors))
    return document


def _record(tenant: Tenant, now: dt.datetime, result: PullResult) -> None:
    with tenant_context(tenant):
        pull, _created = StandardsPull.objects.get_or_create(tenant=tenant)
        pull.last_attempt_at, pull.last_result = now, result.summary[:200]
        if result.failed:
            pull.last_error, pull.failures = result.failed, pull.failures + 1
        else:
            pull.last_error, pull.failures, pull.last_success_at = "", 0, now
        pull.save(
            update_fields=["last_attempt_at", "last_result", "last_error", "failures", "last_success_at"]
        )


def standards_pull(*, tenant: Tenant, max_pages: int = 50) -> PullResult:
    """Ask the national system for the releases after the cursor, page by page, check each answer's
    signature and schema, and apply them; record how it went. The HTTP calls run outside any transaction."""
    now = timezone.now()
    with tenant_context(tenant):
        link = UpwardLink.objects.filter(tenant=tenant).first()
        pull = StandardsPull.objects.filter(tenant=tenant).first()
    result = PullResult(seq=pull.last_seq if pull else 0)
    url = (link.url if link else "") or settings.NATIONAL_EXCHANGE_URL
    if link is None or not url:
        result.failed = "No link to the national system: set it with `manage.py exchange_link`."
        _record(tenant, now, result)
        return result
    try:
        for _page in range(max_pages):
            feed = _fetch(standards_url(url), link.token, link.key, result.seq)
            if feed["after"] != result.seq:
                raise StandardsRefused(
                    f"asked for the releases after {result.seq}, got after {feed['after']}"
                )
            step = standards_apply(tenant=tenant, releases=feed["releases"])
            result.applied += step.applied
            result.releases += step.releases
            result.seq = step.seq
            if not feed["releases"] or result.seq >= feed["latest"]:
                break
    except StandardsRefused as error:
        result.failed = str(error)
    _record(tenant, now, result)
    return result


def pulling_tenants() -> list[Tenant]:
    """Tenants linked to a national system (each looks for its own link: row-level security)."""
    linked = []
    for tenant in Tenant.objects.order_by("id"):
        with tenant_context(tenant):
            if UpwardLink.objects.filter(tenant=tenant).exists():
                linked.append(tenant)
    return linked
