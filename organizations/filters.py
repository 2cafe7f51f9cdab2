"""Filters shared by the API and the browser lists. Unknown or foreign ids answer 404, as a path id would."""

import copy
from typing import Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from core.search import found_by, relevance

from .models import Department, Enterprise, Industry, Region
from .scoping import scope_for

_FORM_CLASSES: dict[type, type] = {}


class ScopedFilterSet(filters.FilterSet):
    def __init__(
        self, data: Any = None, queryset: Any = None, *, request: Any = None, prefix: str | None = None
    ) -> None:
        """As django-filter's, but each filter is copied shallowly: its deep copy of every filter (lazy
        translated labels and all) was a tenth of a ledger API call. A filter's per-request state is its
        parent and model, and a method filter's binding to its copy, which are all set here
        (tests/hazards/test_filters.py)."""
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(definition) for name, definition in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method is not None:
                filter_.method = filter_.method  # binds a new FilterMethod to this copy, not the definition

    def get_form_class(self) -> type:
        """Built once per filter set, not on every request: no filter here takes choices from the request,
        so the form depends only on the filter definitions."""
        form_class = _FORM_CLASSES.get(type(self))
        if form_class is None:
            form_class = _FORM_CLASSES[type(self)] = super().get_form_class()
        return form_class

    def _visible_region(self, value: str) -> Region:
        return Region.objects.get_visible(self.request.user, pk=value)

    def _visible_industry(self, value: str) -> Industry:
        lookup = {"pk": value} if str(value).isdigit() else {"code": value}
        return Industry.objects.get_visible(self.request.user, **lookup)


class RegionFilter(ScopedFilterSet):
    code = filters.CharFilter(field_name="code", help_text=_("6-digit GB/T 2260 code"))
    parent = filters.NumberFilter(field_name="parent_id")
    level = filters.CharFilter(field_name="level")

    class Meta:
        model = Region
        fields = ["code", "parent", "level"]


class DepartmentFilter(ScopedFilterSet):
    region = filters.CharFilter(method="filter_region", help_text=_("Region id: departments in it and below"))
    industry = filters.CharFilter(method="filter_industry", help_text=_("Industry code or id"))

    class Meta:
        model = Department
        fields = ["region", "industry"]

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region__path__startswith=self._visible_region(value).path)

    def filter_industry(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(industries=self._visible_industry(value))


class EnterpriseFilter(ScopedFilterSet):
    region = filters.CharFilter(method="filter_region", help_text=_("Region id: enterprises in it and below"))
    industry = filters.CharFilter(method="filter_industry", help_text=_("Industry code or id"))
    credit_code = filters.CharFilter(method="filter_credit_code")
    q = filters.CharFilter(method="filter_text", help_text=_("Text in the name, credit code or address"))
    status = filters.CharFilter(field_name="status")

    class Meta:
        model = Enterprise
        fields = ["region", "industry", "credit_code", "q", "status"]

    def filter_region(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(region_path__startswith=self._visible_region(value).path)

    def filter_industry(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        industry = self._visible_industry(value)
        through = Enterprise.industries.through.objects.filter(industry=industry).values("enterprise_id")
        return queryset.filter(pk__in=through)

    def filter_credit_code(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(credit_code=value.strip().upper())

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Name, credit code or address through trigram indexes (core/search.py), the best matches first:
        the exact credit code, then by similarity, then by name."""
        text = " ".join(value.split())
        if not text:
            return queryset
        score = relevance(text, exact=Q(credit_code=text.upper()), columns=("name", "credit_code", "address"))
        tenant_id = scope_for(self.request.user).tenant_id
        return (
            found_by(queryset, {"pk": "directory_text_search"}, tenant_id=tenant_id, text=text)
            .annotate(relevance=score)
            .order_by("-relevance", "name", "id")
        )
