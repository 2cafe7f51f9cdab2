"""The ledger API: the loop over HTTP, 404/403/409, bad input, query counts and tenant isolation."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hazards.api.serializers import HazardListSerializer
from hazards.models import Hazard
from hazards.services import hazard_report, hazard_submit
from organizations.choices import Role
from organizations.scoping import Scope, forget_scope

from ..factories import acceptance, photo


def post(api, user, url, data=None, **kwargs):
    api.as_user(user)
    return api.post(url, data or {}, format=kwargs.pop("format", "json"), **kwargs)


def test_the_demo_loop_over_the_api(world, api, ledger) -> None:
    w = world.a
    created = post(
        api,
        w.officer,
        "/api/v1/hazards/",
        {
            "enterprise": w.enterprise.pk,
            "title": "报警器失效",
            "description": "可燃气体报警器失效",
            "location": "罐区",
            "category": "equipment",
        },
    )
    assert created.status_code == 201, created.json()
    hazard = created.json()
    assert hazard["state"] == "reported"
    url = f"/api/v1/hazards/{hazard['id']}"
    response = post(api, w.inspector, f"{url}/confirm/", {"level": "major", "criterion": ledger.criterion.pk})
    assert response.json()["state"] == "confirmed"
    response = post(
        api, w.committee, f"{url}/handover/", {"region": w.city.pk, "departments": [w.department.pk]}
    )
    assert response.json()["state"] == "handed_over"
    assert response.json()["handovers"][0]["receipts"][0]["department_id"] == w.department.pk
    assert post(api, w.inspector, f"{url}/acknowledge-handover/").status_code == 200
    deadline = (timezone.localdate() + dt.timedelta(days=20)).isoformat()
    response = post(
        api,
        w.officer,
        f"{url}/plan/",
        {
            "responsible_person": "周明远",
            "measures": "更换",
            "funds": "5000.00",
            "deadline": deadline,
            "contingency_plan": "停用",
        },
    )
    assert response.json()["state"] == "rectifying"
    response = post(
        api, w.officer, f"{url}/submit/", {"report": "已更换", "evidence": [photo()]}, format="multipart"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == "pending_verification"
    assert response.json()["reports"][0]["evidence"][0]["url"].startswith("/evidence/")
    response = post(api, w.inspector, f"{url}/verify/", {"accepted": False, "note": "未联锁"})
    assert response.json()["state"] == "rectifying"
    post(api, w.officer, f"{url}/submit/", {"report": "已联锁", "evidence": [photo()]}, format="multipart")
    response = post(api, w.inspector, f"{url}/verify/", {"accepted": True, "note": "合格", **acceptance()})
    assert response.json()["state"] == "closed"
    api.as_user(w.officer)
    events = api.get(f"{url}/events/").json()
    assert [event["action"] for event in events] == [
        "report",
        "confirm",
        "handover",
        "acknowledge",
        "plan",
        "submit",
        "reject",
        "submit",
        "verify",
    ]
    assert events[1]["actor"] == w.inspector.username


def test_wrong_state_is_409_with_the_current_state(world, api, ledger) -> None:
    hazard = ledger.reported()
    response = post(api, world.a.officer, f"/api/v1/hazards/{hazard.pk}/submit/", {"report": "x"})
    assert response.status_code == 409
    assert "Reported" in response.json()["detail"]


def test_wrong_role_is_403(world, api, ledger) -> None:
    hazard = ledger.reported()
    response = post(api, world.a.officer, f"/api/v1/hazards/{hazard.pk}/confirm/", {"level": "general"})
    assert response.status_code == 403
    hazard.refresh_from_db()
    assert hazard.state == "reported"


def test_enterprise_verifying_its_major_hazard_is_403(world, api, ledger) -> None:
    hazard = hazard_submit(actor=world.a.officer, hazard=ledger.rectifying(), report="x", evidence=[photo()])
    response = post(api, world.a.head, f"/api/v1/hazards/{hazard.pk}/verify/", {"accepted": True})
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["officer", "head", "inspector", "committee", "admin", "outsider"])
def test_every_hazard_endpoint_is_404_across_tenants(world, api, ledger, role) -> None:
    hazard = ledger.handed_over()
    api.as_user(world.b.users[role])
    base = f"/api/v1/hazards/{hazard.pk}"
    assert api.get(f"{base}/").status_code == 404
    assert api.get(f"{base}/events/").status_code == 404
    for action in [
        "confirm",
        "handover",
        "acknowledge-handover",
        "plan",
        "submit",
        "verify",
        "withdraw",
        "request-extension",
        "decide-extension",
        "list-supervision",
    ]:
        assert api.post(f"{base}/{action}/", {}, format="json").status_code == 404, action
    listed = api.get("/api/v1/hazards/").json()["results"]
    assert hazard.pk not in {row["id"] for row in listed}


def test_reporting_for_an_enterprise_out_of_scope_is_refused(world, api) -> None:
    response = post(
        api,
        world.a.officer,
        "/api/v1/hazards/",
        {
            "enterprise": world.a.construction_enterprise.pk,
            "title": "t",
            "description": "d",
            "location": "l",
            "category": "equipment",
        },
    )
    assert response.status_code == 400
    assert "enterprise" in response.json()
    assert not Hazard.objects.exists()


def test_missing_fields_are_named(world, api) -> None:
    response = post(api, world.a.officer, "/api/v1/hazards/", {"enterprise": world.a.enterprise.pk})
    assert response.status_code == 400
    assert {"title", "description", "location"} <= set(response.json())


def test_plan_with_a_past_deadline_names_the_field(world, api, ledger) -> None:
    hazard = ledger.handed_over()
    response = post(
        api,
        world.a.officer,
        f"/api/v1/hazards/{hazard.pk}/plan/",
        {
            "responsible_person": "x",
            "measures": "x",
            "funds": "1",
            "deadline": "2020-01-01",
            "contingency_plan": "x",
        },
    )
    assert response.status_code == 400
    assert "deadline" in response.json()


def test_ledger_filters(world, api, ledger) -> None:
    ledger.reported(title="甲")
    major = ledger.confirmed()
    api.as_user(world.a.committee)

    def codes(**params) -> set[str]:
        response = api.get("/api/v1/hazards/", params)
        assert response.status_code == 200, response.json()
        return {row["code"] for row in response.json()["results"]}

    assert codes(level="major") == {major.code}
    assert len(codes(state=["reported", "confirmed"])) == 2
    assert codes(industry="hazardous_chemicals") == codes()
    assert codes(region=world.a.sibling_county.pk) == set()
    assert codes(q=major.code) == {major.code}
    assert codes(enterprise=world.a.enterprise.pk) == codes()
    assert codes(overdue="true") == set()
    today = timezone.localdate().isoformat()
    assert len(codes(found_from=today, found_to=today)) == 2
    assert api.get("/api/v1/hazards/", {"enterprise": world.b.enterprise.pk}).status_code == 404


def test_the_ledger_list_uses_cursor_pages_and_a_fixed_number_of_queries(world, api, ledger) -> None:
    for _ in range(3):
        ledger.confirmed()
    api.as_user(world.a.committee)

    def queries(size: int) -> int:
        forget_scope(world.a.committee)
        with CaptureQueriesContext(connection) as captured:
            response = api.get("/api/v1/hazards/", {"page_size": size})
        assert response.status_code == 200
        return len(captured)

    few = queries(2)
    for _ in range(6):
        ledger.confirmed()
    assert queries(50) == few
    page = api.get("/api/v1/hazards/", {"page_size": 4}).json()
    assert "cursor=" in page["next"]
    second = api.get(page["next"]).json()
    assert not {r["id"] for r in page["results"]} & {r["id"] for r in second["results"]}


@pytest.mark.parametrize("ordering", ["", "discovered_at", "-deadline", "deadline", "code", "-code"])
def test_ledger_pages_walk_every_row_once_forward_and_back(world, api, ledger, ordering) -> None:
    """Keyset pages (hazards/api/pagination.py): ties in the ordered field and NULL deadlines included."""
    hazards = [ledger.rectifying() for _ in range(3)] + [ledger.reported() for _ in range(4)]
    same_moment = timezone.now() - dt.timedelta(days=1)
    Hazard.objects.filter(pk__in=[h.pk for h in hazards[1:5]]).update(discovered_at=same_moment)
    expected = list(
        Hazard.objects.filter(pk__in=[h.pk for h in hazards])
        .order_by(*((ordering or "-discovered_at"), "-id" if (ordering or "-").startswith("-") else "id"))
        .values_list("pk", flat=True)
    )
    api.as_user(world.a.committee)
    pages: list[list[int]] = []
    url = "/api/v1/hazards/"
    params = {"page_size": 2, "ordering": ordering} if ordering else {"page_size": 2}
    while url:
        page = api.get(url, params if url == "/api/v1/hazards/" else None).json()
        pages.append([row["id"] for row in page["results"]])
        url = page["next"]
    assert [pk for page in pages for pk in page] == expected
    assert [len(page) for page in pages] == [2, 2, 2, 1]
    back: list[list[int]] = []
    url = page["previous"]
    while url:
        page = api.get(url).json()
        back.insert(0, [row["id"] for row in page["results"]])
        url = page["previous"]
    assert back == pages[:-1]


def test_a_cursor_not_from_the_list_is_refused_naming_it(world, api, ledger) -> None:
    ledger.reported()
    api.as_user(world.a.committee)
    for cursor in ("bm90LWEtY3Vyc29y", "%%%", "eDEyMy0wNC0wMX4x"):
        response = api.get("/api/v1/hazards/", {"cursor": cursor})
        assert response.status_code == 400
        assert "cursor" in response.json()
    chinese = api.get(
        "/api/v1/hazards/", {"cursor": "bm90LWEtY3Vyc29y"}, headers={"Accept-Language": "zh-hans"}
    )
    assert "游标" in chinese.json()["cursor"][0]


def test_a_region_filter_gives_each_role_its_own_rows_in_that_subtree(world, api, ledger) -> None:
    """The ledger is read within the region from the start (Scope.within); what each role sees must be
    exactly its visible rows in the subtree, whichever way the subtree and its grants overlap."""
    w = world.a
    ledger.reported()
    ledger.rectifying()
    hazard_report(
        category="equipment",
        actor=w.outsider,
        enterprise=w.other_city_enterprise,
        title="配电室漏水",
        description="配电室屋顶漏水",
        location="配电室",
    )
    regions = [w.province, w.city, w.county, w.sibling_county, w.other_city]
    for user in (w.committee, w.inspector, w.admin, w.officer, w.outsider):
        api.as_user(user)
        for region in regions:
            forget_scope(user)
            response = api.get("/api/v1/hazards/", {"region": region.pk})
            expected = set(
                Hazard.objects.visible_to(user)
                .filter(region_path__startswith=region.path)
                .values_list("pk", flat=True)
            )
            if response.status_code == 404:  # a region the user may not look into
                assert not expected, (user.username, region.code)
                continue
            assert {row["id"] for row in response.json()["results"]} == expected, (user.username, region.code)


def test_a_committee_reads_a_county_with_one_region_condition(world, api, ledger) -> None:
    """Two nested prefix conditions ('city%' from the scope, 'county%' from the filter) make PostgreSQL
    multiply their selectivities and plan for a handful of rows: a deep page then sorts the whole county."""
    ledger.reported()
    api.as_user(world.a.committee)
    with CaptureQueriesContext(connection) as captured:
        assert api.get("/api/v1/hazards/", {"region": world.a.county.pk}).status_code == 200
    ledger_sql = [q["sql"] for q in captured.captured_queries if 'FROM "hazards_hazard"' in q["sql"]]
    assert len(ledger_sql) == 1
    # startswith is written `^@` (core/lookups.py); the page's ids and its rows (core/paging.py) each test
    # the county alone, never the city's prefix beside it.
    conditions = re.findall(r"\"region_path\"\)::text \^@ \('([^']*)'\)", ledger_sql[0])
    assert conditions and set(conditions) == {world.a.county.path}, ledger_sql[0]


def test_a_scope_cut_to_a_subtree() -> None:
    def committee(*paths: str) -> Scope:
        return Scope(user_id=1, tenant_id=1, roles=frozenset({Role.COMMITTEE_STAFF}), committee_paths=paths)

    def cut(scope: Scope, path: str) -> tuple[str, ...]:
        narrowed = scope.within(path)
        assert narrowed is not None
        return narrowed.committee_paths

    assert cut(committee("1/2/"), "1/2/3/") == ("1/2/3/",)  # a county of the city
    assert cut(committee("1/2/"), "1/") == ("1/2/",)  # the province around it
    assert cut(committee("1/2/"), "1/4/") == ()  # another city: nothing
    assert cut(committee("1/2/", "1/4/"), "1/") == ("1/2/", "1/4/")
    admin = Scope(user_id=1, tenant_id=1, roles=frozenset({Role.TENANT_ADMIN}))
    assert admin.within("1/2/") is None  # grants the whole tenant: the subtree stays a condition


def test_a_ledger_list_row_is_what_the_hazard_serializer_renders(world, api, ledger) -> None:
    """The list renders rows from values() for speed; the serializer (the schema's row) must agree."""
    plain = ledger.reported()  # no criterion, no deadline
    planned = ledger.rectifying()  # criterion, deadline
    Hazard.objects.filter(pk=planned.pk).update(closed_at=dt.datetime(2023, 6, 30, 16, 0, tzinfo=dt.UTC))
    api.as_user(world.a.committee)
    listed = {row["id"]: row for row in api.get("/api/v1/hazards/").json()["results"]}
    for hazard in (plain, planned):
        fresh = Hazard.objects.select_related("enterprise", "region", "industry", "criterion__standard").get(
            pk=hazard.pk
        )
        assert listed[hazard.pk] == HazardListSerializer(fresh).data
    assert listed[planned.pk]["closed_at"] == "2023-07-01T00:00:00+08:00"
    assert listed[planned.pk]["criterion"]["number"] == ledger.criterion.number
    assert listed[plain.pk]["criterion"] is None and listed[plain.pk]["deadline"] is None


def test_self_inspection_over_the_api_turns_hazard_items_into_reported_records(world, api, standards) -> None:
    w = world.a
    api.as_user(w.officer)
    lines = api.get("/api/v1/self-inspections/checklist/", {"enterprise": w.enterprise.pk}).json()
    assert any(line["key"].startswith("C") for line in lines)
    assert any(line["key"] == "GEN-1" for line in lines)
    items = [{"key": line["key"], "result": "ok"} for line in lines]
    items[0] = {
        "key": lines[0]["key"],
        "result": "hazard",
        "category": "equipment",
        "description": "未设紧急切断",
        "location": "罐区",
    }
    month = timezone.localdate().replace(day=1).isoformat()
    draft = post(
        api,
        w.officer,
        "/api/v1/self-inspections/",
        {"enterprise": w.enterprise.pk, "period": month, "items": items},
    )
    assert draft.status_code == 201, draft.json()
    assert draft.json()["status"] == "draft"
    refused = post(api, w.officer, f"/api/v1/self-inspections/{draft.json()['id']}/submit/")
    assert refused.status_code == 403  # the head submits
    submitted = post(api, w.head, f"/api/v1/self-inspections/{draft.json()['id']}/submit/")
    assert submitted.status_code == 200, submitted.json()
    assert submitted.json()["status"] == "submitted"
    assert len(submitted.json()["hazards"]) == 1
    hazard = Hazard.objects.get(code=submitted.json()["hazards"][0])
    assert (hazard.state, hazard.source) == ("reported", "self_inspection")
    again = post(api, w.head, f"/api/v1/self-inspections/{draft.json()['id']}/submit/")
    assert again.status_code == 409


def test_a_clean_self_inspection_is_valid(world, api, standards) -> None:
    w = world.a
    api.as_user(w.head)
    lines = api.get("/api/v1/self-inspections/checklist/", {"enterprise": w.enterprise.pk}).json()
    month = timezone.localdate().replace(day=1).isoformat()
    response = post(
        api,
        w.head,
        "/api/v1/self-inspections/",
        {
            "enterprise": w.enterprise.pk,
            "period": month,
            "submit": True,
            "items": [{"key": line["key"], "result": "ok"} for line in lines],
        },
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["status"], response.json()["hazards"]) == ("submitted", [])


def test_an_incomplete_self_inspection_cannot_be_submitted(world, api, standards) -> None:
    month = timezone.localdate().replace(day=1).isoformat()
    response = post(
        api,
        world.a.head,
        "/api/v1/self-inspections/",
        {"enterprise": world.a.enterprise.pk, "period": month, "submit": True, "items": []},
    )
    assert response.status_code == 400
    assert "items" in response.json()


def test_an_inspection_records_findings_as_confirmed_hazards(world, api, ledger) -> None:
    w = world.a
    response = post(
        api,
        w.inspector,
        "/api/v1/inspections/",
        {
            "enterprise": w.enterprise.pk,
            "date": timezone.localdate().isoformat(),
            "kind": "unannounced",
            "rectification_order": True,
            "stop_production": "partial",
            "fine_amount": "30000",
            "findings": [
                {
                    "title": "动火未审批",
                    "description": "动火作业未办理作业票",
                    "location": "装置区",
                    "category": "behaviour",
                    "level": "general",
                },
                {
                    "title": "无紧急切断",
                    "description": "罐区无紧急切断",
                    "location": "罐区",
                    "category": "equipment",
                    "level": "major",
                    "criterion": ledger.criterion.pk,
                },
            ],
        },
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["hazards"]) == 2
    states = set(Hazard.objects.values_list("state", "level", "source"))
    assert states == {("confirmed", "general", "inspection"), ("confirmed", "major", "inspection")}


def test_only_inspectors_log_inspections(world, api) -> None:
    response = post(
        api,
        world.a.officer,
        "/api/v1/inspections/",
        {"enterprise": world.a.enterprise.pk, "date": timezone.localdate().isoformat(), "kind": "routine"},
    )
    assert response.status_code == 403


def test_standards_and_criteria_by_industry(world, api, standards) -> None:
    api.as_user(world.b.officer)
    criteria = api.get("/api/v1/criteria/", {"industry": "hazardous_chemicals"}).json()
    assert len([c for c in criteria if c["standard"] == "hazardous-chemicals-2017"]) == 20
    assert {c["industry"] for c in criteria} == {"hazardous_chemicals"}
    standards = api.get("/api/v1/standards/").json()
    coal = next(s for s in standards if s["key"] == "coal-mines-2020")
    assert len(coal["criteria"]) == 15
    assert coal["document_number"] == "应急管理部令第4号"


def test_the_schema_documents_the_ledger(world, api) -> None:
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in [
        "/api/v1/hazards/",
        "/api/v1/hazards/{id}/",
        "/api/v1/hazards/{id}/events/",
        "/api/v1/hazards/{id}/confirm/",
        "/api/v1/self-inspections/",
        "/api/v1/inspections/",
        "/api/v1/standards/",
        "/api/v1/criteria/",
    ]:
        assert path in paths, path
