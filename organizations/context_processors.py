"""Role-aware navigation for the base layout."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .choices import DIRECTORY_MANAGER_ROLES
from .scoping import scope_for

# (url name, label, roles that see it; None = every signed-in member of a tenant)
NAVIGATION: list[tuple[str, Any, frozenset[str] | None]] = [
    ("home", _("Overview"), None),
    ("enterprise-list", _("Enterprises"), None),
    ("department-list", _("Departments"), None),
    ("user-list", _("Users"), DIRECTORY_MANAGER_ROLES),
    ("enterprise-import", _("Import"), DIRECTORY_MANAGER_ROLES),
]


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
        for name, label, roles in NAVIGATION
        if roles is None or scope.has_any_role(roles)
    ]
    return {"nav_items": items, "current_tenant": user.tenant}
