"""The listings register page (挂牌督办): every listed hazard in the caller's scope, filtered like the API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from organizations.scoping import actor_of

from .forms import ListingFilterForm
from .listing_selectors import listing_counts, listing_list
from .models import Hazard

PAGE_SIZE = 50


@login_required
def listing_register(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = ListingFilterForm(request.GET or None)
    valid = form.is_valid() if request.GET else True
    filters = form.cleaned_data if request.GET and valid else {}
    rows = listing_list(
        actor=actor,
        level=filters.get("level") or "",
        overdue=filters.get("overdue"),
        lifted=filters.get("lifted"),
        today=timezone.localdate(),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "filter_form": form,
        "page_obj": page,
        "listings": page.object_list,
        "query": query.urlencode(),
        "counts": listing_counts(Hazard.objects.visible_to(actor)),
    }
    return render(request, "hazards/listing_list.html", context, status=200 if valid else 400)
