"""Re-checks after closure (回头看) in the browser: a department's sample of the month, with a result form for
each re-check still open; committee staff see their regions' re-checks and their results."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.months import parse_month
from organizations.forms import apply_service_errors
from organizations.scoping import actor_of, scope_for

from . import forms, services
from .models import Recheck
from .services.rechecks import may_record_recheck


def _month_of(value: str, latest: dt.date | None) -> dt.date | None:
    """The month asked for (?month=YYYY-MM), else the latest month with a re-check the actor may see."""
    value = value.strip()
    if value:
        try:
            return parse_month(value)
        except ValidationError:
            return latest
    return latest


def _page(
    request: HttpRequest,
    month_text: str,
    bound: dict[int, forms.RecheckResultForm] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    scope = scope_for(actor)
    visible = Recheck.objects.visible_to(actor)
    months = list(visible.order_by("-month").values_list("month", flat=True).distinct()[:24])
    month = _month_of(month_text, months[0] if months else None)
    rows: list[dict[str, Any]] = []
    if month is not None:
        for recheck in services.recheck_list(actor=actor, month=month).order_by(
            "region_path", "hazard__code"
        ):
            form = None
            if recheck.recorded_at is None and may_record_recheck(scope, recheck):
                form = (bound or {}).get(recheck.pk) or forms.RecheckResultForm(
                    auto_id=f"recheck-{recheck.pk}-%s"
                )
            rows.append(
                {
                    "recheck": recheck,
                    "form": form,
                    "url": reverse("recheck-result", args=[recheck.pk]),
                }
            )
    context = {"rows": rows, "month": month, "months": months}
    return render(request, "hazards/recheck_list.html", context, status=status)


@login_required
def recheck_list(request: HttpRequest) -> HttpResponse:
    return _page(request, request.GET.get("month", ""))


@login_required
@require_POST
def recheck_result(request: HttpRequest, pk: int) -> HttpResponse:
    """Record one re-check's result from its form; field errors re-show the page with the form filled in."""
    actor = actor_of(request)
    recheck: Recheck = Recheck.objects.get_visible(actor, pk=pk)
    form = forms.RecheckResultForm(request.POST, auto_id=f"recheck-{recheck.pk}-%s")
    if form.is_valid():
        try:
            services.recheck_record_result(actor=actor, recheck=recheck, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Re-check of %(code)s recorded.") % {"code": recheck.hazard.code})
            return redirect(f"{reverse('recheck-list')}?month={recheck.month:%Y-%m}")
    return _page(request, f"{recheck.month:%Y-%m}", bound={recheck.pk: form}, status=400)
