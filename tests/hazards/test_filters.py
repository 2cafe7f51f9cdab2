"""The shared filter sets: each request's filters answer for that request's user alone."""

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from core.errors import NotFoundError
from hazards.filters import HazardFilter
from hazards.models import Hazard


def _filter_set(user, **params) -> HazardFilter:
    request = RequestFactory().get("/api/v1/hazards/")
    request.user = user
    data = QueryDict(mutable=True)
    data.update(params)
    return HazardFilter(data=data, queryset=Hazard.objects.visible_to(user), request=request)


def test_a_filter_set_made_later_for_another_user_does_not_change_an_earlier_one(world, ledger) -> None:
    """Filters are copied shallowly per request (organizations.filters); a method filter must still run
    for the filter set it was copied into, not for whichever was made last."""
    hazard = ledger.reported()
    mine = _filter_set(world.a.committee, region=str(world.a.county.pk))
    foreign = _filter_set(world.b.committee, region=str(world.a.county.pk))
    assert list(mine.qs) == [hazard]
    with pytest.raises(NotFoundError):
        list(foreign.qs)  # another tenant's region
    assert list(_filter_set(world.a.committee, region=str(world.a.sibling_county.pk)).qs) == []
    assert list(mine.qs) == [hazard]
