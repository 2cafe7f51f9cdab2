"""Notices that arrive: each event notifies at once through an outbox written in its transaction; e-mail and
the tenant's webhook are delivered by Celery, retried through outages, shown to the tenant administrator
while they fail, and delivered once; users choose channels per kind; notices read in the reader's language."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.rls import tenant_context
from disclosure.tipoffs import tipoff_file
from hazards.models import Hazard, NoticeAttempt, NoticeDelivery, NoticeWebhook, Notification
from hazards.services import (
    hazard_handover,
    hazard_list_supervision,
    hazard_plan,
    hazard_submit,
    hazard_verify,
)
from hazards.services.deliveries import deliveries_run
from hazards.services.webhooks import SIGNATURE_HEADER, notice_webhook_set
from hazards.tasks import deliver_pending_notices

from ..conftest import TenantWorld, World
from ..factories import photo
from .notice_servers import Switchable, hook_server, smtp_server

TEMPLATE = '{"mobile": "{phone}", "content": "{title}: {text} {url}"}'
SECRET = "hook-secret-0042"


def _contacts(w: TenantWorld) -> None:
    for number, user in enumerate((w.officer, w.head, w.inspector, w.committee, w.admin)):
        user.email, user.phone = f"{user.username}@example.gov.cn", f"1380000000{number}"
        user.save()


def _told(kind: str, hazard: Hazard | None = None) -> set[str]:
    rows = Notification.objects.filter(kind=kind)
    if hazard is not None:
        rows = rows.filter(hazard=hazard)
    return set(rows.values_list("user__username", flat=True))


@pytest.fixture
def hooked(world: World) -> Iterator[Switchable]:
    """Tenant A's webhook, posting to a receiver on loopback."""
    server = hook_server()
    notice_webhook_set(
        actor=world.a.admin,
        url=f"http://127.0.0.1:{server.port}/sms",
        body_template=TEMPLATE,
        secret=SECRET,
        is_active=True,
    )
    yield server
    server.stop()


def test_each_event_notifies_at_once_with_its_outbox_rows(world: World, ledger: Any) -> None:
    w = world.a
    _contacts(w)
    hazard = hazard_handover(
        actor=w.committee, hazard=ledger.confirmed(), region=w.city, departments=[w.department]
    )
    assert {"alpha-inspector", "alpha-committee"} <= _told("handover", hazard)
    soon = timezone.localdate() + dt.timedelta(days=1)
    hazard = hazard_plan(
        actor=w.officer,
        hazard=hazard,
        responsible_person="周明远",
        measures="加装紧急切断阀",
        funds=Decimal(1000),
        deadline=soon,
        contingency_plan="停用",
    )
    assert _told("due_soon", hazard) == {"alpha-officer", "alpha-head"}
    hazard = hazard_submit(actor=w.officer, hazard=hazard, report="已加装", evidence=[photo()])
    assert {"alpha-inspector", "alpha-committee"} <= _told("submitted", hazard)
    assert "alpha-officer" not in _told("submitted", hazard)
    hazard = hazard_verify(actor=w.inspector, hazard=hazard, accepted=False, note="切断阀未联锁")
    assert _told("rejected", hazard) == {"alpha-officer", "alpha-head"}
    rejected = Notification.objects.get(kind="rejected", user=w.officer)
    assert "切断阀未联锁" in rejected.text
    hazard_list_supervision(
        actor=w.committee,
        hazard=hazard,
        level="municipal",
        deadline=timezone.localdate() + dt.timedelta(days=20),
    )
    assert {"alpha-officer", "alpha-head", "alpha-inspector"} <= _told("listed", hazard)
    tip = tipoff_file(
        tenant=w.tenant, region=w.county, description="仓库夜间违规存放危化品", client_address="192.0.2.9"
    )
    assert _told("tip_off_received") == {"alpha-committee"}
    assert tip.tracking_code in Notification.objects.get(kind="tip_off_received").text
    # Every notice to someone with an e-mail address has its e-mail waiting in the outbox already.
    for notice in Notification.objects.filter(tenant=w.tenant):
        assert notice.deliveries.filter(channel="email", status="pending").count() == 1, notice.kind
    assert not Notification.objects.filter(tenant=world.b.tenant).exists()


def test_a_rolled_back_event_leaves_no_notice_and_nothing_to_deliver(world: World, ledger: Any) -> None:
    w = world.a
    _contacts(w)
    hazard = ledger.confirmed()
    with pytest.raises(RuntimeError), transaction.atomic():
        hazard_handover(actor=w.committee, hazard=hazard, region=w.city, departments=[w.department])
        assert Notification.objects.filter(kind="handover").exists()
        raise RuntimeError("the request fails after the handover")
    assert not Notification.objects.filter(kind="handover").exists()
    assert not NoticeDelivery.objects.exists()


def test_notices_read_and_are_sent_in_the_readers_language(
    world: World, ledger: Any, client: Any, mailoutbox
) -> None:
    w = world.a
    _contacts(w)
    w.committee.language = "zh-hans"
    w.committee.save()
    w.inspector.language = "en"
    w.inspector.save()
    hazard = hazard_handover(
        actor=w.committee, hazard=ledger.confirmed(), region=w.city, departments=[w.department]
    )
    # Written while English was active; a Chinese reader reads it in Chinese, an English one in English.
    client.force_login(w.committee)
    page = client.get(reverse("notifications"), headers={"accept-language": "zh-hans"}).content.decode()
    assert "移交给您" in page and hazard.code in page
    client.force_login(w.inspector)
    page = client.get(reverse("notifications"), headers={"accept-language": "en"}).content.decode()
    assert "Handed over to you" in page
    deliveries_run(tenant=w.tenant)
    by_recipient = {message.to[0]: message for message in mailoutbox}
    assert "移交给您" in by_recipient[w.committee.email].body
    assert by_recipient[w.committee.email].subject == "隐患台账通知"
    assert "Handed over to you" in by_recipient[w.inspector.email].body
    # A notice written before message keys existed is still read as it was written.
    old = Notification.objects.create(
        tenant=w.tenant,
        user=w.inspector,
        kind="overdue",
        message="旧的通知文本",
        created_at=timezone.now(),
        sent_on=timezone.localdate(),
    )
    assert old.text == "旧的通知文本"


def test_users_choose_channels_per_kind_but_in_app_always_stays(
    world: World, ledger: Any, api: Any, hooked
) -> None:
    w = world.a
    _contacts(w)
    response = api.as_user(w.committee).put(
        "/api/v1/notices/preferences/",
        {"channels": [{"kind": "handover", "email": False, "webhook": True, "in_app": False}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    row = next(c for c in response.json()["channels"] if c["kind"] == "handover")
    assert row == {**row, "email": False, "webhook": True, "in_app": True}
    api.as_user(w.inspector).put(
        "/api/v1/notices/preferences/",
        {"channels": [{"kind": "handover", "email": True, "webhook": False}]},
        format="json",
    )
    hazard = hazard_handover(
        actor=w.committee, hazard=ledger.confirmed(), region=w.city, departments=[w.department]
    )
    channels = {
        (d.user.username, d.channel) for d in NoticeDelivery.objects.filter(notification__hazard=hazard)
    }
    assert ("alpha-committee", "webhook") in channels and ("alpha-committee", "email") not in channels
    assert ("alpha-inspector", "email") in channels and ("alpha-inspector", "webhook") not in channels
    assert {"alpha-committee", "alpha-inspector"} <= _told("handover", hazard)  # in-app regardless
    refused = api.as_user(w.committee).put(
        "/api/v1/notices/preferences/",
        {"channels": [{"kind": "nonsense", "email": True, "webhook": True}]},
        format="json",
    )
    assert refused.status_code == 400 and "channels" in refused.json()


def test_the_webhook_posts_the_template_signed_with_the_users_phone(
    world: World, ledger: Any, hooked
) -> None:
    w = world.a
    _contacts(w)
    hazard = hazard_handover(
        actor=w.committee, hazard=ledger.confirmed(), region=w.city, departments=[w.department]
    )
    result = deliveries_run(tenant=w.tenant)
    assert not result.failed
    bodies = {json.loads(body)["mobile"]: (headers, body) for _path, headers, body in hooked.received}
    headers, body = bodies[w.inspector.phone]
    assert hazard.code in json.loads(body)["content"]
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == f"sha256={expected}"
    # Sent means sent: the next run finds nothing to send.
    count = len(hooked.received)
    assert deliveries_run(tenant=w.tenant).sent == []
    assert len(hooked.received) == count


def test_only_the_tenant_admin_configures_the_webhook_and_never_reads_the_secret(
    world: World, api: Any
) -> None:
    w = world.a
    url = "/api/v1/notices/webhook/"
    good = {"url": "http://127.0.0.1:9/send", "body_template": TEMPLATE, "secret": SECRET}
    assert api.as_user(w.committee).put(url, good, format="json").status_code == 403
    assert api.as_user(w.committee).get(url).status_code == 403
    for bad_url in (
        "ftp://sms.example.gov.cn/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fe80::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://metadata.google.internal/",
    ):
        refused = api.as_user(w.admin).put(url, {**good, "url": bad_url}, format="json")
        assert refused.status_code == 400 and "url" in refused.json(), bad_url
    refused = api.as_user(w.admin).put(url, {**good, "body_template": '{"a": "{bogus}"}'}, format="json")
    assert refused.status_code == 400 and "body_template" in refused.json()
    refused = api.as_user(w.admin).put(url, {**good, "body_template": '{"a": {text}}'}, format="json")
    assert refused.status_code == 400 and "body_template" in refused.json()
    assert not NoticeWebhook.objects.exists()
    saved = api.as_user(w.admin).put(url, good, format="json")
    assert saved.status_code == 200
    shown = api.as_user(w.admin).get(url)
    assert SECRET not in shown.content.decode() and shown.json()["secret_hint"].endswith(SECRET[-2:])
    # Leaving the secret out keeps it; the other tenant's admin sees only its own (none).
    kept = {"url": good["url"], "body_template": TEMPLATE, "is_active": False}
    assert api.as_user(w.admin).put(url, kept, format="json").status_code == 200
    assert NoticeWebhook.objects.get(tenant=w.tenant).secret == SECRET
    assert api.as_user(world.b.admin).get(url).json()["url"] == ""


def test_the_outbox_is_the_tenant_admins_alone(world: World, ledger: Any, api: Any) -> None:
    w = world.a
    _contacts(w)
    hazard_handover(actor=w.committee, hazard=ledger.confirmed(), region=w.city, departments=[w.department])
    delivery = NoticeDelivery.objects.filter(tenant=w.tenant).first()
    assert delivery is not None
    listed = api.as_user(w.admin).get("/api/v1/notices/deliveries/?status=pending").json()
    assert delivery.pk in {row["id"] for row in listed["results"]}
    assert api.as_user(w.admin).get("/api/v1/notices/deliveries/?status=bogus").status_code == 400
    assert api.as_user(w.committee).get("/api/v1/notices/deliveries/").status_code == 403
    assert api.as_user(world.b.admin).get("/api/v1/notices/deliveries/").json()["results"] == []
    assert api.as_user(world.b.admin).get(f"/api/v1/notices/deliveries/{delivery.pk}/").status_code == 404
    assert (
        api.as_user(world.b.admin).post(f"/api/v1/notices/deliveries/{delivery.pk}/retry/").status_code == 404
    )
    # Retrying what has not failed is the wrong state.
    assert api.as_user(w.admin).post(f"/api/v1/notices/deliveries/{delivery.pk}/retry/").status_code == 409


def test_the_pages_are_for_their_users(world: World, client: Any) -> None:
    w = world.a
    client.force_login(w.officer)
    assert client.get(reverse("notice-preferences")).status_code == 200
    response = client.post(reverse("notice-preferences"), {"language": "en", "handover:webhook": "on"})
    assert response.status_code == 302
    w.officer.refresh_from_db()
    assert w.officer.language == "en"
    assert w.officer.notice_preferences.get(kind="handover").email is False
    assert client.get(reverse("notice-deliveries")).status_code == 403
    client.force_login(w.admin)
    assert client.get(reverse("notice-deliveries")).status_code == 200


# ------------------------------------------------------------------ outages, with a real worker


def _wait(predicate: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.25)
    raise AssertionError("timed out")


@pytest.fixture
def outage(world: World, ledger: Any, settings: Any) -> Iterator[dict[str, Any]]:
    """Tenant A with contacts, a confirmed major hazard, a webhook and a mail server; both servers down."""
    w = world.a
    _contacts(w)
    smtp, hook = smtp_server(), hook_server()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp.port, "timeout": 5},
        }
    }
    settings.NOTICE_RETRY_SECONDS, settings.NOTICE_RETRY_MAX_SECONDS = 1, 2
    notice_webhook_set(
        actor=w.admin,
        url=f"http://127.0.0.1:{hook.port}/sms",
        body_template=TEMPLATE,
        secret="",
        is_active=True,
    )
    hazard = ledger.confirmed()
    clients = {}
    for admin in (w.admin, world.b.admin):
        clients[admin.username] = Client(headers={"accept-language": "en"})
        clients[admin.username].force_login(admin)
    smtp.stop()
    hook.stop()
    yield {"smtp": smtp, "hook": hook, "hazard": hazard, "clients": clients}
    for server in (smtp, hook):
        with contextlib.suppress(Exception):  # already down
            server.stop()


@pytest.mark.celery
def test_mail_and_webhook_outages_are_retried_shown_to_the_admin_and_delivered_once(
    live_worker: Any, world: World, outage: dict[str, Any], app_role_connection: str
) -> None:
    w = world.a

    def failed_as(user: Any) -> list[dict[str, Any]]:
        # The sessions were signed in before the app role took over; each request runs as its user's tenant.
        response = outage["clients"][user.username].get("/api/v1/notices/deliveries/?status=failed")
        return response.json()["results"]

    smtp, hook = outage["smtp"], outage["hook"]
    with tenant_context(w.tenant):  # as a request would: the event commits, its deliveries are enqueued
        hazard_handover(actor=w.committee, hazard=outage["hazard"], region=w.city, departments=[w.department])

    def deliveries() -> list[NoticeDelivery]:
        with tenant_context(w.tenant):
            return list(NoticeDelivery.objects.select_related("user"))

    expected = len(deliveries())
    assert expected >= 4  # the inspector and the committee, by e-mail and by webhook

    _wait(lambda: all(d.status == "failed" and d.attempts >= 1 for d in deliveries()))
    failed = failed_as(w.admin)
    assert {row["channel"] for row in failed} == {"email", "webhook"}
    assert all(row["last_error"] for row in failed)
    assert failed_as(world.b.admin) == []
    _wait(lambda: all(d.attempts >= 2 for d in deliveries()))  # retried on their own while down
    assert smtp.received == [] and hook.received == []

    smtp.start()
    hook.start()
    _wait(lambda: all(d.status == "sent" for d in deliveries()))
    deliver_pending_notices.delay().get(timeout=30)  # the periodic sweep finds nothing left to send
    time.sleep(2)
    email_to = sorted(recipient for recipients, _body in smtp.received for recipient in recipients)
    sent_by_mail = sorted(d.user.email for d in deliveries() if d.channel == "email")
    assert email_to == sent_by_mail  # each address exactly once
    phones = sorted(json.loads(body)["mobile"] for _path, _headers, body in hook.received)
    assert phones == sorted(d.user.phone for d in deliveries() if d.channel == "webhook")
    assert len(email_to) + len(phones) == expected
    with tenant_context(w.tenant):
        for delivery in NoticeDelivery.objects.all():
            attempts = list(NoticeAttempt.objects.filter(delivery=delivery).order_by("number"))
            assert [a.ok for a in attempts] == [False] * (len(attempts) - 1) + [True]
    assert failed_as(w.admin) == []
    assert not mail.outbox  # the real SMTP server got them, not the test backend


def test_a_delivery_is_claimed_by_one_worker_only_and_never_after_it_went(world: World, ledger: Any) -> None:
    from hazards.services.deliveries import _claim

    w = world.a
    _contacts(w)
    hazard_handover(actor=w.committee, hazard=ledger.confirmed(), region=w.city, departments=[w.department])
    delivery = NoticeDelivery.objects.filter(tenant=w.tenant).earliest("pk")
    now = timezone.now()
    assert _claim(delivery.pk, now) is True
    assert _claim(delivery.pk, now) is False  # the second worker finds it taken
    NoticeDelivery.objects.filter(pk=delivery.pk).update(status="sent")
    later = now + dt.timedelta(days=1)
    assert _claim(delivery.pk, later) is False
