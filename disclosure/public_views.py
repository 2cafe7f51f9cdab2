"""The public site (no login): published disclosures, open data, the Atom feed, enterprise pages, tip-offs.

Only published snapshots are read here, never the ledger: what is not published cannot be found, and public
ids are random, not database ids. A page depends on its URL alone (public_site.py keeps the visitor out);
of a query string only the known parameters count, normalised. The index and the unfiltered publication
pages are cached per tenant, language, path and page number, so a tenant has at most
len(LANGUAGES) * (1 + the pages of its published and superseded publications) cached pages, whatever is
asked (a page number past the last is redirected, never cached); filtered pages are built from the one
snapshot each time. Publishing clears the tenant's pages.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from core.client_address import client_address
from core.spreadsheets import csv_text
from hazards.choices import HazardState
from hazards.enforcement import public_standing
from organizations.forms import apply_service_errors
from organizations.middleware import enter_tenant_on_demand, tenant_on_demand
from organizations.models import Region, Tenant

from . import public_cache
from .choices import PublicationStatus, TipOffStatus
from .forms import TipOffForm
from .models import Publication, TipOff
from .public_site import is_cross_site, language_query, page_context
from .tipoffs import RateLimited, tipoff_file, tipoff_public_stage

PUBLIC_STATES = (PublicationStatus.PUBLISHED, PublicationStatus.SUPERSEDED)


def _tenant(slug: str) -> Tenant:
    return get_object_or_404(Tenant, slug=slug)


def _published(tenant: Tenant) -> QuerySet[Publication]:
    # The public side reads published snapshots only (no user scope applies here: it is public by design).
    return Publication.objects.filter(tenant=tenant, status__in=PUBLIC_STATES).select_related("region")


# slug -> tenant id, so a cache hit needs no query; checked against the id stored with each page.
_tenant_ids: dict[str, int] = {}


def _page(
    request: HttpRequest,
    the_tenant: Tenant | None,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    params: dict[str, str] | None = None,
) -> HttpResponse:
    """A public page: its links carry its language, and its language switch keeps its normalised filters."""
    return render(
        request,
        template,
        {"tenant": the_tenant, **page_context(request, **(params or {})), **context},
        status=status,
    )


def _cached(
    request: HttpRequest,
    slug: str,
    build: Callable[[Tenant], HttpResponse],
    *,
    cache_it: bool = True,
    page: int = 1,
) -> HttpResponse:
    """Serve the page from the cache when its tenant's generation has not moved since it was built.

    The key is the tenant, the page's language and its path: never the query string as sent, so no request
    can add entries of its own making. A hit costs nothing within a second of the same page in this process,
    else one round trip to the cache (page and generation fetched together); never a query.
    """
    if not cache_it:
        the_tenant = _tenant(slug)
        enter_tenant_on_demand(request, the_tenant.pk)
        return build(the_tenant)
    page_key = f"public:{slug}:{get_language()}:{request.path}" + (f"?page={page}" if page > 1 else "")
    hit = public_cache.local_get(page_key)
    known = _tenant_ids.get(slug)
    if hit is None and known is not None:
        generation_key = public_cache.generation_key(known)
        found = cache.get_many([generation_key, page_key])
        stored = found.get(page_key)
        if stored is not None and stored[0] == known and stored[1] == found.get(generation_key):
            hit = stored
            public_cache.local_set(page_key, hit)
    if hit is not None:
        return HttpResponse(hit[2], content_type=hit[3])
    the_tenant = _tenant(slug)  # the tenant table is outside row-level security
    enter_tenant_on_demand(request, the_tenant.pk)
    _tenant_ids[slug] = the_tenant.pk
    generation = cache.get_or_set(public_cache.generation_key(the_tenant.pk), 0, timeout=None)
    response = build(the_tenant)
    if response.status_code == 200:
        entry = (the_tenant.pk, generation, response.content, response["Content-Type"])
        cache.set(page_key, entry, settings.PUBLIC_CACHE_SECONDS)
        public_cache.local_set(page_key, entry)
    return response


@tenant_on_demand
def index(request: HttpRequest, tenant: str) -> HttpResponse:
    def build(the_tenant: Tenant) -> HttpResponse:
        publications = (
            _published(the_tenant)
            .filter(status=PublicationStatus.PUBLISHED)
            .order_by("-month", "region_path")
        )
        return _page(request, the_tenant, "disclosure/public_index.html", {"publications": publications})

    return _cached(request, tenant, build)


def _publication(tenant: Tenant, public_id: str) -> Publication:
    return get_object_or_404(_published(tenant), public_id=public_id)


FILTERS = ("q", "industry", "region_code", "state")
SEARCH_MAX_LENGTH = 100
# Major hazards on one page of a publication: a province's month lists thousands, a megabyte a hundred
# rows, too much for a phone (the CSV, JSON and PDF keep them all).
PUBLIC_PAGE_ROWS = 100


def _page_number(params: Any) -> int:
    """The `page` parameter: a whole number from 1; anything else counts as the first page."""
    value = str(params.get("page", "")).strip()
    return int(value) if value.isdigit() and 0 < int(value) < 10**6 else 1


def _filters(params: Any, rows: list[dict[str, Any]]) -> dict[str, str]:
    """The publication page's filters, normalised: a state, or an industry or region of the snapshot, in any
    letter case; anything else counts as no choice. The search is trimmed to SEARCH_MAX_LENGTH characters
    of single spaces."""
    offered = {
        "industry": {str(row["industry"]) for row in rows},
        "region_code": {str(row["region_code"]) for row in rows},
        "state": set(HazardState.values),
    }
    normalised = {"q": " ".join(str(params.get("q", "")).split())[:SEARCH_MAX_LENGTH]}
    for field, values in offered.items():
        by_lower_case = {value.lower(): value for value in values}
        normalised[field] = by_lower_case.get(str(params.get(field, "")).strip().lower(), "")
    return normalised


def _filter_hazards(rows: list[dict[str, Any]], filters: dict[str, str]) -> list[dict[str, Any]]:
    text = filters["q"]
    if text:
        rows = [r for r in rows if text in r["enterprise"] or text in r["title"] or text in r["code"]]
    for field in ("industry", "state", "region_code"):
        if filters[field]:
            rows = [r for r in rows if r.get(field) == filters[field]]
    return rows


@tenant_on_demand
def publication(request: HttpRequest, tenant: str, public_id: str) -> HttpResponse:
    number = _page_number(request.GET)

    def build(the_tenant: Tenant) -> HttpResponse:
        item = _publication(the_tenant, public_id)
        rows = item.content["major_hazards"]
        filters = _filters(request.GET, rows)
        matching = _filter_hazards(rows, filters)
        pages = Paginator(matching, PUBLIC_PAGE_ROWS, allow_empty_first_page=True)
        if number > pages.num_pages:  # a bookmark from a longer version, or a made-up number
            return redirect(request.path + language_query(**_page_params(filters, pages.num_pages)))
        page = pages.page(number)
        return _page(
            request,
            the_tenant,
            "disclosure/public_publication.html",
            {
                "publication": item,
                "content": item.content,
                "hazards": page.object_list,
                "page_obj": page,
                "page_links": _page_links(request.path, filters, page),
                "matching": len(matching),
                "industries": sorted({(r["industry"], r["industry_name"]) for r in rows}),
                "regions": sorted({(r["region_code"], r["region"]) for r in rows}),
                "states": sorted({r["state"] for r in rows}),
                "newer": getattr(item, "corrected_by", None)
                if item.status == PublicationStatus.SUPERSEDED
                else None,
                "query": filters,
            },
            params=_page_params(filters, number),
        )

    # Only the unfiltered pages are cached: a search is free text, so its pages would have no bound.
    filtered = any(str(request.GET.get(field, "")).strip() for field in FILTERS)
    return _cached(request, tenant, build, cache_it=not filtered, page=number)


def _page_params(filters: dict[str, str], number: int) -> dict[str, str]:
    """The query of one page of a publication: its filters, and its number unless it is the first."""
    return {**filters, "page": str(number) if number > 1 else ""}


def _page_links(path: str, filters: dict[str, str], page: Page) -> dict[str, str]:
    """The previous and next pages' URLs, and the first and last when they are neither of those nor this
    one, with the filters and the language kept."""
    last = page.paginator.num_pages
    numbers = {"previous": page.number - 1, "next": page.number + 1}
    numbers.update(
        (name, number)
        for name, number in (("first", 1), ("last", last))
        if number != page.number and number not in numbers.values()
    )
    return {
        name: path + language_query(**_page_params(filters, number))
        for name, number in numbers.items()
        if 1 <= number <= last
    }


def publication_pdf(request: HttpRequest, tenant: str, public_id: str) -> HttpResponse:
    item = _publication(_tenant(tenant), public_id)
    response = HttpResponse(item.pdf_bytes, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="disclosure-{item.content["month"]}-{item.public_id}.pdf"'
    )
    return response


def publication_csv(request: HttpRequest, tenant: str, public_id: str) -> HttpResponse:
    item = _publication(_tenant(tenant), public_id)
    # Only snapshot fields: reviewed words and reference data; "listed" is the level of the listing.
    columns = [
        "public_id",
        "code",
        "enterprise",
        "credit_code",
        "region",
        "industry_name",
        "title",
        "criterion",
        "found",
        "deadline",
        "state",
        "listed",
        "closed",
    ]
    rows = [[row.get(column) or "" for column in columns] for row in item.content["major_hazards"]]
    response = HttpResponse(csv_text([columns, *rows]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="disclosure-{item.content["month"]}-{item.public_id}.csv"'
    )
    return response


def publication_json(request: HttpRequest, tenant: str, public_id: str) -> HttpResponse:
    item = _publication(_tenant(tenant), public_id)
    document = {
        "publication": item.public_id,
        "version": item.version,
        "status": item.status,
        "published_at": item.published_at.isoformat() if item.published_at else None,
        "pdf_sha256": item.sha256,
        "correction_reason": item.correction_reason or None,
        **item.content,
    }
    return HttpResponse(json.dumps(document, ensure_ascii=False, indent=1), content_type="application/json")


def enterprise(request: HttpRequest, tenant: str, credit_code: str) -> HttpResponse:
    """Every disclosed hazard of one enterprise across published months; 404 if it was never disclosed."""
    the_tenant = _tenant(tenant)
    code = credit_code.upper()
    months = (
        _published(the_tenant)
        .filter(status=PublicationStatus.PUBLISHED, content__major_hazards__contains=[{"credit_code": code}])
        .order_by("-month")
    )
    entries = [
        (item, [r for r in item.content["major_hazards"] if r["credit_code"] == code]) for item in months
    ]
    if not entries:
        raise Http404
    name = entries[0][1][0]["enterprise"]
    return _page(
        request,
        the_tenant,
        "disclosure/public_enterprise.html",
        {
            "name": name,
            "credit_code": code,
            "entries": entries,
            "standing": public_standing(tenant_id=the_tenant.pk, credit_code=code),
        },
    )


class PublicationsFeed(Feed):
    """Atom feed of a tenant's publications."""

    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, tenant: str) -> Tenant:
        return _tenant(tenant)

    def title(self, obj: Tenant) -> str:
        return _("%(tenant)s: hazard disclosures") % {"tenant": obj.name}

    def link(self, obj: Tenant) -> str:
        return reverse("public-index", args=[obj.slug]) + language_query()

    def items(self, obj: Tenant) -> QuerySet[Publication]:
        return _published(obj).order_by("-published_at")[:50]

    def item_title(self, item: Publication) -> str:
        return f"{item.region.name} {item.content['month']}" + (
            f" (v{item.version})" if item.version > 1 else ""
        )

    def item_description(self, item: Publication) -> str:
        count = len(item.content["major_hazards"])
        text = _("%(count)d major hazards disclosed.") % {"count": count}
        return f"{text} {item.correction_reason}" if item.correction_reason else text

    def item_link(self, item: Publication) -> str:
        return reverse("public-publication", args=[item.tenant.slug, item.public_id]) + language_query()

    def item_pubdate(self, item: Publication) -> Any:
        return item.published_at


# No cookie reaches a public page (public_site.py), so the form carries no CSRF token: a post that a browser
# says another site made is refused instead.
@csrf_exempt
def tipoff_new(request: HttpRequest, tenant: str) -> HttpResponse:
    the_tenant = _tenant(tenant)
    regions = Region.objects.filter(tenant=the_tenant).order_by("path")
    form = TipOffForm(request.POST or None, regions=regions)
    status = 200
    if request.method == "POST":
        if is_cross_site(request):
            refused = {"message": _("This form only accepts tip-offs sent from this site.")}
            return _page(request, the_tenant, "disclosure/public_error.html", refused, status=403)
        status = 400
        if form.is_valid():
            try:
                tip = tipoff_file(
                    tenant=the_tenant, client_address=client_address(request), **form.cleaned_data
                )
            except RateLimited:
                return _page(
                    request,
                    the_tenant,
                    "disclosure/public_tipoff.html",
                    {"form": form, "rate_limited": True},
                    status=429,
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return redirect(
                    reverse("public-tipoff-status", args=[the_tenant.slug, tip.tracking_code])
                    + language_query()
                )
    return _page(request, the_tenant, "disclosure/public_tipoff.html", {"form": form}, status=status)


def tipoff_status(request: HttpRequest, tenant: str, code: str) -> HttpResponse:
    """What the sender may know: status and the committee's note for them. Never what they wrote, their
    contact or who triaged it."""
    the_tenant = _tenant(tenant)
    tip = get_object_or_404(TipOff, tenant=the_tenant, tracking_code=code.upper())
    return _page(
        request,
        the_tenant,
        "disclosure/public_tipoff_status.html",
        {
            "code": tip.tracking_code,
            # Reviewed words only: the stage's fixed sentence, never what was found, where or by whom.
            "status": tipoff_public_stage(tip).label,
            "received": tip.created_at,
            "public_note": tip.public_note,
            "done": tip.status != TipOffStatus.RECEIVED,
            # That a reward was granted, never its amount or date.
            "rewarded": tip.reward_granted_on is not None,
        },
    )


# For the other public pages (the published rankings, accountability/evaluation_views.py): the same layout and
# the same cache rules.
public_page = _page
cached_public_page = _cached
