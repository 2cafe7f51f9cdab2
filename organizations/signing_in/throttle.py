"""A per-address throttle on every sign-in path: the browser form, the Django admin's sign-in page and
`POST /api/v1/auth/token/`.

The per-username lockout (django-axes) stops guessing many passwords for one account; it cannot see one
password tried against many accounts (password spraying). This throttle counts sign-in attempts per client
address across all usernames and both paths together, in one sliding window of
`SIGNIN_ADDRESS_WINDOW_SECONDS` (the atomic Redis script of core/api/throttling.py), and refuses
with 429 once `SIGNIN_ADDRESS_LIMIT` are in it.

- It looks at the address only: a valid session or API token attached to the request lifts nothing, so a
  signed-in attacker is throttled like an anonymous one.
- The address is `client_address()` (TRUSTED_PROXY_COUNT decides which X-Forwarded-For entry counts); an
  IPv6 address counts by its /64 network, the block one subscriber is usually given, so rotating through
  it gains nothing.
- An attempt takes its place in the window before the password is checked, so concurrent attempts cannot
  slip past the limit; a sign-in that succeeds gives its place back, so an office behind one address is
  not shut out by its own people signing in — failures from the address are what fill the window.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from core.api.throttling import WindowHit, sliding_window_give_back, sliding_window_hit
from core.client_address import client_address

THROTTLED_MESSAGE = _("Too many sign-in attempts from your network address. Try again in a few minutes.")


def address_bucket(address: str) -> str:
    """The unit an address is counted in: itself (IPv4), or its /64 network (IPv6)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


@dataclass(frozen=True)
class SignInAttempt:
    hit: WindowHit

    @property
    def refused(self) -> bool:
        return not self.hit.allowed

    @property
    def retry_after(self) -> int:
        """Whole seconds until the address may try again (for the Retry-After header)."""
        return max(1, int(-(-(self.hit.wait or 0) // 1)))

    def succeeded(self) -> None:
        """The credentials were right: this attempt no longer counts against the address."""
        sliding_window_give_back(self.hit)


def signin_throttled[View: Callable[..., HttpResponseBase]](view: View) -> View:
    """Throttle a browser sign-in view (ours and the Django admin's) by address.

    Counted after the CSRF check, so a page elsewhere cannot spend an office's attempts through its visitors'
    browsers here, and before the view sees whether the caller is signed in, so a session lifts nothing.
    A POST without both a username and a password checks no password and is not counted.
    """

    @sensitive_post_parameters()
    @csrf_protect
    @wraps(view)
    def throttled(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method != "POST" or not (request.POST.get("username") and request.POST.get("password")):
            return view(request, *args, **kwargs)
        attempt = signin_attempt(request)
        if attempt.refused:
            return _refused_page(request, attempt)
        before = request.user
        response = view(request, *args, **kwargs)
        if request.user is not before and request.user.is_authenticated:  # auth.login() set a new user
            attempt.succeeded()
        return response

    return cast(View, throttled)


def _refused_page(request: HttpRequest, attempt: SignInAttempt) -> HttpResponse:
    from ..forms import LoginForm

    response = render(
        request, "registration/login.html", {"form": LoginForm(request), "throttled": True}, status=429
    )
    response["Retry-After"] = str(attempt.retry_after)
    add_never_cache_headers(response)
    return response


def signin_attempt(request: HttpRequest) -> SignInAttempt:
    """Count a sign-in attempt from the request's address; check `.refused` before checking the password."""
    key = f"signin-address:{address_bucket(client_address(request))}"
    return SignInAttempt(
        sliding_window_hit(
            key, limit=settings.SIGNIN_ADDRESS_LIMIT, period=settings.SIGNIN_ADDRESS_WINDOW_SECONDS
        )
    )
