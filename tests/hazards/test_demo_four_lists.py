"""On the demo world: Dalian's three-year action shows its four lists, and each ledger-fed list's counts
equal what the ledger filter behind it returns (the open hazards of 2023 carried into the action)."""

import pytest
from django.core.management import call_command
from django.test import Client

from campaigns.models import Campaign
from campaigns.plan_demo import THREE_YEAR_NAME
from organizations.models import User

pytestmark = pytest.mark.usefixtures("demo_accounts_allowed")


def _ledger_count(client: Client, link: str) -> int:
    path, _, query = link.partition("?")
    assert path == "/ledger/"
    response = client.get(f"/api/v1/hazards/?{query}&page_size=200").json()
    total = len(response["results"])
    while response["next"]:
        response = client.get(response["next"]).json()
        total += len(response["results"])
    return total


def test_the_three_year_action_lists_match_the_ledger(db, client: Client, settings) -> None:
    settings.DEBUG = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    client.force_login(User.objects.get(username="dl-committee"))
    action = Campaign.objects.get(name=THREE_YEAR_NAME)
    totals = {}
    for kind in ("problems", "major-hazards"):
        data = client.get(f"/api/v1/campaigns/{action.pk}/lists/{kind}/").json()
        totals[kind] = sum(data["counts"].values())
        assert _ledger_count(client, data["ledger_link"]) == totals[kind]
        for state, link in data["state_links"].items():
            assert _ledger_count(client, link) == data["counts"][state], (kind, state)
    assert totals["problems"] + totals["major-hazards"] > 0  # 2023's outstanding hazards carried in
    page = client.get(f"/campaigns/{action.pk}/four-lists/").content.decode()
    assert "制度措施清单" in page or "Institutional measures" in page
    assert client.get(f"/campaigns/{action.pk}/one-table-four-lists.xlsx").status_code == 200
