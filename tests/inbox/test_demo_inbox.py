"""The demo world gives its accounts something to do: the inbox is not empty the first morning."""

import io
from typing import Any

import pytest
from django.core.management import call_command

from inbox.selectors import inbox_counts
from organizations.models import User


@pytest.fixture
def demo(standards: None, settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", force=True, stdout=io.StringIO())


def counts(username: str) -> dict[str, int]:
    found = inbox_counts(actor=User.objects.get(username=username))
    return {str(kind): count for kind, count in found.items() if count}


def test_the_demo_accounts_find_work_waiting(demo: None) -> None:
    seen = {
        name: counts(name)
        for name in ("dl-yj-inspector", "dl-committee", "dl-chem-officer", "ty-yj-inspector")
    }
    # The journey of tests/e2e/test_inbox.py starts from a handover the inspector has not acknowledged.
    assert seen["dl-yj-inspector"].get("handover", 0) >= 1
    assert all(seen.values()), seen
