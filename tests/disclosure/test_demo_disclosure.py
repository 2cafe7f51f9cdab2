"""Acceptance path on the demo world: December 2023 (the demo published the months before it) built,
published by dl-committee, read anonymously."""

import hashlib
import re
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.test import Client

from disclosure.models import Publication
from organizations.models import User

pytestmark = pytest.mark.usefixtures("demo_accounts_allowed")  # they sign in as the demo accounts


def test_dalian_december_2023_is_published_and_readable_without_personal_data(db, client, settings) -> None:
    settings.DEBUG = True
    quiet = open("/dev/null", "w")  # noqa: SIM115
    call_command("seed_demo", stdout=quiet)
    call_command("run_monthly_jobs", "--tenant", "liaoning", "--month", "2023-12", stdout=quiet)
    draft = Publication.objects.get(tenant__slug="liaoning", region__code="210200", month="2023-12-01")
    assert draft.status == "draft" and draft.content["major_hazards"]

    client.force_login(User.objects.get(username="dl-committee"))
    assert client.post(f"/disclosure/{draft.pk}/publish/").status_code == 302
    published = Publication.objects.get(pk=draft.pk)

    anonymous = Client()
    index = anonymous.get("/public/liaoning/").content.decode()
    assert f"/public/liaoning/p/{published.public_id}/" in index
    page = anonymous.get(f"/public/liaoning/p/{published.public_id}/").content.decode()
    for row in published.content["major_hazards"]:
        assert row["code"] in page
    people = User.objects.filter(tenant__slug="liaoning")
    names = [name for name in people.values_list("full_name", flat=True) if name]
    phones = [phone for phone in people.values_list("phone", flat=True) if phone]
    assert names and phones
    for secret in names + phones:
        assert secret not in page

    pdf = anonymous.get(f"/public/liaoning/p/{published.public_id}.pdf").content
    digest = hashlib.sha256(pdf).hexdigest()
    assert digest == published.sha256 and digest in page
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "poppler-utils (pdftotext) is on this machine kind"
    text = subprocess.run([pdftotext, "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    flat = re.sub(r"\s+", "", text)
    enterprises = {row["enterprise"] for row in published.content["major_hazards"]}
    assert any(name in flat for name in enterprises), "the PDF's text holds the Chinese enterprise names"
    for secret in names + phones:
        assert secret not in flat
