"""core.progress: a job's progress written on a connection of its own, seen at once, never blocking it."""

import time

import pytest

from core.progress import ProgressWriter
from core.rls import tenant_context
from organizations.models import EnterpriseImport


@pytest.fixture
def job(transactional_db, world) -> EnterpriseImport:
    """An import job of tenant A, committed (built as the owner)."""
    return EnterpriseImport.objects.create(
        tenant=world.a.tenant, created_by=world.a.admin, file_name="a.xlsx", content=b"", language="en"
    )


def test_a_write_is_seen_by_the_writers_own_transaction_before_it_ends(world, job) -> None:
    with tenant_context(world.a.tenant):
        with ProgressWriter(model=EnterpriseImport, pk=job.pk, tenant_id=world.a.tenant.pk) as progress:
            assert progress.write(rows_total=10, rows_done=4)
        # Committed elsewhere: this transaction, begun before, reads it too (READ COMMITTED).
        assert EnterpriseImport.objects.values_list("rows_total", "rows_done").get(pk=job.pk) == (10, 4)


def test_a_write_gives_way_to_a_lock_the_job_holds(world, job) -> None:
    with tenant_context(world.a.tenant):
        EnterpriseImport.objects.select_for_update().get(pk=job.pk)
        with ProgressWriter(model=EnterpriseImport, pk=job.pk, tenant_id=world.a.tenant.pk) as progress:
            started = time.monotonic()
            assert progress.write(rows_done=5) is False
            assert time.monotonic() - started < 10
    with ProgressWriter(model=EnterpriseImport, pk=job.pk, tenant_id=world.a.tenant.pk) as progress:
        assert progress.write(rows_done=7)
    job.refresh_from_db()
    assert job.rows_done == 7


def test_another_tenant_cannot_be_written(world, job, app_role_connection) -> None:
    with ProgressWriter(model=EnterpriseImport, pk=job.pk, tenant_id=world.b.tenant.pk) as progress:
        assert progress.write(rows_done=9)  # no error: row-level security hides the row, nothing changes
    with tenant_context(world.a.tenant):
        assert EnterpriseImport.objects.get(pk=job.pk).rows_done == 0
