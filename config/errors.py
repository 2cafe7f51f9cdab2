"""Error answers for requests that escape every view: a page for people, JSON for the API, and never a
stack trace (DEBUG is off in production; these handlers render nothing from the exception)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from disclosure.public_site import is_public, page_context


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    if is_public(request):  # the public site's own page: nothing of the visitor's (user, CSRF token) on it
        context = {"tenant": None, "status": 404, **page_context(request)}
        return render(request, "disclosure/public_error.html", context, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"detail": _("Something went wrong on our side. Please try again in a few minutes.")}, status=500
        )
    return defaults.server_error(request)
