"""Reads on a real streaming standby (core/replica.py): a hot standby of the test database, made with
pg_basebackup from the embedded server's own programs, streaming on loopback. The pages that tolerate a
little staleness read there; writes, a request's reads after its writes, a user's reads right after their
own write, and every read while the standby lags or is down go to the primary — without an error."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connections, transaction
from django.test.utils import CaptureQueriesContext

from core import replica
from core.replica import REPLICA, reads_on_replica
from core.rls import tenant_context
from hazards.models import Hazard
from operations.postgres import server_major
from operations.standby import Standby, standby_create
from organizations.choices import Role

from ..factories import MembershipFactory, UserFactory

# The standby is a database of the test like the primary; it is the primary's mirror, so the flush
# between tests (a write) happens on the primary alone and reaches the standby by replication.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", REPLICA])


@pytest.fixture(scope="module")
def standby(django_db_setup: None, django_db_blocker: Any) -> Iterator[Standby]:
    with django_db_blocker.unblock():
        primary = dict(connections["default"].settings_dict)
        major = server_major(connections["default"])
    # Not under pytest's tmp_path: the server may run as another system user (we may be root), who must
    # reach the directory.
    directory = Path(tempfile.mkdtemp(prefix="hl-standby-"))
    server = standby_create(primary=primary, directory=directory, major=major)
    connections.settings[REPLICA] = {
        **server.settings_for(settings.DATABASE_APP_ROLE),  # DATABASE_REPLICA_URL, as the application role
        "TEST": {**primary["TEST"], "MIRROR": "default"},
    }
    try:
        yield server
    finally:
        if hasattr(connections._connections, REPLICA):  # type: ignore[attr-defined]
            connections[REPLICA].close()
            del connections[REPLICA]
        del connections.settings[REPLICA]
        server.remove()


@pytest.fixture
def on_standby(standby: Standby, transactional_db: None, settings: Any) -> Iterator[Standby]:
    """The standby, asked how far behind it is at every read."""
    settings.REPLICA_MAX_LAG_SECONDS = 60
    settings.REPLICA_HEALTH_SECONDS = 0
    replica.forget_health()
    try:
        yield standby
    finally:
        standby.resume_replay()
        replica.forget_health()


def _statements(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"].lstrip().split(None, 1)[0].upper() for query in captured.captured_queries]


def _hazard_seen(tenant_id: int, pk: int) -> tuple[bool, bool]:
    """Whether the hazard is visible in the tenant on the standby, and whether the read went there."""
    with tenant_context(tenant_id), reads_on_replica(tenant_id) as on_replica:
        return Hazard.objects.filter(pk=pk).exists(), on_replica


def test_reads_go_to_the_standby_and_see_what_it_has_replayed(on_standby: Standby, ledger: Any, world: Any):
    on_standby.pause_replay()
    hazard = ledger.reported()
    assert _hazard_seen(world.a.tenant.pk, hazard.pk) == (False, True)  # stale: the standby served it
    on_standby.resume_replay()
    on_standby.catch_up()
    assert _hazard_seen(world.a.tenant.pk, hazard.pk) == (True, True)


def test_the_standby_honours_row_level_security(on_standby: Standby, ledger: Any, world: Any):
    hazard = ledger.reported()
    on_standby.catch_up()
    assert _hazard_seen(world.a.tenant.pk, hazard.pk) == (True, True)
    assert _hazard_seen(world.b.tenant.pk, hazard.pk) == (False, True)  # another tenant: not there
    with transaction.atomic(using=REPLICA), connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM hazards_hazard")  # no tenant set: nothing
        assert cursor.fetchone()[0] == 0
    with (
        pytest.raises(DatabaseError, match="not issued for this transaction"),
        transaction.atomic(using=REPLICA),
        connections[REPLICA].cursor() as cursor,
    ):
        cursor.execute("SELECT set_config('app.tenant', %s, true)", [f"{world.a.tenant.pk}:1:2:{'0' * 64}"])
        cursor.execute("SELECT count(*) FROM hazards_hazard")


def test_writes_and_reads_after_a_write_go_to_the_primary(on_standby: Standby, ledger: Any, world: Any):
    hazard = ledger.reported()
    on_standby.catch_up()
    tenant = world.a.tenant.pk
    with (
        tenant_context(tenant),
        reads_on_replica(tenant),
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
    ):
        assert Hazard.objects.filter(pk=hazard.pk).exists()  # a read: the standby
        Hazard.objects.filter(pk=hazard.pk).update(title="改过的标题")  # a write: the primary
        assert Hazard.objects.get(pk=hazard.pk).title == "改过的标题"  # after it: the primary
    assert _statements(on_replica) == ["SELECT"]  # the one read before the write


def test_the_landing_numbers_are_read_on_the_standby(on_standby: Standby, client: Any, world: Any):
    on_standby.catch_up()
    client.force_login(world.a.committee)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get("/")
    assert response.status_code == 200
    assert len(on_replica) > 2  # the binding, the tenant setting and the numbers themselves
    assert set(_statements(on_replica)) <= {"BEGIN", "SELECT", "WITH", "COMMIT"}  # reads only


def test_pages_that_do_not_tolerate_staleness_stay_on_the_primary(
    on_standby: Standby, client: Any, world: Any
):
    client.force_login(world.a.committee)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get("/ledger/").status_code == 200
    assert len(on_replica) == 0


def test_a_user_reads_their_own_write_on_the_primary(on_standby: Standby, api: Any, client: Any, world: Any):
    client.force_login(world.a.committee)
    response = client.post("/notifications/")
    assert response.status_code < 400, response
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get("/").status_code == 200
    assert len(on_replica) == 0  # held on the primary after their write
    cache.set(f"own-write:{world.a.committee.pk}", time.time() - 120)  # long before the lag allowed
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        assert client.get("/").status_code == 200
    assert len(on_replica) > 0


def test_who_is_signed_in_is_read_on_the_primary(on_standby: Standby, client: Any, world: Any):
    on_standby.catch_up()
    on_standby.pause_replay()  # the standby has not replayed the newcomer (nor their sign-in)
    newcomer = UserFactory.create(username="alpha-newcomer", tenant=world.a.tenant)
    MembershipFactory.create(user=newcomer, role=Role.COMMITTEE_STAFF, region=world.a.city)
    client.force_login(newcomer)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get("/")
    assert response.status_code == 200, response  # not sent back to the sign-in page
    assert len(on_replica) > 2  # the page's numbers still read on the standby


def _lag_above(limit: float, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while replica.replica_lag_seconds() <= limit:
        assert time.monotonic() < deadline, "the paused standby never fell behind"
        time.sleep(0.1)


def _seen_on_standby_again(tenant_id: int, pk: int, timeout: float = 30.0) -> tuple[bool, bool]:
    """Reads until the standby serves one again. The standby mirrors the whole cluster, so the other test
    workers' writes stream to it too; on a busy machine its lag may stay above a one-second limit for a
    moment after it has caught up with this test's write."""
    deadline = time.monotonic() + timeout
    while (seen := _hazard_seen(tenant_id, pk)) != (True, True) and time.monotonic() < deadline:
        time.sleep(0.2)
    return seen


def test_a_lagging_standby_is_passed_over(on_standby: Standby, ledger: Any, world: Any, settings: Any):
    settings.REPLICA_MAX_LAG_SECONDS = 1
    on_standby.pause_replay()
    hazard = ledger.reported()
    _lag_above(1)
    assert _hazard_seen(world.a.tenant.pk, hazard.pk) == (True, False)  # the primary, fresh
    on_standby.resume_replay()
    on_standby.catch_up()
    assert _seen_on_standby_again(world.a.tenant.pk, hazard.pk) == (True, True)


def test_a_standby_that_is_down_is_passed_over(on_standby: Standby, client: Any, ledger: Any, world: Any):
    on_standby.stop()
    try:
        hazard = ledger.reported()
        assert _hazard_seen(world.a.tenant.pk, hazard.pk) == (True, False)
        client.force_login(world.a.committee)
        assert client.get("/").status_code == 200  # no error: the primary served it
    finally:
        on_standby.start()
    on_standby.catch_up()
    replica.forget_health()
    assert _hazard_seen(world.a.tenant.pk, hazard.pk) == (True, True)


def test_a_streamed_export_reads_on_the_standby(on_standby: Standby, client: Any, ledger: Any, world: Any):
    hazard = ledger.reported(title="只在备库读到的隐患")
    on_standby.catch_up()
    client.force_login(world.a.committee)
    with CaptureQueriesContext(connections[REPLICA]) as on_replica:
        response = client.get("/ledger/export.csv")
        body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response.status_code == 200
    assert hazard.title in body
    assert any("hazards_hazard" in query["sql"] for query in on_replica.captured_queries)
