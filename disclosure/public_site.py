"""The public site answers every visitor alike: a page under /public/<tenant>/ depends on its URL alone.

`PublicSiteMiddleware` stands before the session middleware. For a request under /public/ it hides the
visitor's cookies and Accept-Language header from everything after it, so no view, template or middleware
can tell who is asking: there is no session and so no signed-in user (the tenant of the page, also for
row-level security, is the one in the URL), no language cookie and no CSRF cookie. The page's language is
its `lang` parameter, normalised (`public_language`). On the way out it drops the `Vary: Cookie` and
`Vary: Accept-Language` that the inner middleware add for headers they were never shown, so a shared
cache in front keeps one copy per URL.

Because no cookie reaches a public page, no public form can carry a CSRF token; the one public form (the
tip-off) is protected against cross-site posting by the browser's own fetch metadata instead
(`is_cross_site`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import get_language, get_language_info

PREFIX = "/public/"
LANGUAGE_PARAMETER = "lang"
# Headers the public site never reads, so a response cannot vary on them.
_UNREAD_HEADERS = frozenset({"cookie", "accept-language"})


def is_public(request: HttpRequest) -> bool:
    return request.path_info.startswith(PREFIX)


def public_language(value: str | None) -> str:
    """A page's language from its `lang` parameter: a known code in any letter case, else the default."""
    known = {code.lower(): code for code, _name in settings.LANGUAGES}
    return known.get((value or "").strip().lower(), settings.LANGUAGE_CODE)


def language_query(language: str | None = None, **params: str) -> str:
    """The query string of a public URL in a fixed order, without empty or default values ('' if none)."""
    language = language or get_language() or settings.LANGUAGE_CODE
    pairs = [(name, value) for name, value in params.items() if value]
    if language != settings.LANGUAGE_CODE:
        pairs.insert(0, (LANGUAGE_PARAMETER, language))
    return f"?{urlencode(pairs)}" if pairs else ""


def language_links(path: str, **params: str) -> list[dict[str, Any]]:
    """The same public page in each language, for the language switch."""
    current = get_language()
    return [
        {
            "code": code,
            "name": get_language_info(code)["name_local"],
            "url": path + language_query(code, **params),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


def page_context(request: HttpRequest, **params: str) -> dict[str, Any]:
    """What every public page's layout needs: its language for links, and the language switch."""
    return {"lang_query": language_query(), "language_links": language_links(request.path, **params)}


def is_cross_site(request: HttpRequest) -> bool:
    """Whether a browser says another site made it send this request (the rule of Go's
    net/http.CrossOriginProtection): Sec-Fetch-Site when the browser sends it, else the Origin header's
    host against ours. A request with neither comes from no browser (or one too old to say), which no
    other site can steer."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in {"same-origin", "none"}
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    if origin in settings.CSRF_TRUSTED_ORIGINS:
        return False
    return urlsplit(origin).netloc != request.get_host()


class PublicSiteMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not is_public(request):
            return self.get_response(request)
        request.COOKIES = {}
        request.META.pop("HTTP_COOKIE", None)
        # With no cookie the locale middleware negotiates from this header alone: it gets the page's language.
        request.META["HTTP_ACCEPT_LANGUAGE"] = public_language(request.GET.get(LANGUAGE_PARAMETER))
        response = self.get_response(request)
        if response.has_header("Vary"):
            kept = [
                header.strip()
                for header in response["Vary"].split(",")
                if header.strip() and header.strip().lower() not in _UNREAD_HEADERS
            ]
            if kept:
                response["Vary"] = ", ".join(kept)
            else:
                del response["Vary"]
        return response
