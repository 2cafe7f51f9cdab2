"""Ledger pages: list, detail with timeline and transition forms, report, exports, evidence,
self-inspections, inspections and notifications. Thin: parse, call a service, render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import search
from core.errors import PermissionDeniedError
from core.months import first_of_month, parse_month
from core.paging import first_rows
from core.scoping import any_of, path_within
from organizations.audit import audit_export
from organizations.choices import DEPARTMENT_ROLES
from organizations.forms import apply_service_errors
from organizations.models import Department, Enterprise, Region, User
from organizations.scoping import actor_of, require_role, scope_for

from . import forms, services
from .api.rechecks import closure_report_response
from .campaign_stats import campaign_for
from .choices import HazardAction, HazardCategory, HazardLevel, SelfInspectionStatus
from .exports import csv_stream, is_small, xlsx_file
from .filters import ledger_filtered, ledger_ordering
from .keyset import Keyset
from .models import (
    ClosureAcceptance,
    ClosureReport,
    Evidence,
    Hazard,
    Inspection,
    Notification,
    SelfInspection,
    Verification,
)
from .order_views import inspection_orders
from .selectors import (
    filing_summary,
    hazard_get,
    hazard_timeline,
    self_inspection_missing,
    verifications_with_acceptance,
)
from .services.evidence import ALLOWED
from .services.inspections import (
    checklist_for,
    inspection_record,
    self_inspection_open,
    self_inspection_save,
    self_inspection_submit,
)
from .services.notifications import notifications_mark_read
from .services.permissions import REPORTING_ROLES, available_actions

PAGE_SIZE = 50


def _ordering(request: HttpRequest) -> Keyset:
    return ledger_ordering(request.GET)


def _filtered_ledger(request: HttpRequest) -> tuple[QuerySet[Hazard], forms.LedgerFilterForm]:
    actor = actor_of(request)
    filter_form = forms.LedgerFilterForm(request.GET or None, actor=actor)
    return ledger_filtered(actor=actor, params=request.GET, request=request), filter_form


# ------------------------------------------------------------------ the ledger


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """The filtered ledger, 50 rows a page, paged by keyset (`after` = the last row shown); no COUNT over the
    whole ledger (one extra row tells whether there is a next page). How many rows match is counted up to
    search.COUNT_LIMIT + 1 only, within the page's own query."""
    queryset, filter_form = _filtered_ledger(request)
    keyset = _ordering(request)
    after = request.GET.get("after", "")
    limit = search.COUNT_LIMIT
    # Only what a row shows is joined: the list's criterion and standard (for the API and exports) made the
    # join order take PostgreSQL longer to plan (6.5 ms) than the page's rows took to read (0.8 ms).
    queryset = queryset.select_related(None).select_related(*ROW_RELATED)
    counted = queryset.annotate(matched=search.match_count(queryset, limit))
    rows = list(first_rows(keyset.after(counted, after), PAGE_SIZE + 1))
    matched = rows[0].matched if rows else None
    query = request.GET.copy()
    query.pop("after", None)
    query.pop("page", None)
    has_next = len(rows) > PAGE_SIZE
    return render(
        request,
        "hazards/ledger.html",
        {
            "hazards": [ledger_row(hazard) for hazard in rows[:PAGE_SIZE]],
            # "10,000+" beyond the limit: the count stopped there.
            "matched": matched,
            "matched_shown": f"{matched or 0:,}",
            "matched_more": matched is not None and matched > limit,
            "count_limit": f"{limit:,}",
            "filter_form": filter_form,
            "later_page": bool(after),
            "next_cursor": keyset.cursor(rows[PAGE_SIZE - 1]) if has_next else "",
            "query": query.urlencode(),
            "can_report": scope_for(actor_of(request)).has_any_role(REPORTING_ROLES),
            "drill_down": _drill_down(request),
        },
    )


ROW_RELATED = ("enterprise", "region", "industry")  # what ledger_row reads beside the hazard


def ledger_row(hazard: Hazard) -> dict[str, Any]:
    """One row of the ledger page as plain values. A template reads a dict's key at once, where it looks a
    model's attribute up as a key first and fails: fifty rows of a dozen values each, on every ledger page."""
    return {
        "url": reverse("hazard-detail", args=[hazard.pk]),
        "code": hazard.code,
        "title": hazard.title,
        "enterprise": hazard.enterprise.name,
        "region": hazard.region.display_name,
        "industry": hazard.industry.display_name,
        "level": hazard.level,
        "level_label": hazard.get_level_display(),
        "self_reported_major": hazard.proposed_level == HazardLevel.MAJOR,
        "category_label": hazard.get_category_display() if hazard.category else "",
        "state": hazard.state,
        "state_label": hazard.get_state_display(),
        "listed": hazard.listed,
        "deadline": hazard.deadline,
        "overdue": hazard.is_overdue,
        "discovered_at": hazard.discovered_at,
    }


def _drill_down(request: HttpRequest) -> list[dict[str, str]]:
    """Filters that arrive from a ranking's drill-down link (the filter form has no field for them): kept as
    hidden inputs and said in words, so the user knows why the ledger shows these rows."""
    actor = actor_of(request)
    named: dict[str, Any] = {"enterprise": Enterprise, "department": Department, "inspected_by": Department}
    labels = {
        "enterprise": _("Enterprise"),
        "department": _("Handed over to"),
        "inspected_by": _("Found by inspections of"),
        "closed_in": _("Closed in"),
        "reopened_in": _("Reopened after closure in"),
        "overdue_on": _("Overdue on"),
    }
    found = []
    for name, label in labels.items():
        value = request.GET.get(name, "").strip()
        if not value:
            continue
        shown = str(named[name].objects.get_visible(actor, pk=value)) if name in named else value
        found.append({"name": name, "value": value, "label": str(label), "shown": shown})
    return found


@login_required
def ledger_export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    queryset, _form = _filtered_ledger(request)
    if not is_small(queryset):
        # Too many rows to write before the web server's timeout: the export page offers it as a job.
        query = request.GET.copy()
        query["kind"], query["format"] = "ledger", fmt
        return redirect(f"{reverse('export-new')}?{query.urlencode()}")
    audit_export(actor=request.user, export="ledger", fmt=fmt, filters=request.GET.dict())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        response = StreamingHttpResponse(csv_stream(queryset), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="ledger-{stamp}.csv"'
        return response
    return FileResponse(
        xlsx_file(queryset),
        as_attachment=True,
        filename=f"ledger-{stamp}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


# (form class, service, extra form kwargs) for each transition offered on the detail page.
def _action_table(
    actor: User, hazard: Hazard
) -> dict[HazardAction, tuple[type, Callable[..., Any], dict[str, Any]]]:
    A = HazardAction
    return {
        A.CONFIRM: (forms.ConfirmForm, services.hazard_confirm, {"hazard": hazard}),
        A.HANDOVER: (forms.HandoverForm, services.hazard_handover, {"hazard": hazard, "actor": actor}),
        A.ACKNOWLEDGE: (_EmptyForm, services.hazard_acknowledge_handover, {}),
        A.PLAN: (forms.PlanForm, services.hazard_plan, {}),
        A.SUBMIT: (forms.SubmitForm, services.hazard_submit, {}),
        A.VERIFY: (forms.VerifyForm, services.hazard_verify, {"hazard": hazard}),
        A.WITHDRAW: (forms.WithdrawForm, services.hazard_withdraw, {}),
        A.REOPEN: (forms.ReopenForm, services.hazard_reopen, {}),
        A.REQUEST_EXTENSION: (forms.ExtensionRequestForm, services.hazard_request_extension, {}),
        A.DECIDE_EXTENSION: (forms.ExtensionDecisionForm, services.hazard_decide_extension, {}),
        A.LIST_SUPERVISION: (
            forms.ListingForm,
            services.hazard_list_supervision,
            {"actor": actor, "hazard": hazard},
        ),
        A.LIFT_LISTING: (forms.LiftListingForm, services.hazard_lift_listing, {}),
    }


class _EmptyForm(forms.forms.Form):
    pass


def _detail_page(
    request: HttpRequest, hazard: Hazard, bound: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    table = _action_table(actor, hazard)
    action_forms = []
    for name in available_actions(actor, hazard):
        form_class, _service, kwargs = table[name]
        # Each form's ids carry its action: several forms share field names (note, deadline, level).
        form = (bound or {}).get(name) or form_class(auto_id=f"{name}-%s", **kwargs)
        action_forms.append(
            {
                "name": name,
                "form": form,
                "url": reverse("hazard-action", args=[hazard.pk, name.replace("_", "-")]),
            }
        )
    context = {
        "hazard": hazard,
        "events": hazard_timeline(actor=actor, hazard=hazard),
        "campaign": campaign_for(hazard),
        "photos": [e for e in hazard.evidence.all() if e.report_id is None],
        "handovers": hazard.handovers.prefetch_related(
            "receipts__department", "receipts__region"
        ).select_related("region"),
        "extensions": hazard.extensions.all(),
        "reports": hazard.reports.prefetch_related("evidence"),
        "verifications": _with_acceptance(verifications_with_acceptance().filter(hazard=hazard)),
        "closure_report": ClosureReport.objects.filter(tenant_id=hazard.tenant_id, hazard=hazard)
        .defer("pdf")
        .order_by("-created_at", "-pk")
        .first(),
        "action_forms": action_forms,
    }
    return render(request, "hazards/hazard_detail.html", context, status=status)


def _with_acceptance(verifications: QuerySet[Verification]) -> list[Verification]:
    """The verifications, each with `acceptance_record`: its acceptance, or None (templates cannot catch the
    reverse one-to-one's DoesNotExist)."""
    found = list(verifications)
    for verification in found:
        try:
            verification.acceptance_record = verification.acceptance  # type: ignore[attr-defined]
        except ClosureAcceptance.DoesNotExist:
            verification.acceptance_record = None  # type: ignore[attr-defined]
    return found


@login_required
def hazard_closure_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The frozen closure report PDF, from the hazard page (the API serves the same bytes)."""
    hazard = hazard_get(actor=actor_of(request), pk=pk)
    return closure_report_response(services.closure_report_get(hazard=hazard), hazard.code)


@login_required
def hazard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, hazard_get(actor=actor_of(request), pk=pk))


@login_required
@require_POST
def hazard_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one transition from its form; field errors re-show the page with the form filled in."""
    actor = actor_of(request)
    hazard = hazard_get(actor=actor, pk=pk)
    try:  # the URL names the action as the events do, with hyphens (reopen, request-extension)
        name = HazardAction(action.replace("-", "_"))
        form_class, service, kwargs = _action_table(actor, hazard)[name]
    except (ValueError, KeyError):  # no such action, or one nobody takes on this page (report, overdue)
        return render(request, "404.html", status=404)
    form = form_class(request.POST, request.FILES, auto_id=f"{name}-%s", **kwargs)
    if form.is_valid():
        try:
            service(actor=actor, hazard=hazard, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Done: %(action)s.") % {"action": name.label})
            return redirect("hazard-detail", pk=hazard.pk)
    return _detail_page(request, hazard, bound={name: form}, status=400)


@login_required
def hazard_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_role(actor, REPORTING_ROLES)
    form = forms.ReportForm(request.POST or None, request.FILES or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        try:
            hazard = services.hazard_report(actor=actor, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Hazard %(code)s recorded.") % {"code": hazard.code})
            return redirect("hazard-detail", pk=hazard.pk)
    return render(
        request, "hazards/hazard_form.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


@login_required
def evidence_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Evidence only through this scoped view: never a public media URL."""
    evidence: Evidence = Evidence.objects.get_visible(actor_of(request), pk=pk)
    response = FileResponse(evidence.file.open("rb"), content_type=evidence.content_type)
    disposition = "inline" if evidence.content_type.startswith("image/") else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="evidence-{evidence.pk}.{ALLOWED[evidence.content_type]}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def evidence_display(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A photo's display copy for pages; the file as sent where there is no copy (a PDF, an older upload)."""
    evidence: Evidence = Evidence.objects.get_visible(actor_of(request), pk=pk)
    if not evidence.display:
        return evidence_download(request, pk)
    response = FileResponse(evidence.display.open("rb"), content_type="image/jpeg")
    response["Content-Disposition"] = f'inline; filename="evidence-{evidence.pk}-display.jpg"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# ------------------------------------------------------------------ self-inspections


@login_required
def self_inspection_list(request: HttpRequest) -> HttpResponse:
    return _self_inspection_list_page(request)


def _self_inspection_list_page(
    request: HttpRequest, refused: forms.SelfInspectionStartForm | None = None
) -> HttpResponse:
    """The list, with a start form per own enterprise; `refused` is a start form sent back with its errors."""
    actor = actor_of(request)
    scope = scope_for(actor)
    inspections = (
        SelfInspection.objects.visible_to(actor).select_related("enterprise").order_by("-period", "id")[:100]
    )
    own = Enterprise.objects.visible_to(actor).filter(pk__in=scope.enterprise_ids)
    refused_for = refused.cleaned_data.get("enterprise") if refused is not None else None
    this_month = first_of_month(timezone.localdate())
    starts = [
        {
            "enterprise": enterprise,
            "form": refused
            if refused is not None and refused_for == enterprise.pk
            else forms.SelfInspectionStartForm(initial={"enterprise": enterprise.pk, "month": this_month}),
        }
        for enterprise in own
    ]
    return render(
        request,
        "hazards/self_inspection_list.html",
        {
            "inspections": inspections,
            "starts": starts,
            "refused": refused if refused is not None and refused_for not in {e.pk for e in own} else None,
            "can_see_missing": bool(scope.committee_paths or scope.is_tenant_admin),
        },
        status=400 if refused is not None else 200,
    )


@login_required
@require_POST
def self_inspection_start(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = forms.SelfInspectionStartForm(request.POST)
    valid = form.is_valid()
    if "enterprise" in form.cleaned_data:  # scope before input: another tenant's enterprise is a 404
        enterprise = Enterprise.objects.get_visible(actor, pk=form.cleaned_data["enterprise"])
    if not valid:
        return _self_inspection_list_page(request, refused=form)
    period = form.cleaned_data["month"] or timezone.localdate()
    try:
        inspection = self_inspection_open(actor=actor, enterprise=enterprise, period=period)
    except ValidationError as error:
        # The service calls the month the inspection's "period".
        form.add_error("month" if "period" in getattr(error, "error_dict", {}) else None, error.messages)
        return _self_inspection_list_page(request, refused=form)
    return redirect("self-inspection-edit", pk=inspection.pk)


@login_required
def self_inspection_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Walk the checklist: each line ok / hazard / n.a.; free-form hazards with photos; save or submit."""
    actor = actor_of(request)
    inspection: SelfInspection = SelfInspection.objects.select_related("enterprise").get_visible(actor, pk=pk)
    lines = checklist_for(inspection.enterprise)
    items = list(inspection.items.all())
    saved = {(item.criterion_id, item.general_code): item for item in items}
    by_line = {
        line.key: saved[(line.criterion_id, line.general_code)]
        for line in lines
        if (line.criterion_id, line.general_code) in saved
    }
    posted = request.method == "POST"
    form = forms.SelfInspectionForm(
        request.POST if posted else None, request.FILES if posted else None, lines=lines, saved=by_line
    )
    if posted and form.is_valid():
        try:
            self_inspection_save(
                actor=actor,
                self_inspection=inspection,
                answers=form.answers(),
                extra_hazards=form.extra_hazards(),
                note=form.cleaned_data["note"],
            )
            if form.submitting:
                self_inspection_submit(actor=actor, self_inspection=inspection)
                messages.success(request, _("Self-inspection submitted."))
            else:
                messages.success(request, _("Draft saved."))
            return redirect("self-inspection-edit", pk=inspection.pk)
        except ValidationError as error:
            form.add_service_errors(error)
    rows = [{**row, "item": by_line.get(row["line"].key)} for row in form.line_rows()]
    scope = scope_for(actor)
    return render(
        request,
        "hazards/self_inspection_form.html",
        {
            "inspection": inspection,
            "form": form,
            "rows": rows,
            "extra_items": [item for item in items if not item.criterion_id and not item.general_code],
            "extra_slots": form.extra_rows(),
            "categories": HazardCategory.choices,
            "editable": inspection.status == SelfInspectionStatus.DRAFT
            and inspection.enterprise_id in scope.enterprise_ids,
            "can_submit": inspection.enterprise_id in scope.head_enterprise_ids,
        },
        status=400 if posted else 200,
    )


@login_required
def self_inspection_missing_view(request: HttpRequest) -> HttpResponse:
    """Committee staff: which enterprises of a region have not filed the month's self-inspection."""
    actor = actor_of(request)
    scope = scope_for(actor)
    if not (scope.committee_paths or scope.is_tenant_admin):
        raise PermissionDeniedError(_("Only committee staff follow up on missing self-inspections."))
    regions = Region.objects.visible_to(actor)
    if not scope.is_tenant_admin:
        regions = regions.filter(any_of(path_within("path", scope.committee_paths)))
    region_id = request.GET.get("region")
    region = (
        regions.get(pk=region_id) if region_id and regions.filter(pk=region_id).exists() else regions.first()
    )
    month_text = request.GET.get("month") or (
        first_of_month(timezone.localdate()) - dt.timedelta(days=1)
    ).strftime("%Y-%m")
    month = parse_month(month_text)
    missing = list(self_inspection_missing(actor=actor, region=region, month=month)[:500]) if region else []
    summary = filing_summary(actor=actor, region=region, month=month) if region else None
    return render(
        request,
        "hazards/self_inspection_missing.html",
        {
            "regions": regions,
            "region": region,
            "month": month_text,
            "missing": missing,
            "summary": summary,
        },
    )


# ------------------------------------------------------------------ inspections


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    inspections = (
        Inspection.objects.visible_to(actor)
        .select_related("enterprise", "department")
        .order_by("-date", "-id")[:100]
    )
    return render(
        request,
        "hazards/inspection_list.html",
        {
            "inspections": inspections,
            "can_log": scope_for(actor).has_any_role(DEPARTMENT_ROLES),
        },
    )


@login_required
def inspection_create(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    require_role(actor, DEPARTMENT_ROLES, _("Only inspectors log inspections."))
    initial = {"date": timezone.localdate(), "tip_off": request.GET.get("tip_off")}  # from the tip-off's page
    form = forms.InspectionForm(request.POST or None, actor=actor, initial=initial)
    findings = forms.FindingFormSet(request.POST or None, request.FILES or None, prefix="finding")
    if request.method == "POST" and form.is_valid() and findings.is_valid():
        rows = [f.cleaned_data for f in findings if f.cleaned_data.get("title")]
        try:
            inspection = inspection_record(actor=actor, findings=rows, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Inspection recorded with %(count)d finding(s).") % {"count": len(rows)}
            )
            return redirect("inspection-detail", pk=inspection.pk)
    return render(
        request,
        "hazards/inspection_form.html",
        {"form": form, "findings": findings},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = (
        Inspection.objects.select_related("enterprise", "department", "tip_off")
        .prefetch_related("inspectors", "hazards")
        .get_visible(actor_of(request), pk=pk)
    )
    context = {"inspection": inspection, **inspection_orders(actor_of(request), inspection)}
    return render(request, "hazards/inspection_detail.html", context)


# ------------------------------------------------------------------ notifications


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if request.method == "POST":
        notifications_mark_read(actor=actor)
        return redirect("notifications")
    rows = Notification.objects.visible_to(actor).select_related("hazard")[:200]
    return render(request, "hazards/notifications.html", {"notifications": rows})
