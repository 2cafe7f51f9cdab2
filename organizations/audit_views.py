"""The audit log in the browser, for the tenant's audit administrator: filter, page back, export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.spreadsheets import csv_lines, xlsx_bytes

from .audit import audit_entries, audit_record, export_rows
from .choices import AuditAction
from .models import User

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        choices=[("", gettext_lazy("Any")), *AuditAction.choices],
        required=False,
    )
    actor = forms.CharField(label=gettext_lazy("Username"), max_length=150, required=False)
    since = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def filters(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "action": data.get("action") or "",
            "username": data.get("actor") or "",
            "since": data.get("since"),
        }


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, dict[str, Any]]:
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, {}
    return form, form.filters() if form.is_bound else {}


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    form, filters = _filtered(request)
    before = form.cleaned_data.get("before") if form.is_bound and form.is_valid() else None
    entries = list(
        audit_entries(actor=actor, before_seq=before, **filters).select_related("actor")[: PAGE_SIZE + 1]
    )
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    query = urlencode([(key, str(value)) for key, value in request.GET.items() if key != "before" and value])
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(
        request,
        "organizations/audit_log.html",
        {
            "form": form,
            "entries": entries,
            "query": query,
            "next_before": entries[-1].seq if more else None,
            "later_page": before is not None,
        },
        status=status,
    )


@login_required
def audit_log_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The filtered log as a file; exporting it is itself audited."""
    if fmt not in {"csv", "xlsx"}:
        raise Http404
    actor: User = request.user  # type: ignore[assignment]
    form, filters = _filtered(request)
    entries = audit_entries(actor=actor, **filters)
    if form.is_bound and not form.is_valid():  # the page says which filter is wrong
        return render(request, "organizations/audit_log.html", {"form": form, "entries": []}, status=400)
    audit_record(
        actor=actor, action=AuditAction.EXPORT, object_type="audit log", detail={"format": fmt, **filters}
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            csv_lines(export_rows(entries)), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(xlsx_bytes(export_rows(entries), title=_("Audit log")), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.{fmt}"'
    return response
