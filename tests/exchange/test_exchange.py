"""Upward reporting over real HTTP: a province's changes of major hazards reach the national tenant once, in
order, through outages; the receiver refuses what is unsigned, unchained or malformed and stores nothing."""

from __future__ import annotations

import datetime as dt
import json
import socket
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import LiveServerThread
from django.utils import timezone

from core.rls import tenant_context
from exchange.format import GENESIS, SIGNATURE_HEADER, body_bytes, sha256_hex, signature
from exchange.models import (
    ExchangePartner,
    ReceivedBatch,
    ReportedAggregate,
    ReportedChange,
    ReportedHazard,
    UpwardBatch,
    UpwardRecord,
)
from exchange.national import exchange_connect, national_tenant_create
from exchange.receive import exchange_receive
from exchange.upward import upward_send
from hazards.services import hazard_handover

PERSONAL = ("张三丰", "13912345678")


class Receiver:
    """The national system's web server, on a port of its own, that the test stops and starts again (on the
    same port) as a national system going down and coming back. Started after the test's settings apply."""

    def __init__(self) -> None:
        with socket.socket() as probe:  # a free port, known before the server first starts
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.thread: LiveServerThread | None = None

    def start(self) -> None:
        thread = LiveServerThread("127.0.0.1", StaticFilesHandler, port=self.port)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        self.port, self.thread = thread.port, thread

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.terminate()
            self.thread.join()
            self.thread = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/exchange/v1/batches/"


@pytest.fixture
def receiver(transactional_db: None) -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def national(world: Any, receiver: Receiver) -> Any:
    tenant = national_tenant_create()
    exchange_connect(national=tenant, province=world.a.tenant, url=receiver.url)
    return tenant


def _records(tenant: Any) -> list[UpwardRecord]:
    with tenant_context(tenant):
        return list(UpwardRecord.objects.filter(tenant=tenant).order_by("id"))


def _received(national: Any) -> list[tuple[str, str]]:
    with tenant_context(national):
        return list(ReportedChange.objects.order_by("id").values_list("hazard__code", "action"))


@pytest.mark.django_db(transaction=True)
def test_every_change_arrives_once_in_order_after_the_receiver_comes_back(
    world: Any, ledger: Any, national: Any, receiver: Receiver, app_role_connection: str
) -> None:
    """As production runs: the province's services, the sender and the national web server all connect as
    the row-level-security role."""
    province = world.a.tenant
    with tenant_context(province):
        first = ledger.confirmed("major")
        ledger.reported()  # not major: stays home
    failed = upward_send(tenant=province)
    assert failed.sent_batches == 0 and "Connection refused" in failed.failed
    with tenant_context(province):
        batch = UpwardBatch.objects.get(tenant=province)
    assert batch.state == "failed" and batch.attempts == 1
    assert batch.next_attempt_at is not None and batch.next_attempt_at > timezone.now()

    # Changes made while the receiver is down wait behind the failed batch.
    with tenant_context(province):
        hazard_handover(
            actor=world.a.committee, hazard=first, region=world.a.city, departments=[world.a.department]
        )
        second = ledger.confirmed("major")
    assert upward_send(tenant=province).sent_batches == 0  # the pause has not passed

    receiver.start()
    later = timezone.now() + dt.timedelta(hours=2)
    sent = upward_send(tenant=province, now=later)
    assert sent.failed == "" and sent.sent_batches == 2
    sent_again = upward_send(tenant=province, now=later)
    assert sent_again.sent_batches == 0

    expected = [(record.payload["hazard"], record.payload["action"]) for record in _records(province)]
    assert expected == [(first.code, "confirm"), (first.code, "handover"), (second.code, "confirm")]
    assert _received(national) == expected
    with tenant_context(national):
        assert list(ReceivedBatch.objects.order_by("seq").values_list("seq", flat=True)) == [1, 2]
        reported = ReportedHazard.objects.get(code=first.code)
        assert (reported.province_code, reported.state, reported.level) == ("210000", "handed_over", "major")


@pytest.mark.django_db(transaction=True)
def test_a_batch_delivered_twice_is_accepted_once(
    world: Any, ledger: Any, national: Any, receiver: Receiver
) -> None:
    receiver.start()
    province = world.a.tenant
    ledger.confirmed("major")
    assert upward_send(tenant=province).sent_batches == 1
    with tenant_context(province):
        batch = UpwardBatch.objects.get(tenant=province)
    again = _post(receiver.url, batch.body.encode(), f"sha256={batch.signature}", _token(province))
    assert again[0] == 200 and again[1]["duplicate"] is True
    assert len(_received(national)) == 1


def _token(province: Any) -> str:
    from exchange.models import UpwardLink

    with tenant_context(province):
        return UpwardLink.objects.get(tenant=province).token


def _post(url: str, body: bytes, signed: str, token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Token {token}",
            SIGNATURE_HEADER: signed,
        },
    )
    try:
        with urllib.request.urlopen(request) as answer:  # noqa: S310 - loopback
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _document(**changes: Any) -> dict[str, Any]:
    document = {
        "version": "1",
        "batch_id": "6f1c1b8e-9a55-4f6e-9a51-3f3f0f7f9c01",
        "province": "210000",
        "seq": 1,
        "prev_sha256": GENESIS,
        "created_at": "2026-12-07T01:00:00Z",
        "records": [
            {
                "kind": "monthly_aggregate",
                "record_id": 1,
                "month": "2026-11",
                "region": "210211",
                "industry": "hazardous_chemicals",
                "found": 3,
                "closed": 1,
                "overdue": 0,
                "self_found": 2,
                "department_found": 1,
                "accidents": 0,
            }
        ],
    }
    return {**document, **changes}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("case", "status"),
    [("bad signature", 403), ("broken chain", 409), ("schema violation", 400), ("another province", 400)],
)
def test_the_receiver_refuses_and_stores_nothing(
    world: Any, national: Any, receiver: Receiver, case: str, status: int
) -> None:
    receiver.start()
    province = world.a.tenant
    with tenant_context(national):
        key = ExchangePartner.objects.get(province_code="210000").key
    document = {
        "bad signature": _document(),
        "broken chain": _document(seq=2),
        "schema violation": _document(
            records=[{"kind": "monthly_aggregate", "record_id": 1, "month": "2026-13"}]
        ),
        "another province": _document(province="140000"),
    }[case]
    body = body_bytes(document)
    signed = f"sha256={signature(body, 'not-the-key' if case == 'bad signature' else key)}"
    answer = _post(receiver.url, body, signed, _token(province))
    assert answer[0] == status, answer
    if case == "schema violation":
        assert any(line.startswith("records/0") for line in answer[1]["batch"])
    with tenant_context(national):
        assert not ReceivedBatch.objects.exists()
        assert ExchangePartner.objects.get(province_code="210000").last_seq == 0
    # The same batch, signed and chained right, is taken.
    good = body_bytes(_document())
    assert _post(receiver.url, good, f"sha256={signature(good, key)}", _token(province))[0] == 201
    with tenant_context(national):
        assert ExchangePartner.objects.get(province_code="210000").last_sha256 == sha256_hex(good)


@pytest.mark.django_db(transaction=True)
def test_no_personal_data_reaches_the_national_side(
    world: Any, ledger: Any, national: Any, receiver: Receiver
) -> None:
    receiver.start()
    province = world.a.tenant
    hazard = ledger.reported(
        title=f"{PERSONAL[0]}发现",
        description=f"联系{PERSONAL[0]} {PERSONAL[1]}",
        location=f"{PERSONAL[0]}家后院",
    )
    from hazards.services import hazard_confirm

    hazard_confirm(actor=world.a.inspector, hazard=hazard, level="major", criterion=ledger.criterion)
    assert upward_send(tenant=province).sent_records == 1
    with tenant_context(province):
        sent = " ".join(UpwardBatch.objects.values_list("body", flat=True))
    with tenant_context(national):
        stored = json.dumps(list(ReportedHazard.objects.values()), default=str)
    for text in (sent, stored):
        assert hazard.code in text
        for personal in filter(None, (*PERSONAL, world.a.officer.full_name, world.a.inspector.full_name)):
            assert personal not in text


def test_the_schema_is_published(client: Any) -> None:
    answer = client.get("/api/exchange/v1/schema/")
    assert answer.status_code == 200
    assert answer.json()["properties"]["version"] == {"const": "1"}


def _change(record_id: int, hazard: str, level: str, action: str, state: str, at: str) -> dict[str, Any]:
    return {
        "kind": "hazard_change",
        "record_id": record_id,
        "hazard": hazard,
        "region": "210211",
        "region_name": "甘井子区",
        "industry": "hazardous_chemicals",
        "industry_name": "危险化学品",
        "level": level,
        "state": state,
        "source": "inspection",
        "listed": False,
        "listing_level": "",
        "listing_lifted": False,
        "discovered_at": "2026-11-02T01:00:00Z",
        "deadline": None,
        "closed_at": "2026-11-20T01:00:00Z" if state == "closed" else None,
        "overdue": False,
        "action": action,
        "at": at,
    }


@pytest.mark.django_db(transaction=True)
def test_a_batch_applies_its_records_in_order_as_if_one_after_another(world: Any, national: Any) -> None:
    """Within one batch: a grading to general of an unknown hazard is skipped until a later record makes it
    major, a hazard's later record wins, its changes keep the batch's order, and a cell's last figures win;
    the next batch updates what the first stored."""
    with tenant_context(national):
        partner = ExchangePartner.objects.get(province_code="210000")
    cell = _document()["records"][0]
    first = _document(
        records=[
            _change(1, "H1", "general", "confirm", "confirmed", "2026-11-02T02:00:00Z"),
            _change(2, "H2", "major", "confirm", "confirmed", "2026-11-02T03:00:00Z"),
            {**cell, "record_id": 3},
            _change(4, "H2", "major", "handover", "handed_over", "2026-11-03T03:00:00Z"),
            _change(5, "H1", "major", "confirm", "confirmed", "2026-11-04T03:00:00Z"),
            {**cell, "record_id": 6, "found": 5},
        ]
    )
    body = body_bytes(first)
    receipt = exchange_receive(
        actor=partner.user, body=body, signature_header=f"sha256={signature(body, partner.key)}"
    )
    assert (receipt.applied, receipt.skipped) == (5, [1])
    second = _document(
        batch_id="6f1c1b8e-9a55-4f6e-9a51-3f3f0f7f9c02",
        seq=2,
        prev_sha256=sha256_hex(body),
        records=[
            _change(7, "H2", "major", "close", "closed", "2026-11-20T01:00:00Z"),
            {**cell, "record_id": 8, "found": 7},
        ],
    )
    body = body_bytes(second)
    receipt = exchange_receive(
        actor=partner.user, body=body, signature_header=f"sha256={signature(body, partner.key)}"
    )
    assert (receipt.applied, receipt.skipped) == (2, [])
    assert _received(national) == [("H2", "confirm"), ("H2", "handover"), ("H1", "confirm"), ("H2", "close")]
    with tenant_context(national):
        states = dict(ReportedHazard.objects.values_list("code", "state"))
        assert states == {"H1": "confirmed", "H2": "closed"}
        h2 = ReportedHazard.objects.get(code="H2")
        assert h2.closed_on == dt.date(2026, 11, 20) and h2.changed_at == dt.datetime(
            2026, 11, 20, 1, tzinfo=dt.UTC
        )
        assert list(ReportedAggregate.objects.values_list("month", "region_code", "found")) == [
            (dt.date(2026, 11, 1), "210211", 7)
        ]
