"""The user's exports: the list with live progress, asking for an export, its progress as JSON, the download.
Thin: parse, call a service or selector, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from organizations.forms import apply_service_errors
from organizations.scoping import actor_of

from .choices import CONTENT_TYPES, ExportFormat, ExportStatus
from .forms import ExportRequestForm
from .models import ExportJob
from .selectors import LIST_LIMIT, export_get, export_list
from .services import export_file, export_params, export_request


def progress_of(job: ExportJob) -> dict[str, object]:
    """What the list page's progress bar polls for (and the API's job shows)."""
    ready = job.status == ExportStatus.SUCCEEDED
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "rows_done": job.rows_done,
        "rows_total": job.rows_total,
        "percent": job.progress_percent,
        "download_url": reverse("export-download", args=[job.pk]) if ready else None,
        "error": job.error,
    }


@login_required
def exports_page(request: HttpRequest) -> HttpResponse:
    jobs = list(export_list(actor=actor_of(request))[:LIST_LIMIT])
    return render(request, "exports/export_list.html", {"jobs": jobs, "keep_days": settings.EXPORT_KEEP_DAYS})


@login_required
def export_new(request: HttpRequest) -> HttpResponse:
    """Ask for an export of what the query names (the ledger's filters, a campaign, a rank group)."""
    actor = actor_of(request)
    initial = {"kind": request.GET.get("kind", ""), "format": request.GET.get("format", ExportFormat.XLSX)}
    form = ExportRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            export_request(
                actor=actor,
                kind=form.cleaned_data["kind"],
                fmt=form.cleaned_data["format"],
                params=export_params(request.GET),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your export is being prepared. It appears below when it is ready."))
            return redirect("export-list")
    return render(request, "exports/export_new.html", {"form": form, "params": export_params(request.GET)})


@login_required
def export_progress(request: HttpRequest, pk: int) -> JsonResponse:
    return JsonResponse(progress_of(export_get(actor=actor_of(request), pk=pk)))


@login_required
def export_download(request: HttpRequest, pk: int) -> FileResponse:
    job = export_get(actor=actor_of(request), pk=pk)
    return FileResponse(
        export_file(job=job).open("rb"),
        as_attachment=True,
        filename=job.file_name,
        content_type=CONTENT_TYPES[ExportFormat(job.format)],
    )
