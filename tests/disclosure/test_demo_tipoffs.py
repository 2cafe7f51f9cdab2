"""The demo world shows the second steps of handovers and tip-offs: a committee receipt awaiting
acknowledgement, escalated ones, and a tip-off that led to a hazard under rectification and a reward."""

import pytest
from django.core.management import call_command
from django.test import Client

from disclosure.models import TipOff
from hazards.models import HandoverReceipt, Hazard
from organizations.models import User

pytestmark = pytest.mark.usefixtures("demo_accounts_allowed")


def test_the_demo_shows_committee_receipts_and_a_tip_off_that_led_to_a_reward(db, settings, tmp_path) -> None:
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115

    committee_receipts = HandoverReceipt.objects.filter(region__isnull=False)
    assert committee_receipts.filter(acknowledged_at__isnull=False).exists()
    pending = committee_receipts.filter(acknowledged_at__isnull=True, escalated_at__isnull=True)
    assert pending.filter(region__code="210211").exists()  # Ganjingzi's, from the tip-off's hazard
    assert committee_receipts.filter(acknowledged_at__isnull=True, escalated_at__isnull=False).exists()

    tip = TipOff.objects.get(tenant__slug="liaoning", reward_granted_on__isnull=False)
    hazard = Hazard.objects.get(inspection__tip_off=tip)
    assert hazard.source == "tip_off" and hazard.level == "major" and tip.department is not None
    page = Client().get(f"/public/liaoning/tip-off/{tip.tracking_code}/", {"lang": "en"}).content.decode()
    assert "Verified: a hazard was found and is being rectified" in page and "granted" in page
    assert str(tip.reward_amount) not in page and hazard.title not in page

    client = Client()
    client.force_login(User.objects.get(username="gjz-committee"))
    response = client.get("/handover-receipts/", headers={"Accept-Language": "en"})
    receipts = response.content.decode()
    # Its deadline lies in the demo's past: the page says so, and still offers to acknowledge it.
    assert response.status_code == 200 and hazard.code in receipts and "Acknowledge the handover" in receipts
