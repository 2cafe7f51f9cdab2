"""The address a request came from, as far as we can trust it (for per-address rate limits)."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or the entry our own TRUSTED_PROXY_COUNT proxies appended to X-Forwarded-For.

    Entries further left were written by the client and prove nothing, so a caller cannot escape a
    limit by inventing addresses. The same rule as DRF's NUM_PROXIES, which settings set alike.
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [address.strip() for address in str(forwarded).split(",") if address.strip()]
    return addresses[-min(proxies, len(addresses))] if addresses else remote
