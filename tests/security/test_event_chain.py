"""Tamper evidence: the event log is hash-chained per tenant and `verify_ledger` finds the first broken link.

Tampering is simulated the only way it can happen: as the database owner, with the append-only trigger
switched off — what an attacker with the owner's password (or a careless operator) could do.
"""

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from hazards.models import EventChainHead, HazardEvent
from hazards.services import hazard_report, hazard_submit, hazard_verify, hazard_withdraw
from hazards.services.chain import GENESIS, chain_verify
from hazards.tasks import verify_ledger

from ..factories import acceptance, photo


def as_owner_without_append_only(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        # A superuser session may skip every ordinary trigger, the append-only one included.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def verify(tenant_slug: str) -> str:
    out: list[str] = []

    class Sink:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    try:
        call_command("verify_ledger", tenant=tenant_slug, stdout=Sink())
    except CommandError as error:
        out.append(f"ERROR {error}")
    return "".join(out)


@pytest.fixture
def chained(world: Any, ledger: Any) -> list[HazardEvent]:
    """Six events of tenant A: two hazards, one withdrawn, one carried to rectifying."""
    ledger.rectifying()
    hazard_withdraw(actor=world.a.inspector, hazard=ledger.reported(), reason="重复上报")
    return list(HazardEvent.objects.filter(tenant=world.a.tenant).order_by("seq"))


def test_every_event_links_to_the_one_before_it_in_its_tenant(world, chained) -> None:
    assert [event.seq for event in chained] == list(range(1, len(chained) + 1))
    assert chained[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(chained):
        assert after.prev_hash == before.hash
    assert len({event.hash for event in chained}) == len(chained)
    head = EventChainHead.objects.get(tenant_id=world.a.tenant.pk)
    assert (head.seq, head.hash) == (chained[-1].seq, chained[-1].hash)


def test_a_new_event_knows_its_link_as_soon_as_it_is_written(world, ledger) -> None:
    event = ledger.reported().events.get()
    assert event.seq == 1
    assert len(event.hash) == 64


def test_each_tenant_has_its_own_chain(world, ledger, chained) -> None:
    other = hazard_report(
        category="equipment",
        actor=world.b.officer,
        enterprise=world.b.enterprise,
        title="配电室积水",
        description="积水",
        location="一号",
    )
    assert other.events.get().seq == 1
    assert other.events.get().prev_hash == GENESIS


def test_an_intact_ledger_verifies(world, chained) -> None:
    output = verify("alpha")
    assert f"{len(chained)} events, chain intact" in output
    assert chained[-1].hash in output


@pytest.mark.parametrize(
    ("tamper", "broken_seq", "says"),
    [
        pytest.param(
            lambda e: ("UPDATE hazards_hazardevent SET note = 'nothing happened' WHERE id = %s", [e[2].pk]),
            3,
            "content no longer matches",
            id="note-edited",
        ),
        pytest.param(
            lambda e: ("UPDATE hazards_hazardevent SET actor_id = NULL WHERE id = %s", [e[1].pk]),
            2,
            "content no longer matches",
            id="actor-erased",
        ),
        pytest.param(
            lambda e: ("DELETE FROM hazards_hazardevent WHERE id = %s", [e[3].pk]),
            4,
            "removed (next present",
            id="event-deleted",
        ),
        pytest.param(
            lambda e: ("DELETE FROM hazards_hazardevent WHERE id = %s", [e[-1].pk]),
            6,
            "removed",
            id="newest-event-deleted",
        ),
    ],
)
def test_tampering_is_reported_at_the_first_broken_link(
    world, chained, tamper: Callable[[list[HazardEvent]], tuple[str, list[Any]]], broken_seq: int, says: str
) -> None:
    assert len(chained) == 6
    as_owner_without_append_only(*tamper(chained))
    output = verify("alpha")
    assert f"chain BROKEN at seq {broken_seq}" in output
    assert says in output
    assert "ERROR broken event chain: alpha" in output


def test_rewriting_an_event_and_its_own_hash_still_breaks_the_next_link(world, chained) -> None:
    forged = chained[2]
    as_owner_without_append_only("UPDATE hazards_hazardevent SET note = 'forged' WHERE id = %s", [forged.pk])
    as_owner_without_append_only(
        "UPDATE hazards_hazardevent e SET hash = hazards_event_digest(e) WHERE id = %s", [forged.pk]
    )
    assert "chain BROKEN at seq 4" in verify("alpha")


def test_the_other_tenants_chain_is_unaffected_by_tampering_in_one(world, chained) -> None:
    as_owner_without_append_only("UPDATE hazards_hazardevent SET note = 'x' WHERE id = %s", [chained[0].pk])
    assert not chain_verify(tenant=world.a.tenant).intact
    assert chain_verify(tenant=world.b.tenant).intact


def test_the_nightly_job_checks_every_tenant(world, chained) -> None:
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "hazards.tasks.verify_ledger" in schedule
    assert verify_ledger() == {"alpha": True, "beta": True}
    as_owner_without_append_only("DELETE FROM hazards_hazardevent WHERE id = %s", [chained[0].pk])
    assert verify_ledger() == {"alpha": False, "beta": True}


def test_the_full_loop_leaves_an_intact_chain(world, ledger) -> None:
    hazard = hazard_submit(
        actor=world.a.officer, hazard=ledger.rectifying(), report="已加装", evidence=[photo()]
    )
    hazard_verify(actor=world.a.inspector, hazard=hazard, accepted=True, note="现场验收合格", **acceptance())
    assert chain_verify(tenant=world.a.tenant).intact
