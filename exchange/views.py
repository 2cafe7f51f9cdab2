from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from organizations.scoping import actor_of, scope_for
from organizations.views import form_page

from .forms import PublishStandardForm, RetireStandardForm
from .selectors import (
    national_dashboard,
    national_major_hazards,
    require_national_reader,
    standard_releases,
    standards_pull_status,
)
from .standards import StandardInput, national_library, standard_release_publish

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


@login_required
def national_standards_page(request: HttpRequest) -> HttpResponse:
    """The national standards as published, version by version; committee staff publish the next version:
    a standard (or a new version of one) or a retirement."""
    actor = actor_of(request)
    require_national_reader(actor)
    library = national_library(actor.tenant_id) if actor.tenant_id else {}
    current = [
        (key, f"{published.entry['name']} ({published.entry['version']})")
        for key, published in sorted(library.items())
        if published.current
    ]
    publish = PublishStandardForm(
        request.POST if request.POST.get("form") == "publish" else None, current=current, prefix="publish"
    )
    retire = RetireStandardForm(
        request.POST if request.POST.get("form") == "retire" else None, current=current, prefix="retire"
    )

    def publish_one(data: dict[str, Any]) -> Any:
        note = data.pop("release_note")
        return standard_release_publish(actor=actor, standards=[StandardInput(**data)], retire=[], note=note)

    def retire_one(data: dict[str, Any]) -> Any:
        return standard_release_publish(
            actor=actor, standards=[], retire=[data["retire"]], note=data["release_note"]
        )

    form, save = (retire, retire_one) if request.POST.get("form") == "retire" else (publish, publish_one)
    return form_page(
        request,
        form,
        "exchange/national_standards.html",
        save=save,
        success=lambda _release: reverse("national-standards"),
        context={
            "publish_form": publish,
            "retire_form": retire,
            "releases": standard_releases(actor=actor),
            "may_publish": bool(scope_for(actor).committee_paths),
            "library": sorted(library.items(), key=lambda item: (item[1].entry["industry"], item[0])),
        },
    )


@login_required
def standards_pull_page(request: HttpRequest) -> HttpResponse:
    """The tenant administrator's view of the national standards received: the version applied and how the
    last pull went."""
    pull = standards_pull_status(actor=actor_of(request))
    return render(request, "exchange/standards_pull.html", {"pull": pull})
