"""The issue's acceptance loop with the demo accounts, in the browser and over the API."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from hazards.models import Criterion, Hazard
from organizations.demo import seed_directory
from organizations.models import Department, Enterprise, Region

from ..factories import acceptance, acceptance_form, photo

pytestmark = pytest.mark.usefixtures("demo_accounts_allowed")  # they sign in as the demo accounts

EN = {"Accept-Language": "en"}


@pytest.fixture
def demo(db, standards, settings):
    seed_directory()
    return {
        "enterprise": Enterprise.objects.get(name="大连恒泰石化储运有限公司"),
        "dalian": Region.objects.get(tenant__slug="liaoning", code="210200"),
        "yj": Department.objects.get(
            tenant__slug="liaoning", region__code="210200", name__contains="应急管理局"
        ),
        "criterion": Criterion.objects.get(standard__key="hazardous-chemicals-2017", number="5"),
        "password": settings.DEMO_PASSWORD,
    }


def login(client, username, password):
    client.logout()
    assert client.post("/accounts/login/", {"username": username, "password": password}).status_code == 302


def test_the_loop_in_the_browser_with_the_demo_accounts(demo, client) -> None:
    password = demo["password"]
    login(client, "dl-chem-officer", password)
    start = client.post("/self-inspections/start/", {"enterprise": demo["enterprise"].pk})
    form_url = start["Location"]
    keys = sorted(set(re.findall(r'name="result-([^"]+)"', client.get(form_url).content.decode())))
    answers = {f"result-{key}": "ok" for key in keys}
    answers["extra-0-description"] = "储罐区紧急切断阀失效"
    answers["extra-0-location"] = "东区储罐区"
    answers["extra-0-category"] = "equipment"
    answers["save"] = "1"
    assert client.post(form_url, answers).status_code == 302
    login(client, "dl-chem-head", password)
    answers.pop("extra-0-description")
    answers.pop("save")
    answers["submit"] = "1"
    assert client.post(form_url, answers).status_code == 302
    hazard = Hazard.objects.get(title="储罐区紧急切断阀失效")
    assert hazard.state == "reported"

    login(client, "dl-yj-inspector", password)
    assert (
        client.post(
            f"/ledger/{hazard.pk}/confirm/", {"level": "major", "criterion": demo["criterion"].pk}
        ).status_code
        == 302
    )
    login(client, "dl-committee", password)
    assert (
        client.post(
            f"/ledger/{hazard.pk}/handover/", {"region": demo["dalian"].pk, "departments": [demo["yj"].pk]}
        ).status_code
        == 302
    )
    login(client, "dl-chem-officer", password)
    deadline = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert (
        client.post(
            f"/ledger/{hazard.pk}/plan/",
            {
                "responsible_person": "周明远",
                "measures": "更换紧急切断阀并联锁",
                "funds": "180000",
                "deadline": deadline,
                "contingency_plan": "倒罐停用",
            },
        ).status_code
        == 302
    )
    assert (
        client.post(f"/ledger/{hazard.pk}/submit/", {"report": "已更换", "evidence": [photo()]}).status_code
        == 302
    )
    login(client, "dl-yj-inspector", password)
    assert (
        client.post(f"/ledger/{hazard.pk}/verify/", {"accepted": "no", "note": "未联锁"}).status_code == 302
    )
    login(client, "dl-chem-officer", password)
    assert (
        client.post(f"/ledger/{hazard.pk}/submit/", {"report": "已联锁", "evidence": [photo()]}).status_code
        == 302
    )
    login(client, "dl-yj-inspector", password)
    assert (
        client.post(
            f"/ledger/{hazard.pk}/verify/", {"accepted": "yes", "on_site": "on", **acceptance_form()}
        ).status_code
        == 302
    )

    hazard.refresh_from_db()
    assert hazard.state == "closed"
    assert list(hazard.events.values_list("action", flat=True)) == [
        "report",
        "confirm",
        "handover",
        "plan",
        "submit",
        "reject",
        "submit",
        "verify",
    ]
    page = client.get(f"/ledger/{hazard.pk}/", headers=EN).content.decode()
    assert page.count('class="timeline-action"') == 8


def test_the_loop_over_the_api_with_the_demo_accounts(demo, client) -> None:
    def token(username: str) -> dict[str, str]:
        response = client.post("/api/v1/auth/token/", {"username": username, "password": demo["password"]})
        return {"Authorization": f"Token {response.json()['token']}"}

    officer, head, inspector, committee = (
        token(name) for name in ("dl-chem-officer", "dl-chem-head", "dl-yj-inspector", "dl-committee")
    )
    lines = client.get(
        "/api/v1/self-inspections/checklist/", {"enterprise": demo["enterprise"].pk}, headers=officer
    ).json()
    items = [{"key": line["key"], "result": "ok"} for line in lines]
    items[0] = {
        "key": lines[0]["key"],
        "result": "hazard",
        "description": "储罐未设紧急切断",
        "location": "罐区",
        "category": "equipment",
    }
    draft = client.post(
        "/api/v1/self-inspections/",
        {"enterprise": demo["enterprise"].pk, "period": timezone.localdate().isoformat(), "items": items},
        content_type="application/json",
        headers=officer,
    ).json()
    submitted = client.post(f"/api/v1/self-inspections/{draft['id']}/submit/", headers=head).json()
    hazard = Hazard.objects.get(code=submitted["hazards"][0])
    url = f"/api/v1/hazards/{hazard.pk}"

    def act(action: str, who: dict[str, str], data: dict, multipart: bool = False) -> dict:
        kwargs = {} if multipart else {"content_type": "application/json"}
        response = client.post(f"{url}/{action}/", data, headers=who, **kwargs)
        assert response.status_code == 200, response.json()
        return response.json()

    act("confirm", inspector, {"level": "major", "criterion": demo["criterion"].pk})
    act("handover", committee, {"region": demo["dalian"].pk, "departments": [demo["yj"].pk]})
    act(
        "plan",
        officer,
        {
            "responsible_person": "周明远",
            "measures": "更换",
            "funds": "1000",
            "deadline": (timezone.localdate() + dt.timedelta(days=9)).isoformat(),
            "contingency_plan": "停用",
        },
    )
    act("submit", officer, {"report": "已更换", "evidence": [photo()]}, multipart=True)
    act("verify", inspector, {"accepted": False, "note": "未联锁"})
    act("submit", officer, {"report": "已联锁", "evidence": [photo()]}, multipart=True)
    assert act("verify", inspector, {"accepted": True, **acceptance()})["state"] == "closed"
    events = client.get(f"{url}/events/", headers=committee).json()
    assert [e["action"] for e in events] == [
        "report",
        "confirm",
        "handover",
        "plan",
        "submit",
        "reject",
        "submit",
        "verify",
    ]
