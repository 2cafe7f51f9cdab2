from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from organizations.scoping import actor_of

from .selectors import national_dashboard, national_major_hazards

NATIONAL_LIST_ROWS = 200


@login_required
def national_dashboard_page(request: HttpRequest) -> HttpResponse:
    """The ministry's view: provinces x key industries, found and closed by month, overdue by province,
    reporting freshness, and the national major hazard list."""
    actor = actor_of(request)
    filters = {name: request.GET.get(name, "") for name in ("province", "industry", "state", "listed")}
    hazards = national_major_hazards(actor=actor, filters=filters)[:NATIONAL_LIST_ROWS]
    context = {"dashboard": national_dashboard(actor=actor), "hazards": hazards, "filters": filters}
    return render(request, "exchange/national_dashboard.html", context)
