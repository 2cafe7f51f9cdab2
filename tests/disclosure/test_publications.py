"""Monthly publications: one draft per region and month, immutable once published, redacted, corrected."""

import hashlib
import threading

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.utils import timezone

from core.errors import NotFoundError
from core.errors import PermissionDeniedError as Forbidden
from disclosure.models import Publication
from disclosure.services import (
    disclosure_policy_update,
    publication_build_month,
    publication_correct,
    publication_publish,
)


@pytest.fixture
def month():
    return timezone.localdate().replace(day=1)


@pytest.fixture
def draft(world, ledger, month):
    w = world.a
    w.officer.full_name, w.officer.phone = "孙志强", "13800000007"
    w.officer.save()
    ledger.confirmed()  # major
    ledger.reported()  # not graded: not disclosed
    publication_build_month(tenant=w.tenant, month=month)
    return Publication.objects.get(tenant=w.tenant, region=w.city, month=month)


def test_the_month_builds_one_draft_per_region_with_a_committee(world, draft, month) -> None:
    assert draft.status == "draft"
    assert [h["code"] for h in draft.content["major_hazards"]] == [
        h.code for h in world.a.enterprise.hazards.filter(level="major")
    ]
    run = publication_build_month(tenant=world.a.tenant, month=month)
    assert (run.created, run.existing) == (0, 1)
    assert Publication.objects.filter(tenant=world.a.tenant).count() == 1
    quiet = open("/dev/null", "w")  # noqa: SIM115
    call_command("run_monthly_jobs", "--tenant", "alpha", "--month", month.strftime("%Y-%m"), stdout=quiet)
    assert Publication.objects.filter(tenant=world.a.tenant).count() == 1


def test_nothing_personal_ever_leaves_the_ledger(world, draft) -> None:
    text = str(draft.content)
    # The description, title and location typed into the ledger.
    typed = ("一级重大危险源储罐未设置紧急切断装置", "储罐区未设紧急切断", "东区储罐区")
    for secret in ("孙志强", "13800000007", world.a.officer.username, *typed):
        assert secret not in text
    publication = publication_publish(actor=world.a.committee, publication=draft)
    pdf = publication.pdf_bytes
    assert b"13800000007" not in pdf


def test_publishing_freezes_json_pdf_and_digest_with_an_embedded_chinese_font(world, draft) -> None:
    publication = publication_publish(actor=world.a.committee, publication=draft)
    pdf = publication.pdf_bytes
    assert pdf.startswith(b"%PDF")
    assert publication.sha256 == hashlib.sha256(pdf).hexdigest()
    assert b"FontFile2" in pdf, "the TrueType Chinese font is embedded (make installs fonts-wqy-microhei)"
    assert publication.status == "published" and publication.published_by == world.a.committee


def test_the_database_refuses_to_change_or_delete_a_published_snapshot(world, draft) -> None:
    publication = publication_publish(actor=world.a.committee, publication=draft)
    for attempt in (
        lambda: Publication.objects.filter(pk=publication.pk).update(content={"major_hazards": []}),
        lambda: Publication.objects.filter(pk=publication.pk).update(sha256="0" * 64),
        lambda: Publication.objects.filter(pk=publication.pk).update(status="draft"),
        lambda: Publication.objects.filter(pk=publication.pk).delete(),
    ):
        with pytest.raises((InternalError, ProgrammingError, IntegrityError)), transaction.atomic():
            attempt()
    publication.refresh_from_db()
    assert publication.content["major_hazards"]


def test_a_correction_is_a_new_version_with_a_public_reason_and_the_old_stays(world, draft) -> None:
    first = publication_publish(actor=world.a.committee, publication=draft)
    with pytest.raises(ValidationError):
        publication_correct(actor=world.a.committee, publication=first, reason=" ")
    second = publication_correct(actor=world.a.committee, publication=first, reason="更正一处整改时限")
    first.refresh_from_db()
    assert (first.status, second.status, second.version) == ("superseded", "published", 2)
    assert second.correction_of == first and second.correction_reason == "更正一处整改时限"
    assert first.pdf_bytes and first.sha256


def test_only_the_regions_committee_publishes(world, draft) -> None:
    with pytest.raises(NotFoundError):
        publication_publish(actor=world.a.inspector, publication=draft)
    with pytest.raises(NotFoundError):
        publication_publish(actor=world.b.committee, publication=draft)
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.django_db(transaction=True)
def test_two_monthly_runs_at_once_leave_one_draft(world, ledger, month) -> None:
    ledger.confirmed()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            publication_build_month(tenant=world.a.tenant, month=month)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Publication.objects.filter(tenant=world.a.tenant, month=month).count() == 1


def test_the_policy_decides_optional_fields_and_only_the_security_admin_sets_it(
    admins, client, ledger, month
) -> None:
    world = admins
    ledger.confirmed()
    for refused in (world.a.committee, world.a.admin):  # a policy is the security administrator's
        with pytest.raises(Forbidden):
            disclosure_policy_update(actor=refused, show_deadline=False)
    # The location was an option once; it is typed by hand, so no policy publishes it any more.
    disclosure_policy_update(actor=world.a.users["security"], show_location=True, show_deadline=False)
    publication_build_month(tenant=world.a.tenant, month=month)
    row = Publication.objects.get(tenant=world.a.tenant).content["major_hazards"][0]
    assert "location" not in row and "deadline" not in row and row["criterion"]
    client.force_login(world.a.committee)
    assert client.get("/disclosure/policy/").status_code == 403
    client.force_login(world.a.admin)
    assert client.get("/disclosure/policy/").status_code == 403
    client.force_login(world.a.users["security"])
    assert client.post("/disclosure/policy/", {"show_criterion": "on"}).status_code == 302
