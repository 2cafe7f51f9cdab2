"""What the crawler visits: every URL pattern of the resolver and every operation of the OpenAPI schema,
with their parameters filled from alpha's real objects."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from drf_spectacular.generators import SchemaGenerator

from hazards.choices import HazardAction

# An id no row has: a URL built with it shows what "does not exist" looks like.
ABSENT_ID = 987_654_321

# Which of alpha's objects an `<int:pk>` (or `{id}`) stands for, by the path in front of it.
OBJECT_BY_PREFIX = {
    "ledger/": "hazard",
    "rechecks/": "recheck",
    "evidence/": "evidence",
    "inspections/": "inspection",
    "enforcement-orders/": "enforcement_order",
    "exports/": "export_job",
    "self-inspections/": "self_inspection",
    "campaigns/": "campaign",
    "tasks/": "task",
    "attachments/": "attachment",
    "institutional-measures/": "measure",
    "risks/": "risk",
    "leading-groups/": "leading_group",
    "adopted-measures/": "adopted_measure",
    "leader-duties/": "leader_duty",
    "disclosure/": "publication",
    "tip-offs/": "tip_off",
    "handover-receipts/": "hazard",  # acknowledging names the hazard, as its transition does
    "accidents/": "accident",
    "accountability-cases/": "case",
    "spot-checks/": "spot_check",
    "final-evaluations/": "final_evaluation",
    "standards/": "standard",
    "criteria/": "criterion",
    "directory/enterprises/": "enterprise",
    "directory/imports/": "enterprise_import",
    "directory/departments/": "department",
    "directory/users/": "user",
    "directory/memberships/": "membership",
    "notices/deliveries/": "notice_delivery",
    "api/v1/hazards/": "hazard",
    "api/v1/rechecks/": "recheck",
    "api/v1/inspections/": "inspection",
    "api/v1/enforcement-orders/": "enforcement_order",
    "api/v1/self-inspections/": "self_inspection",
    "api/v1/campaigns/": "campaign",
    "api/v1/tasks/": "task",
    "api/v1/institutional-measures/": "measure",
    "api/v1/risks/": "risk",
    "api/v1/leading-groups/": "leading_group",
    "api/v1/adopted-measures/": "adopted_measure",
    "api/v1/leader-duties/": "leader_duty",
    "api/v1/publications/": "publication",
    "api/v1/tip-offs/": "tip_off",
    "api/v1/handover-receipts/": "receipt",
    "api/v1/accidents/": "accident",
    "api/v1/accountability-cases/": "case",
    "api/v1/interviews/": "interview",
    "api/v1/spot-checks/": "spot_check",
    "api/v1/sanctions/": "sanction",
    "api/v1/assessments/": "assessment",
    "api/v1/scoring-schemes/": "scoring_scheme",
    "api/v1/final-evaluations/": "final_evaluation",
    "api/v1/ranking-publications/": "ranking_publication",
    "api/v1/enterprises/": "enterprise",
    "api/v1/enterprise-imports/": "enterprise_import",
    "api/v1/exports/": "export_job",
    "api/v1/departments/": "department",
    "api/v1/regions/": "region",
    "api/v1/industries/": "industry",
    "api/v1/users/": "user",
    "api/v1/memberships/": "membership",
    "api/v1/notices/deliveries/": "notice_delivery",
}
# Reference data shared by every tenant (determination standards are national): not tenant-owned.
SHARED_PREFIXES = {"api/v1/standards/", "api/v1/criteria/"}

# Query parameters of list operations that name one of alpha's objects.
OBJECT_BY_QUERY_PARAMETER = {
    "enterprise": "enterprise",
    "region": "region",
    "department": "department",
    "industry": "industry",
    "campaign": "campaign",
    "accident": "accident",
    "hazard": "hazard",
    "task": "task",
}

# URL names a signed-in user of any tenant may open, with the reason. The crawler still requires that
# they answer without a server error; it does not expect 404 from them.
OPEN_BY_DESIGN = {
    "login": "the sign-in page",
    "logout": "ends the caller's own session",
    "password_change": "the caller's own password",
    "password_change_done": "the caller's own password",
    "set_language": "the caller's language cookie",
    "public-index": "the public site: published snapshots only, by design open to anyone",
    "public-feed": "the public site's Atom feed",
    "public-publication": "a published snapshot",
    "public-publication-pdf": "a published snapshot",
    "public-publication-csv": "a published snapshot",
    "public-publication-json": "a published snapshot",
    "public-enterprise": "published snapshots of one enterprise",
    "public-tipoff": "anyone may send a tip-off",
    "public-tipoff-status": "the tracking code is the sender's secret; it shows no identity",
    "public-rankings": "published rankings and final evaluations: region names and numbers, open to anyone",
    "schema": "the OpenAPI schema describes the API, not data",
    "api-docs": "the interactive API documentation page",
    "api:api-root": "DRF's list of API collections",
    "api:api-token": "exchanges the caller's own password for a token",
    "api:api-me": "the caller's own account",
    "healthz": "the container healthcheck: whether database, cache and broker answer, no data",
    "exchange:exchange-schema": "the exchange format's JSON Schema: the published contract, no data",
    "exchange:exchange-batches": "a province delivers its own batches; any other account is refused (403)",
    "GET /api/exchange/v1/schema/": "the exchange format's JSON Schema: the published contract, no data",
    "exchange:exchange-standards-schema": "the standards feed's JSON Schema: the published contract, no data",
    "GET /api/exchange/v1/standards/schema/": "the standards feed's JSON Schema: the contract, no data",
}


@dataclass(frozen=True)
class Target:
    """One request to make: a method on a concrete URL, and which of alpha's objects it names."""

    name: str
    method: str
    url: str
    absent_url: str | None  # the same URL with the object ids replaced by ABSENT_ID
    objects: tuple[str, ...]  # kinds of alpha's objects in the URL; empty for lists and forms

    @property
    def open_by_design(self) -> bool:
        return self.name in OPEN_BY_DESIGN


def object_for(path: str) -> str | None:
    """The object kind an id in `path` stands for, from the longest known prefix before it."""
    path = path.lstrip("/")
    match = max((prefix for prefix in OBJECT_BY_PREFIX if path.startswith(prefix)), key=len, default=None)
    return OBJECT_BY_PREFIX[match] if match else None


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    params: tuple[str, ...]


def _walk(
    patterns: list[Any], prefix: str = "", namespace: str = "", params: tuple[str, ...] = ()
) -> Iterator[Route]:
    for entry in patterns:
        groups = params + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), inner, groups)
        elif isinstance(entry, URLPattern) and entry.name:
            yield Route(f"{namespace}{entry.name}", prefix + str(entry.pattern), groups)


def resolver_routes() -> list[Route]:
    """Every named URL pattern once (format-suffix twins of API routes are the same view)."""
    seen: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns):
        if "format" in route.params:
            continue
        seen.setdefault(route.name, route)
    return list(seen.values())


def _values_for(route: Route, ids: dict[str, int], public: dict[str, str]) -> Iterator[dict[str, Any]]:
    """Every filling of the route's parameters worth a request."""
    base: dict[str, Any] = {}
    choices: dict[str, list[Any]] = {}
    for param in route.params:
        if param == "pk":
            base[param] = ids[_required_object(route)]
        elif param == "stage_pk":
            base[param] = ids["stage"]
        elif param == "action":
            choices[param] = [action.value.replace("_", "-") for action in HazardAction] + [
                "acknowledge-handover"
            ]
        elif param == "fmt":
            choices[param] = ["xlsx", "csv", "pdf"]
        elif param == "tenant":
            base[param] = public["tenant"]
        elif param == "public_id":
            base[param] = public["public_id"]
        elif param == "credit_code":
            base[param] = public["credit_code"]
        elif param == "code":
            base[param] = public["tip_off_code"]
        else:
            raise AssertionError(
                f"The crawler does not know how to fill <{param}> of {route.name}; teach it."
            )
    if not choices:
        yield base
        return
    for name, values in choices.items():
        for value in values:
            yield {**base, name: value}


def _required_object(route: Route) -> str:
    kind = object_for(route.route.replace("^", ""))
    if kind is None:
        raise AssertionError(f"{route.name} ({route.route}) has an id the crawler cannot map to an object.")
    return kind


def browser_targets(ids: dict[str, int], public: dict[str, str]) -> list[Target]:
    """GET and POST of every page (the API comes from the schema; the Django admin is separate)."""
    targets = []
    for route in resolver_routes():
        if route.name.startswith(("api:", "admin:")):
            continue
        for kwargs in _values_for(route, ids, public):
            url = reverse(route.name, kwargs=kwargs)
            objects: tuple[str, ...] = ()
            absent = None
            if "pk" in kwargs:
                objects = (_required_object(route),) + (("stage",) if "stage_pk" in kwargs else ())
                absent_kwargs = {**kwargs, "pk": ABSENT_ID}
                if "stage_pk" in kwargs:
                    absent_kwargs["stage_pk"] = ABSENT_ID
                absent = reverse(route.name, kwargs=absent_kwargs)
            for method in ("GET", "POST"):
                targets.append(Target(route.name, method, url, absent, objects))
    return targets


@functools.cache
def openapi_schema() -> dict[str, Any]:
    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return schema


def api_targets(ids: dict[str, int]) -> list[Target]:
    """Every operation of the OpenAPI schema, with alpha's ids in the path."""
    targets = []
    for path, operations in openapi_schema()["paths"].items():
        for method in operations:
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            name = f"{method.upper()} {path}"
            if "{id}" not in path:
                targets.append(Target(name, method.upper(), path, None, ()))
                continue
            prefix = path.split("{id}")[0].lstrip("/")
            if prefix in SHARED_PREFIXES:
                continue
            kind = object_for(prefix)
            if kind is None:
                raise AssertionError(f"{path} has an id the crawler cannot map to an object; teach it.")
            targets.append(
                Target(
                    name,
                    method.upper(),
                    path.replace("{id}", str(ids[kind])),
                    path.replace("{id}", str(ABSENT_ID)),
                    (kind,),
                )
            )
    return targets


def api_list_filters(ids: dict[str, int], exclude: set[str]) -> list[tuple[str, str, str]]:
    """(name, URL with alpha's id in a filter, the same with an absent id) for every list filter naming
    one of alpha's objects, except the kinds excluded."""
    filters = []
    for path, operations in openapi_schema()["paths"].items():
        get = operations.get("get")
        if not get or "{id}" in path:
            continue
        for parameter in get.get("parameters", []):
            kind = OBJECT_BY_QUERY_PARAMETER.get(parameter["name"])
            if parameter.get("in") == "query" and kind and kind not in exclude:
                name = parameter["name"]
                filters.append(
                    (f"GET {path}?{name}=", f"{path}?{name}={ids[kind]}", f"{path}?{name}={ABSENT_ID}")
                )
    return filters
