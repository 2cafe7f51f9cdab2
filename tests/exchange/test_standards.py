"""Standards flow down over real HTTP: the national tenant publishes versions; each province pulls what it has
not applied (signed both ways, chained, schema-checked, idempotent, retried after an outage); a province never
edits a national standard, adds local ones beside them, and never sees another province's local standard."""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction

from core.errors import PermissionDeniedError
from core.rls import tenant_context
from exchange.demo import NATIONAL_STAFF
from exchange.format import SIGNATURE_HEADER, signature
from exchange.models import StandardRelease, StandardsPull, UpwardLink
from exchange.national import exchange_connect, national_tenant_create
from exchange.standards import (
    StandardInput,
    StandardsRefused,
    standard_release_publish,
    standard_release_publish_library,
    standards_apply,
    standards_pull,
    standards_url,
)
from exchange.standards_format import request_signature
from hazards.models import Criterion, Hazard, Standard
from hazards.services import hazard_confirm
from hazards.services.standards import CriterionInput, criterion_revise, standard_create
from organizations.choices import Role
from organizations.models import Membership, Region, Tenant, User
from tests.factories import UserFactory

from .test_exchange import Receiver

CHEM = "hazardous-chemicals-2017"


@dataclass
class National:
    tenant: Tenant
    staff: User


@pytest.fixture
def receiver(transactional_db: None) -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def national(world: Any, standards: None, receiver: Receiver) -> National:
    """The national tenant in this deployment, both provinces linked to it over loopback HTTP, and the
    shipped library published as version 1."""
    tenant = national_tenant_create()
    for province in (world.a.tenant, world.b.tenant):
        exchange_connect(national=tenant, province=province, url=receiver.url)
    staff = UserFactory.create(username=NATIONAL_STAFF[0], tenant=tenant)
    Membership.objects.create(
        tenant=tenant,
        user=staff,
        role=Role.COMMITTEE_STAFF,
        region=Region.objects.get(tenant=tenant, code="100000"),
    )
    standard_release_publish_library(national=tenant)
    return National(tenant, staff)


def _new_chemicals_version(supersedes: str = CHEM) -> StandardInput:
    return StandardInput(
        industry="hazardous_chemicals",
        name="化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（2026）",
        version="2026",
        effective_date=dt.date(2026, 12, 1),
        coverage="partial",
        criteria=[
            CriterionInput("1", "第一条", "新版判定第一项"),
            CriterionInput("2", "第二条", "新版判定第二项"),
        ],
        supersedes=supersedes,
    )


def _pull_state(tenant: Tenant) -> StandardsPull:
    with tenant_context(tenant):
        return StandardsPull.objects.get(tenant=tenant)


@pytest.mark.django_db(transaction=True)
def test_a_published_version_reaches_a_province_over_http_once_and_supersedes_the_old(
    world: Any, ledger: Any, national: National, receiver: Receiver, app_role_connection: str
) -> None:
    """As production runs: the national web server and the province's pull connect as the RLS role."""
    province = world.a.tenant
    with tenant_context(province):
        cited = ledger.confirmed("major")  # cites the 2017 chemicals standard
    receiver.start()
    first = standards_pull(tenant=province)
    assert (first.failed, first.applied, first.seq) == ("", 1, 1)

    with tenant_context(national.tenant):
        release = standard_release_publish(
            actor=national.staff, standards=[_new_chemicals_version()], retire=[]
        )
    assert release.seq == 2
    pulled = standards_pull(tenant=province)
    assert (pulled.failed, pulled.applied, pulled.releases) == ("", 1, [2])
    new = Standard.objects.get(key="hazardous-chemicals-2026")
    old = Standard.objects.get(key=CHEM)
    assert (new.local_tenant_id, new.is_current, new.supersedes_id, old.is_current) == (
        None,
        True,
        old.pk,
        False,
    )
    assert list(new.criteria.values_list("number", "text")) == [
        ("1", "新版判定第一项"),
        ("2", "新版判定第二项"),
    ]
    with tenant_context(province):
        criterion_id = Hazard.objects.values_list("criterion_id", flat=True).get(pk=cited.pk)
    assert Criterion.objects.get(pk=criterion_id).standard_id == old.pk  # the citation stays

    # Pulling again changes nothing, and says so.
    before = (Standard.objects.count(), Criterion.objects.count())
    again = standards_pull(tenant=province)
    assert (again.failed, again.applied, again.seq) == ("", 0, 2)
    assert (Standard.objects.count(), Criterion.objects.count()) == before
    state = _pull_state(province)
    assert (state.last_seq, state.last_error, state.failures) == (2, "", 0)
    assert state.last_result == "up to date at version 2" and state.last_success_at is not None

    # The other province, in the same deployment, pulls the same versions: the same rows, its own cursor.
    other = standards_pull(tenant=world.b.tenant)
    assert (other.failed, other.applied, other.seq) == ("", 2, 2)
    assert (Standard.objects.count(), Criterion.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_a_pull_while_the_national_system_is_down_is_recorded_and_the_retry_gets_everything(
    world: Any, national: National, receiver: Receiver
) -> None:
    province = world.a.tenant
    with tenant_context(national.tenant):
        standard_release_publish(actor=national.staff, standards=[_new_chemicals_version()], retire=[])
    failed = standards_pull(tenant=province)
    assert "Connection refused" in failed.failed and failed.applied == 0
    state = _pull_state(province)
    assert (state.last_seq, state.failures, state.last_result) == (0, 1, "failed")
    assert "Connection refused" in state.last_error and state.last_success_at is None
    assert not Standard.objects.filter(key="hazardous-chemicals-2026").exists()

    receiver.start()
    retried = standards_pull(tenant=province)
    assert (retried.failed, retried.releases) == ("", [1, 2])
    state = _pull_state(province)
    assert (state.last_seq, state.failures, state.last_error) == (2, 0, "")
    assert Standard.objects.get(key="hazardous-chemicals-2026").is_current


@pytest.mark.django_db(transaction=True)
def test_the_national_system_refuses_a_request_not_signed_with_the_provinces_key(
    world: Any, national: National, receiver: Receiver
) -> None:
    receiver.start()
    province = world.a.tenant
    with tenant_context(province):
        link = UpwardLink.objects.get(tenant=province)
    url = standards_url(receiver.url) + "?after=0"

    def ask(signed: str) -> int:
        request = urllib.request.Request(  # noqa: S310 - loopback
            url, headers={"Authorization": f"Token {link.token}", SIGNATURE_HEADER: signed}
        )
        try:
            with urllib.request.urlopen(request) as answer:  # noqa: S310 - loopback
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return error.code

    assert ask(request_signature(0, "not-the-key")) == 403
    assert ask(request_signature(1, link.key)) == 403  # signed for another cursor
    assert ask(request_signature(0, link.key)) == 200
    # A province holding the wrong key is refused and applies nothing.
    with tenant_context(province):
        UpwardLink.objects.filter(tenant=province).update(key="not-the-key")
    refused = standards_pull(tenant=province)
    assert refused.failed.startswith("HTTP 403") and _pull_state(province).last_seq == 0


class _Between(http.server.BaseHTTPRequestHandler):
    """Sits between a province and the national feed: passes each answer on as `rewrite` changes it."""

    upstream = ""

    def rewrite(self, body: bytes, signed: str) -> tuple[bytes, str]:
        raise NotImplementedError

    def do_GET(self) -> None:
        request = urllib.request.Request(  # noqa: S310 - loopback
            self.upstream + self.path.split("/standards/", 1)[1],
            headers={name: value for name, value in self.headers.items() if name.lower() != "host"},
        )
        with urllib.request.urlopen(request) as answer:  # noqa: S310 - loopback
            body, signed = self.rewrite(answer.read(), answer.headers[SIGNATURE_HEADER])
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header(SIGNATURE_HEADER, signed)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _Tampering(_Between):
    """A man in the middle: one byte of the answer changed, its signature kept."""

    def rewrite(self, body: bytes, signed: str) -> tuple[bytes, str]:
        return body.replace("重大".encode(), "一般".encode(), 1), signed


def _pull_through(handler: type[_Between], province: Tenant) -> tuple[Any, int]:
    """The province pulls with `handler` between it and the national feed: (the pull's result, how many
    standards the deployment held before it)."""
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        with tenant_context(province):
            UpwardLink.objects.filter(tenant=province).update(
                url=f"http://127.0.0.1:{proxy.server_port}/api/exchange/v1/batches/"
            )
        before = Standard.objects.count()
        return standards_pull(tenant=province), before
    finally:
        proxy.shutdown()


@pytest.mark.django_db(transaction=True)
def test_a_province_refuses_an_answer_whose_signature_does_not_match(
    world: Any, national: National, receiver: Receiver
) -> None:
    receiver.start()
    _Tampering.upstream = standards_url(receiver.url)
    province = world.a.tenant
    result, before = _pull_through(_Tampering, province)
    assert "signature does not match" in result.failed
    assert _pull_state(province).last_seq == 0 and Standard.objects.count() == before


class _Malformed(_Between):
    """An upstream that signs correctly with the province's key but answers outside the schema: every
    release loses its standards' criteria."""

    key = ""

    def rewrite(self, body: bytes, signed: str) -> tuple[bytes, str]:
        document = json.loads(body)
        for release in document["releases"]:
            for standard in release["standards"]:
                del standard["criteria"]
        changed = json.dumps(document).encode()
        return changed, f"sha256={signature(changed, self.key)}"


@pytest.mark.django_db(transaction=True)
def test_a_province_refuses_a_signed_answer_that_breaks_the_schema_and_names_the_field(
    world: Any, national: National, receiver: Receiver
) -> None:
    receiver.start()
    province = world.a.tenant
    with tenant_context(province):
        link = UpwardLink.objects.get(tenant=province)
    _Malformed.upstream, _Malformed.key = standards_url(receiver.url), link.key
    result, before = _pull_through(_Malformed, province)
    assert "releases/0/standards/0: 'criteria' is a required property" in result.failed
    assert _pull_state(province).last_seq == 0 and Standard.objects.count() == before
    with pytest.raises(StandardsRefused, match="'criteria' is a required property"):
        standards_apply(tenant=province, releases=[{**_releases(national)[0], "standards": [{}]}])
    assert _pull_state(province).last_seq == 0


def _releases(national: National) -> list[dict[str, Any]]:
    with tenant_context(national.tenant):
        return [
            json.loads(body)
            for body in StandardRelease.objects.order_by("seq").values_list("body", flat=True)
        ]


def test_only_national_committee_staff_publish_and_a_published_version_never_changes(
    world: Any, national: National, app_role_connection: str
) -> None:
    tenant, staff = national.tenant, national.staff
    with tenant_context(world.a.tenant), pytest.raises(PermissionDeniedError):
        standard_release_publish(actor=world.a.committee, standards=[_new_chemicals_version()], retire=[])
    with tenant_context(tenant):
        with pytest.raises(ValidationError) as refused:
            standard_release_publish(actor=staff, standards=[_new_chemicals_version("no-such")], retire=[])
        assert "supersedes" in refused.value.message_dict
        release = standard_release_publish(actor=staff, standards=[], retire=["fireworks-2017"])
        assert release.seq == 2
        with pytest.raises(ValidationError):  # already retired
            standard_release_publish(actor=staff, standards=[], retire=["fireworks-2017"])
    # The application role may not rewrite or remove a published version.
    for statement in (
        "UPDATE exchange_standardrelease SET note = 'x'",
        "DELETE FROM exchange_standardrelease",
    ):
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            tenant_context(tenant),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)


def test_a_province_cannot_edit_a_national_standard_in_service_page_or_api(
    world: Any, chem_criterion: Criterion, client: Any, api: Any
) -> None:
    admin = world.a.admin
    national = chem_criterion.standard
    industry = world.a.industries["hazardous_chemicals"]
    with tenant_context(world.a.tenant):
        with pytest.raises(PermissionDeniedError):
            standard_create(
                actor=admin,
                industry=industry,
                name="改版",
                document_number="",
                effective_date=dt.date(2026, 1, 1),
                version="x",
                coverage="partial",
                criteria=[CriterionInput("1", "第一条", "x")],
                supersedes=national,
            )
        with pytest.raises(PermissionDeniedError):
            criterion_revise(actor=admin, criterion=chem_criterion, clause="第一条", text="改写")
    client.force_login(admin)
    assert client.get(f"/standards/new/?supersedes={national.pk}").status_code == 403
    assert (
        client.post(f"/criteria/{chem_criterion.pk}/revise/", {"clause": "a", "text": "b"}).status_code == 403
    )
    api.as_user(admin)
    assert api.patch(f"/api/v1/standards/{national.pk}/", {"name": "x"}, format="json").status_code == 405


def test_the_database_refuses_the_application_role_any_edit_of_a_national_standard(
    world: Any, chem_criterion: Criterion, app_role_connection: str
) -> None:
    national = chem_criterion.standard
    refused: list[tuple[str, list[int]]] = [
        ("UPDATE hazards_standard SET name = 'x' WHERE id = %s", [national.pk]),
        ("UPDATE hazards_standard SET local_tenant_id = %s WHERE id = %s", [world.a.tenant.pk, national.pk]),
        ("UPDATE hazards_standard SET is_current = true WHERE id = %s", [national.pk]),
        ("DELETE FROM hazards_standard WHERE id = %s", [national.pk]),
        ("UPDATE hazards_criterion SET text = 'x' WHERE id = %s", [chem_criterion.pk]),
        ("UPDATE hazards_criterion SET retired = false WHERE id = %s", [chem_criterion.pk]),
        ("DELETE FROM hazards_criterion WHERE id = %s", [chem_criterion.pk]),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        # What a later national release does is allowed: a standard stops being current, an item retires.
        cursor.execute("UPDATE hazards_standard SET is_current = false WHERE id = %s", [national.pk])
        cursor.execute("UPDATE hazards_criterion SET retired = true WHERE id = %s", [chem_criterion.pk])
    for statement, values in refused:
        trigger = "national standard|keeps its tenant"  # the refusal is the trigger's, not a missing grant
        with pytest.raises(DatabaseError, match=trigger), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, values)
    national.refresh_from_db()
    assert national.name != "x" and national.local_tenant_id is None and not national.is_current


def test_a_local_standard_stands_beside_the_national_ones_and_both_can_be_cited_but_no_other_province_sees_it(
    world: Any, ledger: Any, chem_criterion: Criterion, client: Any, api: Any
) -> None:
    with tenant_context(world.a.tenant):
        local = standard_create(
            actor=world.a.admin,
            industry=world.a.industries["hazardous_chemicals"],
            name="辽宁省危险化学品重大隐患补充判定",
            document_number="辽安委〔2026〕1号",
            effective_date=dt.date(2026, 3, 1),
            version="2026",
            coverage="complete",
            criteria=[CriterionInput("1", "第一条", "地方判定一")],
        )
        local_item = local.criteria.get()
        hazard_confirm(actor=world.a.inspector, hazard=ledger.reported(), level="major", criterion=local_item)
        hazard_confirm(
            actor=world.a.inspector, hazard=ledger.reported(), level="major", criterion=chem_criterion
        )
    client.force_login(world.a.inspector)
    page = client.get("/standards/").content.decode()
    assert local.name in page and chem_criterion.standard.name in page
    api.as_user(world.b.admin)
    assert api.get(f"/api/v1/standards/{local.pk}/").status_code == 404
    assert api.get(f"/api/v1/criteria/{local_item.pk}/").status_code == 404
    assert local.name not in api.get("/api/v1/standards/").content.decode()
    client.force_login(world.b.admin)
    assert client.get(f"/standards/{local.pk}/").status_code == 404
    assert client.get(f"/standards/{chem_criterion.standard_id}/").status_code == 200


def test_the_tenant_admin_sees_the_last_pull_and_nobody_else_does(
    world: Any, national: National, api: Any
) -> None:
    standards_pull(tenant=world.a.tenant)  # the receiver is not started: it fails
    answer = api.as_user(world.a.admin).get("/api/v1/exchange/standards-pull/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["last_result"] == "failed" and "Connection refused" in body["last_error"]
    assert body["failures"] == 1 and body["last_attempt_at"]
    assert api.as_user(world.a.committee).get("/api/v1/exchange/standards-pull/").status_code == 403
    assert (
        api.as_user(world.b.admin).get("/api/v1/exchange/standards-pull/").json()["last_attempt_at"] is None
    )


def test_national_staff_list_and_publish_versions_through_the_api(
    world: Any, national: National, api: Any
) -> None:
    api.as_user(national.staff)
    assert [row["seq"] for row in api.get("/api/v1/national/standard-releases/").json()] == [1]
    answer = api.post(
        "/api/v1/national/standard-releases/",
        {
            "note": "危化品新版",
            "standards": [
                {
                    "industry": "hazardous_chemicals",
                    "name": "新版",
                    "version": "2026",
                    "effective_date": "2026-12-01",
                    "coverage": "partial",
                    "supersedes": CHEM,
                    "criteria": [{"number": "1", "clause": "第一条", "text": "一"}],
                }
            ],
        },
        format="json",
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["seq"] == 2
    assert api.as_user(world.a.admin).get("/api/v1/national/standard-releases/").status_code == 403
    assert (
        api.as_user(world.a.admin).post("/api/v1/national/standard-releases/", {}, format="json").status_code
        == 403
    )
    with tenant_context(national.tenant):
        assert StandardRelease.objects.count() == 2


def test_the_standards_schema_is_published_beside_the_batch_schema(client: Any) -> None:
    answer = client.get("/api/exchange/v1/standards/schema/")
    assert answer.status_code == 200
    assert answer.json()["$id"] == "urn:hazard-ledger:exchange:v1:standards"


def test_releases_apply_only_in_their_chain_and_once(world: Any, national: National) -> None:
    with tenant_context(national.tenant):
        standard_release_publish(actor=national.staff, standards=[_new_chemicals_version()], retire=[])
        bodies = [
            json.loads(body)
            for body in StandardRelease.objects.order_by("seq").values_list("body", flat=True)
        ]
    with pytest.raises(StandardsRefused, match="broken chain"):
        standards_apply(tenant=world.a.tenant, releases=[bodies[1]])
    assert standards_apply(tenant=world.a.tenant, releases=bodies).applied == 2
    assert standards_apply(tenant=world.a.tenant, releases=bodies).applied == 0
    with pytest.raises(StandardsRefused, match="broken chain"):
        standards_apply(tenant=world.a.tenant, releases=[{**bodies[1], "seq": 3}])


def test_national_staff_publish_a_new_version_in_the_browser(
    world: Any, national: National, client: Any
) -> None:
    client.force_login(national.staff)
    page = client.get("/national/standards/")
    assert page.status_code == 200 and CHEM in page.content.decode()
    answer = client.post(
        "/national/standards/",
        {
            "form": "publish",
            "publish-supersedes": CHEM,
            "publish-industry": "hazardous_chemicals",
            "publish-name": "危化品判定标准（2026）",
            "publish-effective_date": "2026-12-01",
            "publish-version": "2026",
            "publish-coverage": "partial",
            "publish-criteria": "1 | 第一条 | 新版判定第一项",
            "publish-release_note": "危化品新版",
        },
    )
    assert answer.status_code == 302, answer.content.decode()
    answer = client.post(
        "/national/standards/",
        {"form": "retire", "retire-retire": "fireworks-2017", "retire-release_note": "废止"},
    )
    assert answer.status_code == 302
    with tenant_context(national.tenant):
        assert list(StandardRelease.objects.order_by("seq").values_list("seq", "note")) == [
            (1, "National determination standards, version 1 (the shipped library)."),
            (2, "危化品新版"),
            (3, "废止"),
        ]
    client.force_login(world.a.admin)
    assert client.get("/national/standards/").status_code == 403


def test_the_tenant_admin_sees_the_last_pull_in_the_browser(
    world: Any, national: National, client: Any
) -> None:
    standards_pull(tenant=world.a.tenant)
    client.force_login(world.a.admin)
    page = client.get("/standards/received/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Connection refused" in page.content.decode()
    client.force_login(world.a.committee)
    assert client.get("/standards/received/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_the_daily_task_retries_a_failed_pull_and_then_succeeds(
    world: Any, national: National, receiver: Receiver, settings: Any
) -> None:
    from exchange.tasks import PULL_RETRIES, pull_standards

    province = world.a.tenant
    failed = pull_standards.apply(args=[province.pk])  # eager: each retry runs at once
    assert failed.failed()
    assert _pull_state(province).failures == PULL_RETRIES + 1
    receiver.start()
    succeeded = pull_standards.apply(args=[province.pk])
    assert succeeded.get() == "applied 1 release(s), now at version 1"
    state = _pull_state(province)
    assert (state.failures, state.last_seq, state.last_error) == (0, 1, "")
    assert settings.CELERY_BEAT_SCHEDULE["pull-standards"]["task"] == "exchange.tasks.pull_standards_all"


def test_the_library_is_published_as_version_1_once(world: Any, standards: None) -> None:
    from django.core.management import call_command

    tenant = national_tenant_create()
    call_command("publish_standards_library", "--tenant", tenant.slug)
    call_command("publish_standards_library", "--tenant", tenant.slug)
    with tenant_context(tenant):
        release = StandardRelease.objects.get()
    assert (release.seq, release.standards) == (1, Standard.objects.filter(local_tenant__isnull=True).count())
    assert CHEM in release.body


@pytest.mark.django_db(transaction=True)
def test_the_pull_command_applies_once_and_says_so(
    world: Any, national: National, receiver: Receiver
) -> None:
    import io

    from django.core.management import CommandError, call_command

    slug = world.a.tenant.slug
    with pytest.raises(CommandError, match="Connection refused"):
        call_command("pull_standards", "--tenant", slug)
    receiver.start()
    first, second = io.StringIO(), io.StringIO()
    call_command("pull_standards", "--tenant", slug, stdout=first)
    call_command("pull_standards", "--tenant", slug, stdout=second)
    assert first.getvalue().strip() == f"{slug}: applied 1 release(s), now at version 1"
    assert second.getvalue().strip() == f"{slug}: up to date at version 1"
