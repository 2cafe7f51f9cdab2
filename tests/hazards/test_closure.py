"""Closure acceptance (销号验收): verifying a major hazard records the on-site acceptance and freezes the
closure report PDF with its SHA-256."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection

from core.rls import tenant_context
from hazards.choices import HazardAction, HazardState
from hazards.models import ClosureAcceptance, ClosureReport, Evidence, Hazard, HazardEvent, Verification
from hazards.services import hazard_submit, hazard_verify

from ..factories import acceptance, photo

EN = {"Accept-Language": "en"}


@pytest.fixture
def pending(world: Any, ledger: Any) -> Hazard:
    """A major hazard of alpha's chemical enterprise, handed over to alpha's department, to be verified."""
    return hazard_submit(
        actor=world.a.officer, hazard=ledger.rectifying(), report="已加装紧急切断阀", evidence=[photo()]
    )


def _pdf_text(content: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) reads the report back"
    result = subprocess.run([pdftotext, "-", "-"], input=content, capture_output=True, check=True)
    return result.stdout.decode()


def _nothing_changed(hazard: Hazard) -> None:
    hazard.refresh_from_db()
    assert hazard.state == HazardState.PENDING_VERIFICATION
    assert not Verification.objects.filter(hazard=hazard).exists()
    assert not ClosureAcceptance.objects.filter(hazard=hazard).exists()
    assert not ClosureReport.objects.filter(hazard=hazard).exists()
    assert not HazardEvent.objects.filter(hazard=hazard, action=HazardAction.VERIFY).exists()


def test_accepting_a_major_hazard_records_the_acceptance_and_freezes_the_report(world, pending) -> None:
    w = world.a
    attachment = SimpleUploadedFile("验收记录.png", photo().read(), content_type="image/png")
    hazard = hazard_verify(
        actor=w.inspector,
        hazard=pending,
        accepted=True,
        note="合格",
        attachments=[attachment],
        **acceptance(),
    )

    assert hazard.state == HazardState.CLOSED
    record = ClosureAcceptance.objects.get(hazard=hazard)
    assert record.department == w.department  # the re-checks go back to it
    assert [p["name"] for p in record.participants] == ["陈建国", "刘志强"]
    assert (record.method, record.conclusion) == ("on_site", "经现场核查，紧急切断阀已安装并联锁，同意销号")
    stored = Evidence.objects.get(acceptance=record)
    assert stored.original_name == "验收记录.png" and stored.hazard_id == hazard.pk
    report = ClosureReport.objects.get(hazard=hazard)
    assert report.sha256 == hashlib.sha256(bytes(report.pdf)).hexdigest()
    event = HazardEvent.objects.get(hazard=hazard, action=HazardAction.VERIFY)
    assert event.data["closure_report_sha256"] == report.sha256  # the digest is in the hash-chained timeline


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"participants": []}, "participants"),
        ({"participants": [{"name": "陈建国", "role": "inspector"}]}, "participants"),
        (
            {"participants": [{"name": "陈建国", "role": "inspector"}, {"name": "刘志强", "role": "boss"}]},
            "participants",
        ),
        (
            {"participants": [{"name": "", "role": "inspector"}, {"name": "刘志强", "role": "expert"}]},
            "participants",
        ),
        ({"method": ""}, "method"),
        ({"method": "guesswork"}, "method"),
        ({"conclusion": "  "}, "conclusion"),
    ],
)
def test_accepting_a_major_hazard_without_a_complete_acceptance_is_refused_and_changes_nothing(
    world, pending, api, overrides, field
) -> None:
    response = api.as_user(world.a.inspector).post(
        f"/api/v1/hazards/{pending.pk}/verify/", {"accepted": True, **acceptance(**overrides)}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    _nothing_changed(pending)


def test_an_attachment_that_is_not_a_photo_or_pdf_is_refused_on_the_attachments_field(
    world, pending, api
) -> None:
    body = {
        "accepted": "true",
        "participants": json.dumps(acceptance()["participants"]),
        "method": "on_site",
        "conclusion": "同意销号",
        "attachments": [SimpleUploadedFile("x.png", b"not an image", content_type="image/png")],
    }
    response = api.as_user(world.a.inspector).post(
        f"/api/v1/hazards/{pending.pk}/verify/", body, format="multipart"
    )
    assert response.status_code == 400
    assert "attachments" in json.dumps(response.json())
    _nothing_changed(pending)
    assert not Evidence.objects.filter(acceptance__isnull=False).exists()


def test_rejecting_needs_no_acceptance_and_a_general_hazard_closes_without_one(
    world, ledger, pending
) -> None:
    w = world.a
    hazard_verify(actor=w.inspector, hazard=pending, accepted=False, note="未联锁")
    assert not ClosureAcceptance.objects.exists()
    general = hazard_submit(actor=w.officer, hazard=ledger.rectifying("general"), report="已整改")
    assert hazard_verify(actor=w.head, hazard=general, accepted=True).state == HazardState.CLOSED
    assert not ClosureReport.objects.filter(hazard=general).exists()


def test_the_api_closes_with_the_acceptance_and_serves_the_frozen_report_in_chinese(
    world, pending, api
) -> None:
    w = world.a
    body = {
        "accepted": "true",
        "note": "合格",
        "participants": json.dumps(acceptance()["participants"]),
        "method": "expert_review",
        "conclusion": "专家论证通过，同意销号",
        "attachments": [photo("验收照片.png")],
    }
    response = api.as_user(w.inspector).post(
        f"/api/v1/hazards/{pending.pk}/verify/", body, format="multipart"
    )
    assert response.status_code == 200, response.content
    detail = response.json()
    digest = detail["closure_report"]["sha256"]
    acceptance_out = detail["verifications"][-1]["acceptance"]
    assert acceptance_out["method"] == "expert_review"
    assert acceptance_out["closure_report_sha256"] == digest
    assert [a["original_name"] for a in acceptance_out["attachments"]] == ["验收照片.png"]
    assert all(p["original_name"] != "验收照片.png" for p in detail["photos"])  # not a hazard photo

    first = api.as_user(w.committee).get(f"/api/v1/hazards/{pending.pk}/closure-report.pdf")
    assert first.status_code == 200
    assert first["Content-Type"] == "application/pdf"
    assert hashlib.sha256(first.content).hexdigest() == digest == first["X-Content-SHA256"]
    text = _pdf_text(first.content)
    for expected in (
        pending.code,
        "储罐区未设紧急切断",
        "陈建国",
        "刘志强",
        "专家",
        "专家论证通过，同意销号",
        "销号",
    ):
        assert expected in text, expected

    # Frozen: whatever happens to the hazard later, the same bytes come back, never regenerated.
    Hazard.objects.filter(pk=pending.pk).update(title="改过的标题")
    again = api.as_user(w.inspector).get(f"/api/v1/hazards/{pending.pk}/closure-report.pdf")
    assert again.content == first.content
    assert ClosureReport.objects.filter(hazard=pending).count() == 1


def test_the_closure_report_is_404_out_of_scope_and_409_before_closure(world, ledger, pending, api) -> None:
    url = f"/api/v1/hazards/{pending.pk}/closure-report.pdf"
    assert api.as_user(world.a.inspector).get(url).status_code == 409  # not closed yet
    hazard_verify(actor=world.a.inspector, hazard=pending, accepted=True, **acceptance())
    assert api.as_user(world.a.inspector).get(url).status_code == 200
    for stranger in (world.a.outsider, world.b.committee, world.b.inspector):
        assert api.as_user(stranger).get(url).status_code == 404
    assert (
        api.as_user(world.a.inspector).get("/api/v1/hazards/987654321/closure-report.pdf").status_code == 404
    )
    general = hazard_submit(actor=world.a.officer, hazard=ledger.rectifying("general"), report="已整改")
    hazard_verify(actor=world.a.head, hazard=general, accepted=True)
    assert (
        api.as_user(world.a.inspector).get(f"/api/v1/hazards/{general.pk}/closure-report.pdf").status_code
        == 404
    )


def test_the_enterprise_still_cannot_verify_a_major_hazard_with_an_acceptance(world, pending, api) -> None:
    response = api.as_user(world.a.head).post(
        f"/api/v1/hazards/{pending.pk}/verify/", {"accepted": True, **acceptance()}, format="json"
    )
    assert response.status_code == 403
    _nothing_changed(pending)


def test_the_browser_form_takes_participant_rows_and_the_page_shows_the_digest(
    world, pending, client
) -> None:
    client.force_login(world.a.inspector)
    page = client.get(f"/ledger/{pending.pk}/", headers=EN)
    assert b'name="participants-name"' in page.content and b"participant-rows.js" in page.content

    refused = client.post(
        f"/ledger/{pending.pk}/verify/",
        {"accepted": "yes", "participants-name": ["陈建国"], "participants-role": ["inspector"]},
        headers=EN,
    )
    assert refused.status_code == 400
    assert b"Write the acceptance conclusion" in refused.content
    assert b"Choose how the rectification was accepted" in refused.content
    refused = client.post(
        f"/ledger/{pending.pk}/verify/",
        {
            "accepted": "yes",
            "participants-name": ["陈建国"],
            "participants-role": ["inspector"],
            "method": "on_site",
            "conclusion": "同意销号",
        },
        headers=EN,
    )
    assert refused.status_code == 400
    assert b"Name at least two participants" in refused.content
    assert "陈建国".encode() in refused.content  # the rows come back filled in
    _nothing_changed(pending)

    done = client.post(
        f"/ledger/{pending.pk}/verify/",
        {
            "accepted": "yes",
            "on_site": "on",
            "participants-name": ["陈建国", "刘志强", ""],
            "participants-role": ["inspector", "expert", ""],
            "participants-unit": ["一市应急管理局", "省安全生产专家库", ""],
            "method": "on_site",
            "conclusion": "同意销号",
            "attachments": [photo("现场.png")],
        },
    )
    assert done.status_code == 302
    report = ClosureReport.objects.get(hazard=pending)
    page = client.get(f"/ledger/{pending.pk}/", headers=EN)
    assert report.sha256.encode() in page.content
    assert "刘志强".encode() in page.content and b"Expert" in page.content
    download = client.get(f"/ledger/{pending.pk}/closure-report.pdf")
    assert download.status_code == 200 and hashlib.sha256(download.content).hexdigest() == report.sha256


@pytest.mark.django_db(transaction=True)
def test_as_the_app_role_a_report_is_written_at_closure_and_can_never_be_changed(
    world, pending, app_role_connection
) -> None:
    with tenant_context(world.a.tenant):
        hazard_verify(actor=world.a.inspector, hazard=pending, accepted=True, **acceptance())
    for statement in ("UPDATE hazards_closurereport SET sha256 = 'x'", "DELETE FROM hazards_closurereport"):
        with (
            pytest.raises(DatabaseError, match="permission denied"),
            tenant_context(world.a.tenant),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)
    with tenant_context(world.a.tenant):
        report = ClosureReport.objects.get(hazard=pending)
        assert report.sha256 == hashlib.sha256(bytes(report.pdf)).hexdigest()


def test_a_general_hazards_verify_form_asks_for_no_acceptance(world, ledger, client) -> None:
    general = hazard_submit(actor=world.a.officer, hazard=ledger.rectifying("general"), report="已整改")
    client.force_login(world.a.head)
    page = client.get(f"/ledger/{general.pk}/", headers=EN)
    assert b'action="/ledger/%d/verify/"' % general.pk in page.content
    assert b'name="participants-name"' not in page.content
    assert client.post(f"/ledger/{general.pk}/verify/", {"accepted": "yes"}).status_code == 302
    general.refresh_from_db()
    assert general.state == HazardState.CLOSED
