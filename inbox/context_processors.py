"""The inbox's count for the navigation, on every page a signed-in member of a tenant sees."""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from organizations.choices import BUSINESS_ROLES
from organizations.scoping import scope_for

from .selectors import inbox_menu_count


def inbox_badge(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not scope_for(user).has_any_role(BUSINESS_ROLES):
        return {}
    # Lazily, and once: a page that never shows the navigation never asks.
    return {"inbox_count": SimpleLazyObject(lambda: inbox_menu_count(actor=user))}
