import pytest

from organizations.choices import Role
from tests.factories import MembershipFactory, UserFactory


@pytest.fixture
def province_committee(world):
    """Committee staff of tenant A's top-level region: the only committee that sets the scoring scheme."""
    user = UserFactory.create(username="alpha-province-committee", tenant=world.a.tenant)
    MembershipFactory.create(user=user, role=Role.COMMITTEE_STAFF, region=world.a.province)
    return user
