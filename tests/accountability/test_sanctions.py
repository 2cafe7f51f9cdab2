"""Sanctions without an accident: poor work is sanctionable on its own record, and the records cited must
exist, be in scope and show the basis; the catalogue keeps enterprises' measures apart from officials'."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from accountability.models import RegionAssessment, Sanction, SanctionEvidence
from accountability.services import accident_record
from hazards.models import HandoverReceipt

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def overdue_major(world, ledger):
    hazard = ledger.rectifying()
    hazard.deadline = timezone.localdate() - dt.timedelta(days=5)
    hazard.save(update_fields=["deadline"])
    return hazard


def _body(world, **fields):
    return {
        "region": world.a.county.pk,
        "track": "enterprise",
        "kind": "fine_principal",
        "amount": "30000.00",
        "basis": "overdue_major_hazards",
        "subject": "周明远（主要负责人）",
        "issuing_body": "一市应急管理局",
        "decided_on": timezone.localdate().isoformat(),
        **fields,
    }


def test_overdue_major_hazards_ground_a_fine_on_the_principal(world, api, overdue_major) -> None:
    api.as_user(world.a.committee)
    evidence = [{"kind": "hazard", "id": overdue_major.pk}]
    response = api.post("/api/v1/sanctions/", _body(world, evidence=evidence), format="json", **EN)
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["kind"], data["basis"], data["amount"], data["case"]) == (
        "fine_principal",
        "overdue_major_hazards",
        "30000.00",
        None,
    )
    assert data["evidence"][0]["kind"] == "hazard" and data["evidence"][0]["id"] == overdue_major.pk
    assert overdue_major.code in data["evidence"][0]["summary"]
    listed = api.get("/api/v1/sanctions/").json()["results"]
    assert [row["id"] for row in listed] == [data["id"]]
    assert api.as_user(world.b.committee).get(f"/api/v1/sanctions/{data['id']}/").status_code == 404
    assert api.as_user(world.a.inspector).get(f"/api/v1/sanctions/{data['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "dismissal"}, "kind"),  # a board's dismissal is no enterprise sanction
        ({"kind": "fine_principal", "amount": None}, "amount"),
        ({"track": "government", "kind": "fine_principal"}, "kind"),
        ({"basis": "accident_case"}, "basis"),
        ({"basis": "unacknowledged_handovers"}, "evidence"),  # a hazard is not a handover receipt
        ({"evidence": []}, "evidence"),
        ({"evidence": [{"kind": "hazard", "id": 987654321}]}, "evidence"),
        ({"subject": ""}, "subject"),
        ({"decided_on": "2999-01-01"}, "decided_on"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(world, api, overdue_major, change, field) -> None:
    api.as_user(world.a.committee)
    body = _body(world, evidence=[{"kind": "hazard", "id": overdue_major.pk}])
    body.update(change)
    response = api.post("/api/v1/sanctions/", body, format="json", **EN)
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not Sanction.objects.exists() and not SanctionEvidence.objects.exists()


def test_a_hazard_not_yet_overdue_is_no_ground(world, api, ledger) -> None:
    hazard = ledger.rectifying()  # deadline in the future
    api.as_user(world.a.committee)
    response = api.post(
        "/api/v1/sanctions/",
        _body(world, evidence=[{"kind": "hazard", "id": hazard.pk}]),
        format="json",
        **EN,
    )
    assert response.status_code == 400 and "not past its deadline" in response.json()["evidence"][0]


def test_roles_and_scope(world, api, overdue_major) -> None:
    body = _body(world, evidence=[{"kind": "hazard", "id": overdue_major.pk}])
    for user in (world.a.inspector, world.a.officer):
        assert api.as_user(user).post("/api/v1/sanctions/", body, format="json").status_code == 403
    # Another tenant's committee: the region and the hazard do not exist for it.
    response = api.as_user(world.b.committee).post("/api/v1/sanctions/", body, format="json")
    assert response.status_code == 400 and "region" in response.json()
    own_region = _body(world, region=world.b.county.pk, evidence=[{"kind": "hazard", "id": overdue_major.pk}])
    response = api.as_user(world.b.committee).post("/api/v1/sanctions/", own_region, format="json")
    assert response.status_code == 400 and "evidence" in response.json()
    assert not Sanction.objects.exists()


def _bottom(world, region, month, rank_of=2):
    return RegionAssessment.objects.create(
        tenant=world.a.tenant,
        region=region,
        region_path=region.path,
        month=month,
        indicators={},
        groups={},
        score=Decimal("40"),
        rank=rank_of,
        rank_of=rank_of,
        computed_at=timezone.now(),
    )


def test_the_bottom_of_the_ranking_twice_running_grounds_a_warning_interview(world, api) -> None:
    w = world.a
    august, september, november = (_bottom(world, w.sibling_county, dt.date(2026, m, 1)) for m in (8, 9, 11))
    api.as_user(w.committee)
    base = _body(
        world,
        region=w.sibling_county.pk,
        track="government",
        kind="warning_interview",
        amount=None,
        basis="bottom_rank_twice",
        subject="乙区人民政府区长",
    )

    def cite(*rows):
        return [{"kind": "region_assessment", "id": row.pk} for row in rows]

    once = api.post("/api/v1/sanctions/", {**base, "evidence": cite(august)}, format="json", **EN)
    assert once.status_code == 400 and "two assessments" in once.json()["evidence"][0]
    apart = api.post(
        "/api/v1/sanctions/", {**base, "evidence": cite(september, november)}, format="json", **EN
    )
    assert apart.status_code == 400 and "follow each other" in apart.json()["evidence"][0]
    done = api.post("/api/v1/sanctions/", {**base, "evidence": cite(august, september)}, format="json", **EN)
    assert done.status_code == 201
    assert {row["id"] for row in done.json()["evidence"]} == {august.pk, september.pk}
    # Rescoring never deletes an assessment a sanction cites.
    from accountability.scoring import assessment_compute_month

    assessment_compute_month(tenant=w.tenant, month=dt.date(2026, 8, 1))
    assert RegionAssessment.objects.filter(pk=august.pk).exists()


def test_unacknowledged_handovers_and_late_reports_are_grounds_too(world, api, ledger) -> None:
    w = world.a
    hazard = ledger.handed_over()
    receipt = HandoverReceipt.objects.get(handover__hazard=hazard, department__isnull=False)
    receipt.receipt_deadline = timezone.localdate() - dt.timedelta(days=1)
    receipt.save(update_fields=["receipt_deadline"])
    api.as_user(w.committee)
    official = {"track": "department", "kind": "circulated_criticism", "amount": None}
    response = api.post(
        "/api/v1/sanctions/",
        _body(
            world,
            region=w.city.pk,
            basis="unacknowledged_handovers",
            evidence=[{"kind": "handover_receipt", "id": receipt.pk}],
            **official,
        ),
        format="json",
    )
    assert response.status_code == 201, response.json()
    occurred = timezone.now() - dt.timedelta(hours=5)
    late = accident_record(
        actor=w.inspector,
        enterprise=w.enterprise,
        occurred_at=occurred,
        reported_at=occurred + dt.timedelta(hours=3),
        description="中毒",
    )
    response = api.post(
        "/api/v1/sanctions/",
        _body(world, basis="accident_reporting", evidence=[{"kind": "accident", "id": late.pk}]),
        format="json",
    )
    assert response.status_code == 201, response.json()


def test_the_sanction_pages(world, client, overdue_major) -> None:
    w = world.a
    client.force_login(w.committee)
    form = client.get("/sanctions/new/", **EN).content.decode()
    assert overdue_major.code in form and "Resignation to take the blame" in form
    post = {
        "region": w.county.pk,
        "track": "enterprise",
        "kind": "licence_measure",
        "basis": "overdue_major_hazards",
        "subject": "某化工有限公司",
        "issuing_body": "一市应急管理局",
        "decided_on": timezone.localdate().isoformat(),
    }
    refused = client.post("/sanctions/new/", post, **EN)
    assert refused.status_code == 400 and "Cite the records" in refused.content.decode()
    assert client.post("/sanctions/new/", {**post, "hazard": [overdue_major.pk]}).status_code == 302
    listing = client.get("/sanctions/", **EN).content.decode()
    assert "Licence measure" in listing and overdue_major.code in listing
    client.force_login(w.inspector)
    assert client.get("/sanctions/new/").status_code == 403
    assert client.post("/sanctions/new/", {**post, "hazard": [overdue_major.pk]}).status_code == 403
    assert w.enterprise.name not in client.get("/sanctions/").content.decode()
    assert Sanction.objects.count() == 1
