"""Accidents and "one case, three investigations": the trace holds exactly what came before the accident;
only committee staff open cases, investigate, sanction and interview; nothing is deleted; tenants isolated."""

import datetime as dt

import pytest
from django.db.models import ProtectedError
from django.utils import timezone

from accountability.models import AccountabilityCase, Sanction
from accountability.services import (
    accident_record,
    case_open,
    interview_record,
    investigation_save,
    sanction_record,
)
from core.errors import InvalidStateError, NotFoundError, PermissionDeniedError
from hazards.services import hazard_report, hazard_submit, hazard_verify
from hazards.services.inspections import inspection_record


@pytest.fixture
def accident(world, ledger):
    w = world.a
    overdue_major = ledger.rectifying()
    overdue_major.deadline = timezone.localdate() - dt.timedelta(days=3)
    overdue_major.save(update_fields=["deadline"])
    closed_general = ledger.rectifying(level="general")

    hazard_verify(
        actor=w.head,
        hazard=hazard_submit(actor=w.officer, hazard=closed_general, report="done"),
        accepted=True,
    )
    inspection_record(
        actor=w.inspector, enterprise=w.enterprise, date=timezone.localdate(), kind="unannounced"
    )
    accident = accident_record(
        actor=w.inspector,
        enterprise=w.enterprise,
        occurred_at=timezone.now(),
        deaths=1,
        injuries=2,
        description="储罐区爆炸着火",
    )
    after = hazard_report(
        category="equipment",
        actor=w.officer,
        enterprise=w.enterprise,
        title="事故后发现",
        description="d",
        location="l",
    )
    return {"accident": accident, "overdue_major": overdue_major, "closed": closed_general, "after": after}


def test_the_trace_lists_exactly_what_came_before_the_accident_and_flags_it(world, accident) -> None:
    case = case_open(actor=world.a.committee, accident=accident["accident"])
    trace = case.trace
    codes = {row["code"]: row for row in trace["hazards"]}
    assert set(codes) == {accident["overdue_major"].code, accident["closed"].code}
    assert accident["after"].code not in codes
    assert codes[accident["overdue_major"].code]["status_at_accident"] == "overdue"
    assert codes[accident["closed"].code]["status_at_accident"] == "closed"
    assert [i["kind"] for i in trace["inspections"]] == ["unannounced"]
    kinds = {(flag["kind"], flag.get("hazard")) for flag in trace["flags"]}
    assert ("major_open", accident["overdue_major"].code) in kinds
    assert ("overdue", accident["overdue_major"].code) in kinds
    assert any(flag["kind"] == "self_inspection_missing" for flag in trace["flags"])
    assert {inv.track for inv in case.investigations.all()} == {"enterprise", "department", "government"}


def test_only_committee_staff_open_cases_investigate_sanction_and_interview(world, accident) -> None:
    w = world.a
    with pytest.raises(PermissionDeniedError):
        case_open(actor=w.inspector, accident=accident["accident"])
    case = case_open(actor=w.committee, accident=accident["accident"])
    with pytest.raises(InvalidStateError):
        case_open(actor=w.committee, accident=accident["accident"])
    for actor in (w.inspector, w.officer):
        with pytest.raises((PermissionDeniedError, NotFoundError)):
            sanction_record(
                actor=actor,
                case=case,
                track="enterprise",
                kind="demotion",
                subject="x",
                issuing_body="y",
                decided_on=timezone.localdate(),
            )
        with pytest.raises((PermissionDeniedError, NotFoundError)):
            interview_record(
                actor=actor,
                region=w.city,
                interviewer="x",
                interviewee_unit="y",
                interviewee_person="z",
                reason="accident",
                held_on=timezone.localdate(),
            )
    investigation_save(
        actor=w.committee,
        case=case,
        track="enterprise",
        subject_unit=w.enterprise.name,
        subject_person="周明远",
        findings="未落实重大隐患整改",
    )
    sanction = sanction_record(
        actor=w.committee,
        case=case,
        track="department",
        kind="dismissal",
        subject="周明远",
        issuing_body="一市应急管理局",
        decided_on=timezone.localdate(),
    )
    assert sanction.get_kind_display() == "Dismissal"
    interview = interview_record(
        actor=w.committee,
        region=w.county,
        interviewer="一市安委办",
        reason="accident",
        interviewee_unit="甲区人民政府",
        interviewee_person="区长",
        accident=accident["accident"],
        held_on=timezone.localdate(),
        commitments="一周内完成全面排查",
    )
    assert interview.region == w.county


def test_cases_and_sanctions_are_never_deleted(world, accident) -> None:
    case = case_open(actor=world.a.committee, accident=accident["accident"])
    sanction_record(
        actor=world.a.committee,
        case=case,
        track="government",
        kind="admonishment",
        subject="x",
        issuing_body="y",
        decided_on=timezone.localdate(),
    )
    for obj in (accident["accident"], case):
        with pytest.raises(ProtectedError):
            obj.delete()
    assert AccountabilityCase.objects.count() == 1 and Sanction.objects.count() == 1


@pytest.mark.parametrize("role", ["officer", "inspector", "committee", "admin", "outsider"])
def test_accountability_api_is_404_for_the_other_tenant(world, api, accident, role) -> None:
    case = case_open(actor=world.a.committee, accident=accident["accident"])
    api.as_user(world.b.users[role])
    for url in [f"/api/v1/accidents/{accident['accident'].pk}/", f"/api/v1/accountability-cases/{case.pk}/"]:
        assert api.get(url).status_code == 404
    assert (
        api.post(f"/api/v1/accountability-cases/{case.pk}/sanctions/", {}, format="json").status_code == 404
    )


def test_cases_are_hidden_from_enterprises_and_inspectors(world, api, accident) -> None:
    case = case_open(actor=world.a.committee, accident=accident["accident"])
    for role in ("officer", "inspector", "outsider"):
        api.as_user(world.a.users[role])
        assert api.get(f"/api/v1/accountability-cases/{case.pk}/").status_code == 404
    api.as_user(world.a.committee)
    body = api.get(f"/api/v1/accountability-cases/{case.pk}/").json()
    assert body["trace"]["accident"]["deaths"] == 1


def test_api_records_an_accident_and_opens_a_case(world, api) -> None:
    api.as_user(world.a.committee)
    accident = api.post(
        "/api/v1/accidents/",
        {
            "enterprise": world.a.enterprise.pk,
            "occurred_at": timezone.now().isoformat(),
            "deaths": 0,
            "description": "高处坠落",
        },
        format="json",
    )
    assert accident.status_code == 201, accident.json()
    case = api.post("/api/v1/accountability-cases/", {"accident": accident.json()["id"]}, format="json")
    assert case.status_code == 201
    future = api.post(
        "/api/v1/accidents/",
        {
            "enterprise": world.a.enterprise.pk,
            "description": "x",
            "occurred_at": (timezone.now() + dt.timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    assert future.status_code == 400 and "occurred_at" in future.json()
    api.as_user(world.a.officer)
    assert (
        api.post(
            "/api/v1/accidents/",
            {
                "enterprise": world.a.enterprise.pk,
                "description": "x",
                "occurred_at": timezone.now().isoformat(),
            },
            format="json",
        ).status_code
        == 403
    )


def test_the_case_pages_work_in_the_browser_for_committee_staff_only(world, client, accident) -> None:
    w = world.a
    client.force_login(w.inspector)
    assert client.get(f"/accidents/{accident['accident'].pk}/").status_code == 200
    assert client.post(f"/accidents/{accident['accident'].pk}/open-case/").status_code == 403
    client.force_login(w.committee)
    response = client.post(f"/accidents/{accident['accident'].pk}/open-case/")
    assert response.status_code == 302
    case_url = response["Location"]
    page = client.get(case_url, headers={"Accept-Language": "en"}).content.decode()
    assert accident["overdue_major"].code in page
    response = client.post(
        case_url,
        {
            "form": "sanction",
            "track": "government",
            "kind": "demotion",
            "subject": "周明远",
            "issuing_body": "一市纪委",
            "decided_on": "2023-12-01",
        },
    )
    assert response.status_code == 302
    assert Sanction.objects.get().subject == "周明远"
    response = client.post(
        case_url, {"form": "investigation", "track": "government", "findings": "属地责任不落实"}
    )
    assert response.status_code == 302
    for url in (
        "/accidents/",
        "/accountability-cases/",
        "/interviews/",
        "/interviews/new/",
        "/accidents/new/",
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(world.b.committee)
    assert client.get(case_url).status_code == 404
    assert client.get(f"/accidents/{accident['accident'].pk}/").status_code == 404


def test_the_case_page_refuses_a_form_it_does_not_have_and_saves_nothing(world, client, accident) -> None:
    client.force_login(world.a.committee)
    case_url = client.post(f"/accidents/{accident['accident'].pk}/open-case/")["Location"]
    sanction = {"kind": "demotion", "subject": "周明远", "issuing_body": "纪委", "decided_on": "2023-12-01"}
    for which in [{"form": "verdict", "track": "enterprise"}, {"form": "sanction", "track": "court"}, {}]:
        assert client.post(case_url, {**sanction, **which}).status_code == 400
    assert not Sanction.objects.exists()
