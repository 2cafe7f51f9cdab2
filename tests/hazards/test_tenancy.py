"""Every ledger URL, page and API, answers 404 to every role of the other tenant and to outsiders."""

import pytest
from django.utils import timezone

from hazards.models import Evidence, Inspection, SelfInspection
from hazards.services import hazard_report
from hazards.services.inspections import inspection_record, self_inspection_open

from ..factories import photo


@pytest.fixture
def objects(world, ledger):
    w = world.a
    hazard = ledger.handed_over()

    with_photo = hazard_report(
        category="equipment",
        actor=w.officer,
        enterprise=w.enterprise,
        title="t",
        description="d",
        location="l",
        photos=[photo()],
    )
    inspection = inspection_record(
        actor=w.inspector, enterprise=w.enterprise, date=timezone.localdate(), kind="routine"
    )
    self_inspection = self_inspection_open(
        actor=w.officer, enterprise=w.enterprise, period=timezone.localdate()
    )
    return {
        "hazard": hazard,
        "evidence": Evidence.objects.get(hazard=with_photo),
        "inspection": inspection,
        "self_inspection": self_inspection,
    }


def urls(o) -> list[str]:
    return [
        f"/ledger/{o['hazard'].pk}/",
        f"/evidence/{o['evidence'].pk}/",
        f"/inspections/{o['inspection'].pk}/",
        f"/self-inspections/{o['self_inspection'].pk}/",
        f"/api/v1/hazards/{o['hazard'].pk}/",
        f"/api/v1/hazards/{o['hazard'].pk}/events/",
        f"/api/v1/inspections/{o['inspection'].pk}/",
        f"/api/v1/self-inspections/{o['self_inspection'].pk}/",
    ]


@pytest.mark.parametrize("role", ["officer", "head", "inspector", "committee", "admin", "outsider"])
def test_every_ledger_url_is_404_for_the_other_tenant(world, client, objects, role) -> None:
    client.force_login(world.b.users[role])
    for url in urls(objects):
        assert client.get(url).status_code == 404, url
    assert (
        client.post(f"/self-inspections/{objects['self_inspection'].pk}/", {"save": "1"}).status_code == 404
    )


def test_every_ledger_url_is_404_for_the_outsider_of_the_same_tenant(world, client, objects) -> None:
    client.force_login(world.a.outsider)
    for url in urls(objects):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("role", ["officer", "inspector", "committee", "admin"])
def test_ledger_lists_hold_no_row_of_the_other_tenant(world, client, objects, role) -> None:
    client.force_login(world.b.users[role])
    for url, model in [("/api/v1/inspections/", Inspection), ("/api/v1/self-inspections/", SelfInspection)]:
        ids = {row["id"] for row in client.get(url).json()["results"]}
        assert not ids & set(
            model._default_manager.filter(tenant=world.a.tenant).values_list("pk", flat=True)
        )
    page = client.get("/ledger/").content.decode()
    assert objects["hazard"].code not in page
