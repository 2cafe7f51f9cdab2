"""Turn domain errors escaping a browser view into the page a person should see (404/403/409), and
refuse oversized request bodies before anything reads them (413)."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import DomainError


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        return render(
            request,
            "error.html",
            {"status": exception.status_code, "message": exception.message},
            status=exception.status_code,
        )


class RequestSizeLimitMiddleware:
    """Refuse an oversized body from its Content-Length, before anything reads it (413).

    Django limits form bodies (DATA_UPLOAD_MAX_MEMORY_SIZE) but not uploaded files, and DRF's JSON parser
    reads the raw stream past that limit; this applies one rule to all: multipart uploads up to
    MAX_UPLOAD_REQUEST_BYTES, every other body up to DATA_UPLOAD_MAX_MEMORY_SIZE.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        multipart = str(request.META.get("CONTENT_TYPE", "")).startswith("multipart/")
        limit = settings.MAX_UPLOAD_REQUEST_BYTES if multipart else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit:
            message = _("The request is larger than %(mb)d MB.") % {"mb": max(1, limit // (1024 * 1024))}
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=413)
            return render(request, "error.html", {"status": 413, "message": message}, status=413)
        return self.get_response(request)
