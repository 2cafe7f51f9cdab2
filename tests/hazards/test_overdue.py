"""The daily overdue sweep: flags, events, in-app notices and e-mails, once."""

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from config.celery import app
from hazards.models import Hazard, HazardEvent, Notification
from hazards.services import hazard_decide_extension, hazard_request_extension
from hazards.services.deliveries import deliveries_run
from hazards.tasks import sweep_overdue


def test_sweep_marks_overdue_notifies_each_party_once_and_is_idempotent(
    world, ledger, mailoutbox, django_capture_on_commit_callbacks
):
    w = world.a
    for user in (w.officer, w.head, w.inspector, w.committee):
        user.email = f"{user.username}@example.gov.cn"
        user.save()
    hazard = ledger.rectifying()
    later = hazard.deadline + dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):  # e-mails leave after the sweep commits
        call_command("sweep_overdue", "--date", later.isoformat())
    hazard.refresh_from_db()
    assert hazard.is_overdue and hazard.overdue_since == later
    assert HazardEvent.objects.filter(hazard=hazard, action="overdue").count() == 1
    kinds = {(n.user.username, n.kind) for n in Notification.objects.select_related("user")}
    assert {
        ("alpha-officer", "overdue"),
        ("alpha-head", "overdue"),
        ("alpha-inspector", "escalation"),
        ("alpha-committee", "escalation"),
    } <= kinds
    assert not any(username.startswith("beta") for username, _kind in kinds)
    deliveries_run(tenant=w.tenant)  # what the worker does with the outbox the sweep wrote
    sent = len(mailoutbox)
    assert sent >= 4
    assert any(hazard.code in message.body for message in mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sweep_overdue", "--date", later.isoformat())
        call_command("sweep_overdue", "--date", (later + dt.timedelta(days=1)).isoformat())
    deliveries_run(tenant=w.tenant)
    assert HazardEvent.objects.filter(hazard=hazard, action="overdue").count() == 1
    assert len(mailoutbox) == sent


def test_hazards_within_their_deadline_or_closed_are_not_overdue(world, ledger) -> None:
    hazard = ledger.rectifying()
    call_command("sweep_overdue", "--date", hazard.deadline.isoformat())
    hazard.refresh_from_db()
    assert not hazard.is_overdue


def test_due_soon_reminder_goes_to_the_enterprise(world, ledger, settings) -> None:
    hazard = ledger.rectifying()
    day = hazard.deadline - dt.timedelta(days=settings.DUE_SOON_DAYS)
    call_command("sweep_overdue", "--date", day.isoformat())
    assert set(Notification.objects.filter(kind="due_soon").values_list("user__username", flat=True)) == {
        "alpha-officer",
        "alpha-head",
    }


def test_notifications_page_shows_only_mine_and_marks_them_read(world, ledger, client) -> None:
    hazard = ledger.rectifying()
    call_command("sweep_overdue", "--date", (hazard.deadline + dt.timedelta(days=1)).isoformat())
    client.force_login(world.a.officer)
    page = client.get("/notifications/", headers={"Accept-Language": "en"}).content.decode()
    assert hazard.code in page
    client.post("/notifications/")
    assert not Notification.objects.filter(user=world.a.officer, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=world.a.committee, read_at__isnull=True).exists()


def test_approved_extension_beyond_today_clears_overdue(world, ledger) -> None:
    hazard = ledger.rectifying()
    Hazard.objects.filter(pk=hazard.pk).update(is_overdue=True)
    hazard.refresh_from_db()
    hazard_request_extension(
        actor=world.a.officer,
        hazard=hazard,
        new_deadline=timezone.localdate() + dt.timedelta(days=90),
        reason="设备未到",
    )
    hazard_decide_extension(actor=world.a.committee, hazard=hazard, approved=True)
    hazard.refresh_from_db()
    assert not hazard.is_overdue


def test_every_scheduled_job_names_a_registered_task(settings) -> None:
    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name


@pytest.mark.celery
def test_the_sweep_runs_as_a_real_celery_task(live_worker) -> None:
    result = sweep_overdue.delay().get(timeout=60)
    assert set(result) == {"newly_overdue", "notifications"}
