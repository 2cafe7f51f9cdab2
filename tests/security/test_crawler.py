"""The cross-tenant and cross-role crawler.

Every URL pattern of the resolver and every operation of the OpenAPI schema is called with alpha's real
ids by each role of tenant beta and by alpha's outsider (an enterprise officer in another city, who sees
none of these rows). An id outside the caller's scope must answer exactly like an id that does not exist
(404 for every GET); writes must change nothing; and no list, export, PDF, chart or search may show a
marker of alpha's private rows. The same sweep by alpha's own roles proves the ids are real (each kind of
object opens for someone) and that no page fails with a server error.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from organizations.models import AuditChainHead, AuditEntry, User
from organizations.services import auth_token_issue, expert_grant

from ..conftest import World
from ..factories import UserFactory
from .conftest import AlphaObjects
from .crawl import (
    ABSENT_ID,
    OPEN_BY_DESIGN,
    Target,
    api_list_filters,
    api_targets,
    browser_targets,
    openapi_schema,
    resolver_routes,
)

BETA_ROLES = ["officer", "head", "inspector", "committee", "admin", "security", "auditor", "outsider"]
# The region tree, the industries and the departments are the tenant's shared directory, and its local
# determination standards its shared reference data: every member of alpha may read them, the outsider too
# (another tenant may not).
TENANT_WIDE = {"region", "industry", "department", "standard", "criterion"}


def _fingerprint(tenant_id: int) -> dict[tuple[str, Any], str]:
    """Every row of the tenant (every table with a tenant column: users, API tokens and expert grants too),
    so that a write slipping through shows up as a difference."""
    rows = {}
    for model in apps.get_models():
        if not any(getattr(f, "column", None) == "tenant_id" for f in model._meta.concrete_fields):
            continue
        manager: Any = model._base_manager  # any model: its fields are only known at run time
        key = model._meta.pk.attname
        for values in manager.filter(tenant_id=tenant_id).order_by("pk").values():
            # Binary fields come back as memoryviews, whose repr is an address, not the bytes.
            fields = {k: bytes(v) if isinstance(v, memoryview) else v for k, v in values.items()}
            rows[(model._meta.label, values[key])] = repr(sorted(fields.items()))
    return rows


@pytest.fixture
def alpha_credentials(world: World) -> None:
    """An API token and an expert grant in alpha, so the sweep's fingerprint covers those tables too."""
    expert = UserFactory.create(username="alpha-expert", tenant=world.a.tenant)
    expert_grant(actor=world.a.committee, expert=expert, enterprise=world.a.construction_enterprise)
    auth_token_issue(user=world.a.officer)


def _call(client: Client, target_method: str, url: str) -> Any:
    if target_method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.generic(target_method, url, "{}", content_type="application/json")
    return client.generic(target_method, url, "", content_type="application/x-www-form-urlencoded")


def _body(response: Any) -> str:
    """What a person would read in the response: the text of a PDF, the sheets of an XLSX workbook."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"%PDF"):
        pdftotext = shutil.which("pdftotext")
        assert pdftotext, "pdftotext (poppler-utils, installed by make) reads PDFs back"
        text = subprocess.run([pdftotext, "-", "-"], input=content, capture_output=True, check=True).stdout
        return text.decode("utf-8", errors="replace").replace("\n", "")
    if content.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return content.decode("utf-8", errors="replace")


def _leaks(body: str, markers: list[str]) -> list[str]:
    return [marker for marker in markers if marker and marker in body]


def _all_targets(alpha: AlphaObjects) -> list[Target]:
    return browser_targets(alpha.ids, alpha.public) + api_targets(alpha.ids)


def test_every_api_route_of_the_resolver_is_in_the_schema_and_so_crawled(db: None) -> None:
    schema_paths = {re.sub(r"\{[^}]+\}", str(ABSENT_ID), path) for path in openapi_schema()["paths"]}
    missing = []
    for route in resolver_routes():
        if not route.name.startswith("api:") or route.name == "api:api-root":
            continue
        url = reverse(route.name, kwargs=dict.fromkeys(route.params, ABSENT_ID))
        if url not in schema_paths:
            missing.append(f"{route.name} {url}")
    assert not missing, "API routes without an OpenAPI operation (so neither crawled nor fuzzed)"


@pytest.mark.parametrize("caller", [*(f"beta-{role}" for role in BETA_ROLES), "alpha-outsider"])
@pytest.mark.usefixtures("alpha_credentials")
def test_no_caller_outside_the_scope_reaches_alpha_rows(
    admins: World, alpha: AlphaObjects, client: Client, caller: str
) -> None:
    world = admins
    user = User.objects.get(username=caller)
    client.force_login(user)
    client.raise_request_exception = False
    before = _fingerprint(world.a.tenant.pk)
    in_scope = TENANT_WIDE if user.tenant_id == world.a.tenant.pk else set()
    problems: list[str] = []
    for target in _all_targets(alpha):
        if target.open_by_design and target.method != "GET":
            continue  # a POST would sign the caller out or change their own password
        response = _call(client, target.method, target.url)
        where = f"{target.method} {target.url} ({target.name})"
        if response.status_code >= 500:
            problems.append(f"{where}: server error {response.status_code}")
            continue
        if target.open_by_design:
            continue
        body = _body(response)
        if leaked := _leaks(body, alpha.markers):
            problems.append(f"{where}: {response.status_code} shows {leaked}")
        if not target.objects or set(target.objects) <= in_scope:
            continue
        # A view that refuses the method (405) or the body (400) before it looks the id up says nothing
        # about the row; anything else must be the 404 of an unknown id.
        absent = _call(client, target.method, target.absent_url or "")
        if response.status_code != absent.status_code:
            problems.append(
                f"{where}: {response.status_code}, but {absent.status_code} for an id that does not exist"
            )
        elif response.status_code not in ({404, 405} if target.method == "GET" else {400, 403, 404, 405}):
            problems.append(f"{where}: {response.status_code}, expected 404")
    # Searching lists for one of alpha's hazard codes finds nothing of it (the code itself may be echoed
    # back in the search box, so only the other markers count).
    code = alpha.public["hazard_code"]
    for target in _all_targets(alpha):
        if target.method == "GET" and not target.objects and not target.open_by_design:
            url = f"{target.url}?q={code}&search={code}"
            if leaked := _leaks(_body(client.get(url)), [m for m in alpha.markers if m != code]):
                problems.append(f"search {url}: shows {leaked}")
    for name, url, absent_url in api_list_filters(alpha.ids, exclude=in_scope):
        response, absent = client.get(url), client.get(absent_url)
        if response.status_code != absent.status_code:
            problems.append(f"{name}: alpha's id {response.status_code}, absent id {absent.status_code}")
        if leaked := _leaks(_body(response), alpha.markers):
            problems.append(f"{name}: shows {leaked}")
    assert not problems, "\n".join(problems)
    after = _fingerprint(world.a.tenant.pk)
    # The caller's own acts (alpha's outsider exporting its own empty ledger) are audited in alpha's log.
    own_acts = {
        (AuditEntry._meta.label, pk)
        for pk in AuditEntry.objects.filter(actor=user).values_list("pk", flat=True)
    }
    if own_acts:  # and each moved the head of alpha's audit chain
        own_acts |= {(AuditChainHead._meta.label, world.a.tenant.pk)}
    changed = sorted(
        {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)} - own_acts
    )
    assert not changed, f"{caller} changed alpha's rows: {changed}"


# Inline code runs only with the nonce; JSON data blocks (json_script) are not code and need none.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\b(?:src|nonce)=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE
)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def _csp_problems(where: str, response: Any) -> list[str]:
    if not response.get("Content-Type", "").startswith("text/html"):
        return []
    problems = []
    policy = response.get("Content-Security-Policy", "")
    if not policy or "unsafe-inline" in policy or "unsafe-eval" in policy:
        problems.append(f"{where}: Content-Security-Policy {policy!r}")
    body = _body(response)
    for name, pattern in [("script", INLINE_SCRIPT), ("handler", INLINE_HANDLER), ("style", INLINE_STYLE)]:
        if found := pattern.search(body):
            problems.append(f"{where}: inline {name} {found.group(0)[:80]!r}")
    return problems


@pytest.mark.parametrize(
    "role", ["officer", "head", "inspector", "committee", "admin", "security", "auditor"]
)
def test_alphas_own_roles_see_no_server_error_and_no_inline_code(
    admins: World, alpha: AlphaObjects, client: Client, role: str
) -> None:
    world = admins
    client.raise_request_exception = False
    client.force_login(world.a.users[role])
    problems: list[str] = []
    for target in _all_targets(alpha):
        if target.method != "GET":
            continue
        response = client.get(target.url)
        where = f"{role} GET {target.url}"
        if response.status_code >= 500:
            problems.append(f"{where}: server error {response.status_code}")
        problems.extend(_csp_problems(where, response))
    assert not problems, "\n".join(problems)


def test_every_id_the_crawler_uses_opens_for_some_role_of_alpha(
    world: World, alpha: AlphaObjects, client: Client
) -> None:
    """So the 404s above are about scope, not about a wrong id."""
    targets = [t for t in _all_targets(alpha) if t.method == "GET" and t.objects]
    opened: set[str] = set()
    for role in ["officer", "inspector", "committee", "admin"]:
        client.force_login(world.a.users[role])
        for target in targets:
            if not set(target.objects) <= opened and client.get(target.url).status_code == 200:
                opened.update(target.objects)
    assert {kind for target in targets for kind in target.objects} - opened == set()
    # The leak detector reads through exports and PDFs: alpha's own committee sees the markers there.
    client.force_login(world.a.committee)
    enterprises = f"level=enterprise&region={world.a.county.pk}&month={timezone.localdate():%Y-%m}"
    for url in [
        "/ledger/export.xlsx",
        "/ledger/export.csv",
        f"/campaigns/{alpha.ids['campaign']}/summary.pdf",
        f"/rankings/export.xlsx?{enterprises}",
        f"/rankings/export.csv?{enterprises}",
    ]:
        assert _leaks(_body(client.get(url)), alpha.markers), url


def test_anonymous_callers_reach_nothing_but_the_open_pages(world: World, alpha: AlphaObjects) -> None:
    client = Client(raise_request_exception=False)
    problems = []
    for target in _all_targets(alpha):
        if target.open_by_design or target.method != "GET":
            continue
        response = client.get(target.url)
        if response.status_code not in {302, 401, 403, 404}:
            problems.append(f"GET {target.url}: {response.status_code}")
        elif response.status_code == 302 and not response["Location"].startswith("/accounts/login/"):
            problems.append(f"GET {target.url}: redirects to {response['Location']}")
    assert not problems, "\n".join(problems)


def test_the_django_admin_is_closed_to_every_tenant_user(admins: World, client: Client) -> None:
    world = admins
    for role in BETA_ROLES:
        client.force_login(world.b.users[role])
        for url in ["/admin/", "/admin/hazards/hazard/", "/admin/organizations/user/"]:
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"].startswith("/admin/login/")


def test_the_open_pages_list_says_why_each_is_open() -> None:
    assert all(reason.strip() for reason in OPEN_BY_DESIGN.values())
