"""Who sees which rows: the rules of DESIGN.md section 4, role by role, in both tenants."""

import pytest
from django.contrib.auth.models import AnonymousUser
from guardian.shortcuts import assign_perm

from core.api.base import ScopedViewSet
from organizations.models import Department, Enterprise, Industry, Membership, Region, User
from organizations.scoping import forget_scope
from organizations.views import ScopedListView


def names(queryset) -> set[str]:
    return {str(obj) for obj in queryset}


def visible_enterprises(user: User) -> set[str]:
    return names(Enterprise.objects.visible_to(user))


@pytest.mark.parametrize("side", ["a", "b"])
def test_enterprise_roles_see_only_their_enterprise(world, side) -> None:
    w = getattr(world, side)
    assert visible_enterprises(w.officer) == {w.enterprise.name}
    assert visible_enterprises(w.head) == {w.enterprise.name}


@pytest.mark.parametrize("side", ["a", "b"])
def test_inspector_sees_enterprises_of_their_industries_in_their_region_subtree(world, side) -> None:
    w = getattr(world, side)
    # Hazardous chemicals in the city's county: yes. Construction in the city: not their industry.
    # Hazardous chemicals in another city: not their region.
    assert visible_enterprises(w.inspector) == {w.enterprise.name}


@pytest.mark.parametrize("side", ["a", "b"])
def test_committee_staff_see_their_region_subtree(world, side) -> None:
    w = getattr(world, side)
    assert visible_enterprises(w.committee) == {w.enterprise.name, w.construction_enterprise.name}


@pytest.mark.parametrize("side", ["a", "b"])
def test_tenant_admin_sees_the_whole_tenant_and_nothing_else(world, side) -> None:
    w = getattr(world, side)
    assert visible_enterprises(w.admin) == {
        w.enterprise.name,
        w.construction_enterprise.name,
        w.other_city_enterprise.name,
    }


def test_outsider_sees_only_their_own_enterprise(world) -> None:
    assert visible_enterprises(world.a.outsider) == {world.a.other_city_enterprise.name}


def test_expert_sees_the_enterprise_they_were_granted(world) -> None:
    expert = User.objects.create_user(username="expert", password="x", tenant=world.a.tenant)
    assert visible_enterprises(expert) == set()
    assign_perm("organizations.assist_enterprise", expert, world.a.construction_enterprise)
    forget_scope(expert)
    assert visible_enterprises(expert) == {world.a.construction_enterprise.name}


def test_ended_membership_grants_nothing(world) -> None:
    Membership.objects.filter(user=world.a.committee).update(is_active=False)
    committee = User.objects.get(pk=world.a.committee.pk)
    assert visible_enterprises(committee) == set()


def test_a_user_without_tenant_or_login_sees_nothing(world) -> None:
    staff = User.objects.create_user(username="platform", password="x")
    for user in (staff, AnonymousUser(), None):
        assert not Enterprise.objects.visible_to(user).exists()
        assert not Region.objects.visible_to(user).exists()


@pytest.mark.parametrize("model", [Region, Industry, Department, Enterprise, Membership, User])
def test_no_role_of_one_tenant_sees_any_row_of_the_other(world, model) -> None:
    for user in world.a.users.values():
        rows = model.objects.visible_to(user)
        assert rows.exists(), f"{user} should see some {model.__name__}"
        assert not rows.filter(tenant_id=world.b.tenant.pk).exists()


def test_committee_staff_see_users_in_their_subtree_only(world) -> None:
    visible = {user.username for user in User.objects.visible_to(world.a.committee)}
    assert {"alpha-officer", "alpha-head", "alpha-inspector", "alpha-committee"} <= visible
    assert "alpha-outsider" not in visible  # works in another city
    assert "alpha-admin" not in visible


def test_enterprise_officer_sees_only_their_enterprise_colleagues_among_users(world) -> None:
    visible = {user.username for user in User.objects.visible_to(world.a.officer)}
    assert visible == {"alpha-officer", "alpha-head"}


def test_inspectors_see_their_department_colleagues_only(world) -> None:
    visible = {user.username for user in User.objects.visible_to(world.a.inspector)}
    assert visible == {"alpha-inspector"}


def test_overriding_get_queryset_in_a_scoped_view_is_refused_at_class_creation() -> None:
    with pytest.raises(TypeError, match="bypass tenant scoping"):

        class LeakyViewSet(ScopedViewSet):
            scoped_model = Enterprise

            def get_queryset(self):
                return Enterprise.objects.all()

    with pytest.raises(TypeError, match="bypass tenant scoping"):

        class LeakyPage(ScopedListView):
            scoped_model = Enterprise

            def get_queryset(self):
                return Enterprise.objects.all()


def test_an_explicitly_dangerous_override_is_allowed_and_stands_out() -> None:
    class Explicit(ScopedViewSet):
        scoped_model = Enterprise

        def dangerously_get_queryset(self):
            return Enterprise.objects.none()

    assert Explicit().get_queryset().model is Enterprise
