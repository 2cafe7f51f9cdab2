"""The audit log: every sign-in (success and failure), sign-out, password change, directory change, role
grant and end, export, publication and policy change is one entry — when, who, from which address, what,
outcome — written in the transaction of the act; the tenant's audit administrator alone reads and exports it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from accountability.services import scoring_scheme_set
from core.errors import PermissionDeniedError
from disclosure.models import Publication
from disclosure.services import disclosure_policy_update, publication_build_month, publication_publish
from organizations.audit import request_address
from organizations.models import AuditEntry, Membership
from organizations.services import (
    department_create,
    department_update,
    enterprise_create,
    enterprise_update,
    expert_grant,
    membership_grant,
    membership_revoke,
    user_close,
    user_create,
)

from ..accountability.test_scoring import province_campaign
from ..campaigns.conftest import campaign  # noqa: F401 - fixture
from ..conftest import PASSWORD, World
from ..factories import valid_credit_code

EN = {"Accept-Language": "en"}
ADDRESS = "203.0.113.9"


def entries(world_part: Any = None, **lookup: Any) -> list[AuditEntry]:
    found = AuditEntry.objects.filter(**lookup)
    if world_part is not None:
        found = found.filter(tenant=world_part.tenant)
    return list(found.order_by("seq"))


def one(**lookup: Any) -> AuditEntry:
    found = entries(**lookup)
    assert len(found) == 1, [(e.action, e.outcome, e.object_type, e.detail) for e in found]
    return found[0]


def test_browser_sign_ins_and_sign_outs_are_audited_with_address_and_outcome(world: World) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.post("/accounts/login/", {"username": "alpha-officer", "password": "wrong"})
    client.post("/accounts/login/", {"username": "nobody-here", "password": "wrong"})
    client.post("/accounts/login/", {"username": "alpha-officer", "password": PASSWORD})
    client.post("/accounts/logout/")

    failed = one(action="sign_in", outcome="failure", tenant=world.a.tenant)
    assert (failed.actor, failed.actor_username, failed.address) == (
        world.a.officer,
        "alpha-officer",
        ADDRESS,
    )
    assert failed.detail == {"via": "browser"}
    unknown = one(action="sign_in", tenant__isnull=True)  # no tenant's account: the chain of no tenant
    assert (unknown.actor, unknown.actor_username, unknown.outcome) == (None, "nobody-here", "failure")
    signed_in = one(action="sign_in", outcome="success")
    assert (signed_in.actor, signed_in.address, signed_in.object_type, signed_in.object_id) == (
        world.a.officer,
        ADDRESS,
        "organizations.user",
        str(world.a.officer.pk),
    )
    signed_out = one(action="sign_out")
    assert (signed_out.actor, signed_out.detail, signed_out.address) == (
        world.a.officer,
        {"reason": "user"},
        ADDRESS,
    )
    assert [e.action for e in entries(world.a)] == ["sign_in", "sign_in", "sign_out"]
    assert signed_in.created_at < signed_out.created_at


def test_a_locked_account_and_token_sign_ins_are_audited(world: World, settings) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    client.post("/api/v1/auth/token/", {"username": "alpha-head", "password": PASSWORD})
    client.post("/api/v1/auth/token/", {"username": "alpha-head", "password": "wrong"})
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "alpha-inspector", "password": "wrong"})
    client.post("/accounts/login/", {"username": "alpha-inspector", "password": PASSWORD})
    client.post("/api/v1/auth/token/", {"username": "alpha-inspector", "password": PASSWORD})

    assert one(action="sign_in", actor=world.a.head, outcome="success").detail == {"via": "token"}
    assert one(action="sign_in", actor=world.a.head, outcome="failure").detail == {"via": "token"}
    assert (
        len(entries(action="sign_in", actor=world.a.inspector, outcome="failure"))
        == settings.AXES_FAILURE_LIMIT - 1
    )
    refused = entries(action="sign_in", actor=world.a.inspector, outcome="refused")
    assert [e.detail for e in refused] == [
        {"via": "browser", "reason": "locked"},  # the failure that locked the account: the lockout page
        {"via": "browser", "reason": "locked"},  # the right password, too late
        {"via": "token", "reason": "locked"},
    ]


def test_the_django_admin_signs_in_through_the_audited_page(world: World, client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"
    client.force_login(world.a.officer)
    assert client.get("/admin/login/").status_code == 403  # a tenant user is no platform staff


def test_directory_changes_and_role_grants_are_audited_by_the_service_that_makes_them(admins: World) -> None:
    w = admins.a
    security = w.users["security"]
    with request_address(ADDRESS):
        enterprise = enterprise_create(
            actor=w.admin,
            name="审计化工有限公司",
            credit_code=valid_credit_code(77, w.county.code),
            region=w.county,
            industries=[w.industries["mines"]],
        )
        enterprise_update(actor=w.committee, enterprise=enterprise, name="审计化工（集团）有限公司")
        enterprise_update(actor=w.admin, enterprise=enterprise, status="closed")
        department = department_create(
            actor=w.admin, name="一市消防救援支队", region=w.city, industries=[w.industries["fire_safety"]]
        )
        department_update(actor=w.admin, department=department, is_active=False)
        clerk = user_create(actor=w.admin, username="audit-clerk", password="Initial-pass-1")
        grant = membership_grant(actor=security, user=clerk, role="inspector", unit=w.department)
        membership_revoke(actor=security, membership=grant)
        expert_grant(actor=w.committee, expert=clerk, enterprise=w.enterprise)
        user_close(actor=w.admin, user=clerk)

    made = [(e.actor, e.action, e.object_type, e.object_id) for e in entries(w)]
    assert made == [
        (w.admin, "directory_create", "organizations.enterprise", str(enterprise.pk)),
        (w.committee, "directory_update", "organizations.enterprise", str(enterprise.pk)),
        (w.admin, "directory_close", "organizations.enterprise", str(enterprise.pk)),
        (w.admin, "directory_create", "organizations.department", str(department.pk)),
        (w.admin, "directory_close", "organizations.department", str(department.pk)),
        (w.admin, "directory_create", "organizations.user", str(clerk.pk)),
        (security, "role_grant", "organizations.membership", str(grant.pk)),
        (security, "role_revoke", "organizations.membership", str(grant.pk)),
        (w.committee, "role_grant", "organizations.enterprise", str(w.enterprise.pk)),
        (w.admin, "directory_close", "organizations.user", str(clerk.pk)),
    ]
    assert {e.address for e in entries(w)} == {ADDRESS}
    assert entries(w, action="role_grant")[0].detail == {"user": clerk.pk, "role": "inspector"}


def test_an_entry_is_part_of_the_change_a_rolled_back_change_leaves_none(world: World) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        enterprise_create(
            actor=world.a.admin,
            name="回滚化工有限公司",
            credit_code=valid_credit_code(78, world.a.county.code),
            region=world.a.county,
            industries=[world.a.industries["mines"]],
        )
        assert len(entries(world.a)) == 1
        raise RuntimeError("the request failed after the service")
    assert entries(world.a) == []
    # A change the service refuses writes nothing either.
    with pytest.raises(PermissionDeniedError):
        enterprise_update(actor=world.a.officer, enterprise=world.a.enterprise, name="x")
    assert entries(world.a) == []


def test_exports_publications_and_policy_changes_are_audited(admins: World, ledger, campaign) -> None:  # noqa: F811
    w = admins.a
    ledger.handed_over()
    client = Client(REMOTE_ADDR=ADDRESS)
    client.force_login(w.committee)
    assert client.get("/ledger/export.csv?state=handed_over").status_code == 200
    assert client.get(f"/campaigns/{campaign.pk}/tasks.xlsx").status_code == 200
    assert client.get(f"/campaigns/{campaign.pk}/summary.pdf").status_code == 200
    assert client.get("/rankings/circular.pdf").status_code == 200
    month = timezone.localdate().replace(day=1)
    publication_build_month(tenant=w.tenant, month=month)
    draft = Publication.objects.get(tenant=w.tenant, region=w.city, month=month)
    published = publication_publish(actor=w.committee, publication=draft)
    disclosure_policy_update(actor=w.users["security"], show_deadline=False)
    scoring_scheme_set(  # the scheme that governs the tenant's scores: the province's (a tenant admin's)
        actor=w.admin,
        campaign=province_campaign(w, month),
        weights={
            "progress": Decimal(40),
            "self_inspection": Decimal(20),
            "enforcement": Decimal(25),
            "leadership": Decimal(15),
        },
    )
    exports = entries(w, action="export")
    assert [(e.detail["export"], e.detail["format"]) for e in exports] == [
        ("ledger", "csv"),
        ("campaign tasks", "xlsx"),
        ("campaign summary", "pdf"),
        ("rankings circular", "pdf"),
    ]
    assert exports[0].detail["filters"] == {"state": "handed_over"}
    assert {(e.actor, e.address) for e in exports} == {(w.committee, ADDRESS)}
    publication = one(action="publication")
    assert (publication.object_type, publication.object_id) == ("disclosure.publication", str(published.pk))
    policies = entries(w, action="policy_change")
    assert [e.object_type for e in policies] == [
        "disclosure.disclosurepolicy",
        "accountability.scoringscheme",
    ]
    assert (policies[0].actor, policies[1].actor) == (w.users["security"], w.admin)


def test_public_downloads_are_not_audited(world: World, ledger) -> None:
    month = timezone.localdate().replace(day=1)
    ledger.handed_over()
    publication_build_month(tenant=world.a.tenant, month=month)
    draft = Publication.objects.get(tenant=world.a.tenant, region=world.a.city, month=month)
    publication_publish(actor=world.a.committee, publication=draft)
    published = Publication.objects.get(tenant=world.a.tenant, region=world.a.city, status="published")
    before = AuditEntry.objects.count()
    client = Client()
    client.force_login(world.a.committee)  # even a signed-in user's download of public data
    for suffix in ("/", ".csv", ".json", ".pdf"):
        assert client.get(f"/public/alpha/p/{published.public_id}{suffix}").status_code == 200, suffix
    assert AuditEntry.objects.count() == before


# ---------------------------------------------------------------- reading: the audit administrator only


@pytest.fixture
def logged(admins: World) -> World:
    """Sign-ins in both tenants, so each has entries the other must never see."""
    for username in ("alpha-officer", "alpha-committee", "beta-officer"):
        Client(REMOTE_ADDR=ADDRESS).post("/accounts/login/", {"username": username, "password": PASSWORD})
    Client().post("/accounts/login/", {"username": "alpha-officer", "password": "wrong"})
    return admins


def test_only_the_audit_administrator_opens_the_audit_log_page_and_its_exports(logged: World, client) -> None:
    for role in ("officer", "inspector", "committee", "admin", "security"):
        client.force_login(logged.a.users[role])
        for url in ["/audit-log/", "/audit-log/export.csv", "/audit-log/export.xlsx", "/api/v1/audit-log/"]:
            assert client.get(url).status_code == 403, (role, url)
    client.force_login(logged.a.users["auditor"])
    page = client.get("/audit-log/", headers=EN)
    assert page.status_code == 200
    text = page.content.decode()
    assert "alpha-committee" in text and ADDRESS in text and "beta-officer" not in text
    assert (
        client.get("/audit-log/?action=sign_in&actor=alpha-officer").content.decode().count("alpha-officer")
        >= 2
    )


def test_the_api_filters_by_action_actor_and_since_and_shows_one_tenant(logged: World, api) -> None:
    api.as_user(logged.a.users["auditor"])
    everything = api.get("/api/v1/audit-log/").json()["results"]
    assert {row["actor_username"] for row in everything} == {"alpha-officer", "alpha-committee"}
    assert [row["seq"] for row in everything] == sorted((row["seq"] for row in everything), reverse=True)
    failures = api.get("/api/v1/audit-log/", {"action": "sign_in", "actor": "alpha-officer"}).json()[
        "results"
    ]
    assert sorted(row["outcome"] for row in failures) == ["failure", "success"]
    assert failures[0]["address"] in {ADDRESS, "127.0.0.1"}
    assert len(failures[0]["hash"]) == 64
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert api.get("/api/v1/audit-log/", {"since": tomorrow}).json()["results"] == []
    assert (
        len(api.get("/api/v1/audit-log/", {"since": timezone.localdate().isoformat()}).json()["results"]) == 3
    )
    bad = api.get("/api/v1/audit-log/", {"since": "last week", "action": "dance"})
    assert bad.status_code == 400
    assert set(bad.json()) == {"since", "action"}
    # Beta's audit administrator sees beta's entries only; nobody else of beta sees any.
    api.as_user(logged.b.users["auditor"])
    assert {row["actor_username"] for row in api.get("/api/v1/audit-log/").json()["results"]} == {
        "beta-officer"
    }
    for role in ("admin", "security", "committee"):
        api.as_user(logged.b.users[role])
        assert api.get("/api/v1/audit-log/").status_code == 403


def test_the_export_holds_the_filtered_entries_and_neutralises_formulas(logged: World, client) -> None:
    Client().post("/accounts/login/", {"username": '=HYPERLINK("http://x")', "password": "x"})
    Client().post("/accounts/login/", {"username": "alpha-committee", "password": "-2+3"})
    client.force_login(logged.a.users["auditor"])
    response = client.get("/audit-log/export.csv?action=sign_in", headers=EN)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Sequence", "Time", "Username"]
    assert {row[2] for row in rows[1:]} == {
        "alpha-officer",
        "alpha-committee",
    }  # the unknown one has no tenant
    assert all(row[4] == "Sign-in" for row in rows[1:])
    book = load_workbook(io.BytesIO(client.get("/audit-log/export.xlsx?action=sign_in").content))
    sheet = book.worksheets[0]
    assert sheet.max_row == len(rows)
    assert isinstance(sheet.cell(row=2, column=1).value, int)  # numbers stay numbers
    assert isinstance(sheet.cell(row=2, column=2).value, dt.datetime)  # and times times
    # The export itself is audited.
    assert [e.detail["format"] for e in entries(logged.a, action="export")] == ["csv", "xlsx"]


def test_a_typed_formula_is_written_as_text(world: World, client) -> None:
    from core.spreadsheets import csv_lines, xlsx_bytes

    rows = [["=cmd|' /C calc'!A0", "+1", "-1", "@SUM(A1)", "\tx", "plain", 7, -3]]
    line = "".join(csv_lines(rows)).lstrip("\ufeff")
    assert next(csv.reader(io.StringIO(line))) == [
        "'=cmd|' /C calc'!A0",
        "'+1",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
        "plain",
        "7",
        "-3",
    ]
    cells = [c.value for c in load_workbook(io.BytesIO(xlsx_bytes(rows, title="t"))).worksheets[0][1]]
    assert cells == ["'=cmd|' /C calc'!A0", "'+1", "'-1", "'@SUM(A1)", "'\tx", "plain", 7, -3]


def test_the_audit_log_page_goes_back_by_sequence(logged: World, client) -> None:
    from organizations import audit_views

    client.force_login(logged.a.users["auditor"])
    total = len(entries(logged.a))
    assert total == 3
    audit_views.PAGE_SIZE, size = 2, audit_views.PAGE_SIZE
    try:
        page = client.get("/audit-log/").content.decode()
        newest = [e.seq for e in entries(logged.a)][::-1]
        assert f'before={newest[1]}" rel="next"' in page
        older = client.get(f"/audit-log/?before={newest[1]}").content.decode()
        assert f'<th scope="row">{newest[2]}</th>' in older
        assert f'<th scope="row">{newest[0]}</th>' not in older
        assert 'rel="next"' not in older
    finally:
        audit_views.PAGE_SIZE = size


def test_granting_a_role_twice_and_ending_it_leave_one_membership_and_three_entries(admins: World) -> None:
    w = admins.a
    security = w.users["security"]
    first = membership_grant(actor=security, user=w.outsider, role="inspector", unit=w.department)
    again = membership_grant(actor=security, user=w.outsider, role="inspector", unit=w.department)
    membership_revoke(actor=security, membership=again)
    assert first.pk == again.pk
    assert Membership.objects.filter(user=w.outsider, role="inspector").count() == 1
    assert [e.action for e in entries(w)] == ["role_grant", "role_grant", "role_revoke"]
