"""The scoping mechanism (DESIGN.md section 4): the one door to tenant data.

Every tenant-owned model gets its rows through `Model.objects.visible_to(actor)`: the tenant filter is
always applied, then the model's own `scope_filter(scope)` narrows to what the actor may see. What an
actor may see (their `Scope`) is the business of organizations; this module finds it through the
`SCOPE_RESOLVER` setting, so that the mechanism sits below every app and depends on none of them.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils.module_loading import import_string

from .errors import NotFoundError


class ActorScope(Protocol):
    """What the mechanism needs of a scope: its tenant, and how to cut it to a region subtree."""

    tenant_id: int | None

    def within(self, path: str) -> ActorScope | None: ...


@cache
def _resolver() -> Any:
    return import_string(settings.SCOPE_RESOLVER)


def resolve_scope(actor: Any) -> ActorScope:
    """The actor's scope, as the project's resolver (settings.SCOPE_RESOLVER) computes it."""
    scope: ActorScope = _resolver()(actor)
    return scope


NOTHING = Q(pk__in=[])


def any_of(conditions: list[Q]) -> Q:
    """OR the conditions together; no condition means no rows (fail closed)."""
    if not conditions:
        return NOTHING
    combined = conditions[0]
    for condition in conditions[1:]:
        combined |= condition
    return combined


def ancestor_paths(path: str) -> list[str]:
    """'210000/210200/210211/' -> ['210000/', '210000/210200/', '210000/210200/210211/']."""
    codes = [code for code in path.split("/") if code]
    return ["".join(f"{code}/" for code in codes[: index + 1]) for index in range(len(codes))]


def path_within(field_name: str, paths: tuple[str, ...] | list[str]) -> list[Q]:
    return [Q(**{f"{field_name}__startswith": path}) for path in paths]


class ScopedQuerySet(models.QuerySet):
    """The only door to tenant data: `visible_to(actor)` applies tenant and scope together."""

    def visible_to(self, actor: Any, *, within_path: str | None = None) -> models.QuerySet:
        """The rows the actor may see; with `within_path`, only those in that region subtree (for models
        naming their region path field in `scope_path_field`).

        The subtree is folded into the scope where it can be (Scope.within): a committee's 'city/%' and a
        filter's 'city/county/%' as two conditions make PostgreSQL multiply their selectivities (it cannot
        know one implies the other), so it expects a fourteenth of the rows and plans for a handful."""
        scope = resolve_scope(actor)
        if scope.tenant_id is None:
            return self.none()
        scope_filter = getattr(self.model, "scope_filter", None)
        if scope_filter is None:
            raise TypeError(f"{self.model.__name__} has no scope_filter(); refusing to read it unscoped.")
        mine = self.filter(tenant_id=scope.tenant_id)
        if within_path is None:
            return mine.filter(scope_filter(scope))
        path_field: str = getattr(self.model, "scope_path_field")  # noqa: B009 - fails loudly when missing
        narrowed = scope.within(within_path)
        if narrowed is not None:
            return mine.filter(scope_filter(narrowed))
        return mine.filter(scope_filter(scope)).filter(**{f"{path_field}__startswith": within_path})

    def get_visible(self, actor: Any, **lookup: Any) -> Any:
        """One object the actor may see, or NotFoundError (never a hint that it exists elsewhere)."""
        try:
            return self.visible_to(actor).get(**lookup)
        except (ObjectDoesNotExist, ValueError, TypeError):
            raise NotFoundError(f"{self.model._meta.verbose_name} not found.") from None


ScopedManager = models.Manager.from_queryset(ScopedQuerySet)


def ensure_visible(actor: Any, obj: models.Model) -> None:
    """Refuse a related object the actor cannot see, with the same 404 as an unknown id."""
    model = type(obj)
    if not model._default_manager.visible_to(actor).filter(pk=obj.pk).exists():  # type: ignore[attr-defined]
        raise NotFoundError(f"{model._meta.verbose_name} not found.")


class ScopedQuerysetMixin:
    """Base for every browser view and API viewset that reads a tenant-owned model.

    `get_queryset()` always starts from `scoped_model.objects.visible_to(request.user)`; subclasses
    narrow it in `narrow_queryset()`. Overriding `get_queryset` in a subclass is refused when the
    class is created, unless the override is named `dangerously_get_queryset` so that it stands out.
    """

    scoped_model: type[models.Model]
    _scoping_base = True
    request: Any

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "get_queryset" in cls.__dict__ and not cls.__dict__.get("_scoping_base", False):
            raise TypeError(
                f"{cls.__name__}.get_queryset() would bypass tenant scoping: override narrow_queryset() "
                "instead, or name the method dangerously_get_queryset() if it truly must."
            )

    def get_queryset(self) -> models.QuerySet:
        dangerous = getattr(self, "dangerously_get_queryset", None)
        if dangerous is not None:
            return dangerous()
        manager = self.scoped_model._default_manager
        within = self.scope_within_path()
        extra = {} if within is None else {"within_path": within}
        return self.narrow_queryset(manager.visible_to(self.request.user, **extra))  # type: ignore[attr-defined]

    def scope_within_path(self) -> str | None:
        """A region subtree this request's rows are confined to from the start (see visible_to)."""
        return None

    def narrow_queryset(self, queryset: models.QuerySet) -> models.QuerySet:
        return queryset
