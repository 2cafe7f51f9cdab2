"""Workflow integrity under concurrency: racing writers end in exactly one outcome.

These tests commit for real (`transaction=True`) and race separate connections, queued up behind a
lock the test holds, so both racers are inside their transaction at the same moment.
"""

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from accountability.models import RegionAssessment
from core.errors import InvalidStateError
from disclosure.models import Publication
from hazards.choices import HazardAction, HazardState
from hazards.models import Hazard, HazardEvent
from hazards.services import hazard_submit, hazard_verify
from hazards.services.chain import chain_verify
from organizations.choices import Role

from ..factories import MembershipFactory, UserFactory, acceptance, photo
from .concurrently import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_inspectors_verifying_the_same_hazard_at_once_close_it_once(world, ledger) -> None:
    w = world.a
    second = UserFactory.create(username="alpha-inspector-2", tenant=w.tenant)
    MembershipFactory.create(user=second, role=Role.INSPECTOR, department=w.department)
    hazard = hazard_submit(actor=w.officer, hazard=ledger.rectifying(), report="已加装", evidence=[photo()])

    outcomes = race(
        lambda: hazard_verify(actor=w.inspector, hazard=hazard, accepted=True, note="甲验收", **acceptance()),
        lambda: hazard_verify(actor=second, hazard=hazard, accepted=True, note="乙验收", **acceptance()),
        gate=("SELECT 1 FROM hazards_hazard WHERE id = %s FOR UPDATE", [hazard.pk]),
    )

    assert sorted(type(o.error).__name__ for o in outcomes) == ["InvalidStateError", "NoneType"]
    loser = next(o.error for o in outcomes if o.error)
    assert isinstance(loser, InvalidStateError)
    assert "Closed" in str(loser)  # the 409 names the state the winner left it in
    assert Hazard.objects.get(pk=hazard.pk).state == HazardState.CLOSED
    assert HazardEvent.objects.filter(hazard=hazard, action=HazardAction.VERIFY).count() == 1
    assert chain_verify(tenant=w.tenant).intact


def test_a_burst_of_events_in_one_tenant_keeps_one_unforked_chain(world, ledger) -> None:
    w = world.a
    outcomes = race(*[lambda: ledger.reported() for _ in range(4)])
    assert all(o.error is None for o in outcomes)
    seqs = list(HazardEvent.objects.filter(tenant=w.tenant).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert chain_verify(tenant=w.tenant).intact


def test_two_monthly_jobs_at_once_store_one_publication_set_and_one_score_set(world, ledger) -> None:
    w = world.a
    ledger.handed_over()
    month = timezone.localdate().replace(day=1)

    def monthly_job() -> None:
        call_command("run_monthly_jobs", tenant=w.tenant.slug, month=f"{month:%Y-%m}", stdout=_Discard())

    # Both jobs read "no draft yet", then queue up at their first write.
    outcomes = race(
        monthly_job, monthly_job, gate=("LOCK TABLE disclosure_publication IN EXCLUSIVE MODE", [])
    )

    assert [o.error for o in outcomes] == [None, None]
    publications = list(
        Publication.objects.filter(tenant=w.tenant, month=month).values_list("region_id", flat=True)
    )
    assert publications, "the month has drafts"
    assert len(publications) == len(set(publications))
    scored = list(
        RegionAssessment.objects.filter(tenant=w.tenant, month=month).values_list("region_id", flat=True)
    )
    assert scored, "the month is scored"
    assert len(scored) == len(set(scored))
    before = _results(w, month)
    monthly_job()  # and a third, later run changes nothing
    assert _results(w, month) == before


def _results(w: Any, month: dt.date) -> tuple[list[Any], list[Any]]:
    return (
        list(
            Publication.objects.filter(tenant=w.tenant, month=month)
            .order_by("pk")
            .values_list("pk", "region_id")
        ),
        list(
            RegionAssessment.objects.filter(tenant=w.tenant, month=month)
            .order_by("region_id")
            .values_list("region_id", "score", "rank")
        ),
    )


class _Discard:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass
