"""The tenant's webhook channel: where it posts, the JSON body it posts, how the body is signed.

The body template is JSON with placeholders — {title}, {text}, {url}, {phone}, {name}, {kind}, {tenant} —
each replaced by its value escaped for a JSON string, so a template stays valid JSON whatever a notice says:

    {"mobile": "{phone}", "content": "{title}: {text} {url}"}                      (an SMS gateway)
    {"msgtype": "text", "text": {"content": "{text} {url}"}}                       (a WeCom or DingTalk robot)

With a secret, each POST carries `X-Hazard-Ledger-Signature: sha256=<HMAC-SHA256 of the body, hex>`.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from organizations.models import User
from organizations.scoping import scope_for

from ..models import NoticeWebhook
from .steps import deny

PLACEHOLDERS = ("title", "text", "url", "phone", "name", "kind", "tenant")
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
SIGNATURE_HEADER = "X-Hazard-Ledger-Signature"
# Cloud metadata services answer on these names; their addresses are link-local, refused below as well.
METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.azure.internal"})


def webhook_render(template: str, values: Mapping[str, str]) -> bytes:
    """The body: every placeholder replaced by its value, escaped for the inside of a JSON string."""
    return PLACEHOLDER.sub(
        lambda match: json.dumps(values.get(match.group(1), ""), ensure_ascii=False)[1:-1], template
    ).encode()


def webhook_template_check(template: str) -> None:
    """Only known placeholders, and valid JSON once they are filled in."""
    unknown = sorted(set(PLACEHOLDER.findall(template)) - set(PLACEHOLDERS))
    if unknown:
        raise ValidationError(
            {
                "body_template": _("Unknown placeholders: %(names)s. Use %(known)s.")
                % {
                    "names": ", ".join(f"{{{name}}}" for name in unknown),
                    "known": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                }
            }
        )
    sample = dict.fromkeys(PLACEHOLDERS, 'sample "text"')
    try:
        json.loads(webhook_render(template, sample))
    except ValueError:
        raise ValidationError(
            {"body_template": _("The template is not valid JSON once its placeholders are filled in.")}
        ) from None


def _refused_address(address: str) -> bool:
    ip: ipaddress.IPv4Address | ipaddress.IPv6Address = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:169.254.169.254 is the metadata service too
    return ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved


def webhook_url_check(url: str) -> None:
    """http or https only, a host name, and none of the link-local (cloud metadata), multicast or unspecified
    addresses. Loopback and private addresses are allowed: an SMS gateway often sits on the intranet."""
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationError({"url": _("Enter an http:// or https:// address.")})
    host = parts.hostname.lower().rstrip(".")
    refused = ValidationError({"url": _("This address is not allowed for a webhook.")})
    if host in METADATA_HOSTS:
        raise refused
    try:
        addresses = {
            info[4][0] for info in socket.getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
        }
    except (OSError, UnicodeError):
        addresses = set()  # not resolvable from here (yet): checked again before every POST
    if any(_refused_address(str(address)) for address in addresses):
        raise refused


@transaction.atomic
def notice_webhook_set(
    *, actor: User, url: str, body_template: str, secret: str | None, is_active: bool
) -> NoticeWebhook:
    """The tenant administrator configures the tenant's webhook. `secret` None keeps the stored one,
    '' removes it."""
    scope = scope_for(actor)
    if not scope.is_tenant_admin or scope.tenant_id is None:
        raise deny(_("Only the tenant administrator configures the webhook."))
    webhook_url_check(url)
    webhook_template_check(body_template)
    hook = NoticeWebhook.objects.select_for_update().filter(tenant_id=scope.tenant_id).first()
    if hook is None:
        hook = NoticeWebhook(tenant_id=scope.tenant_id)
    hook.url, hook.body_template, hook.is_active = url, body_template, is_active
    if secret is not None:
        hook.secret = secret
    hook.updated_at = timezone.now()
    hook.save()
    return hook


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new address to post to (it could point anywhere)."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def webhook_post(hook: NoticeWebhook, body: bytes) -> str:
    """POST the body; '' when the receiver answered 2xx, else what went wrong."""
    try:
        webhook_url_check(hook.url)
    except ValidationError:
        return "refused address"
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "hazard-ledger"}
    if hook.secret:
        digest = hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
        headers[SIGNATURE_HEADER] = f"sha256={digest}"
    request = urllib.request.Request(hook.url, data=body, method="POST", headers=headers)  # noqa: S310
    try:
        with _OPENER.open(request, timeout=settings.NOTICE_WEBHOOK_TIMEOUT):
            return ""
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return f"{type(error).__name__}: {getattr(error, 'reason', error)}"
