"""Role-aware navigation for the base layout."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

from .scoping import scope_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    scope = scope_for(user)
    if scope.tenant_id is None:
        return {"nav_items": []}
    current = getattr(getattr(request, "resolver_match", None), "url_name", None)
    items = [
        {"url_name": name, "label": label, "active": name == current}
        for name, label, roles in import_string(settings.NAVIGATION)
        if roles is None or (roles(scope) if callable(roles) else scope.has_any_role(roles))
    ]
    return {"nav_items": items, "current_tenant": user.tenant}
