from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import plan_views, views

router = DefaultRouter()
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("tasks", views.TaskViewSet, basename="task")

urlpatterns = [
    path("", include(router.urls)),
    # The plan's structure (issue 17, parts 1 and 2); problems and major hazards are in hazards.api.
    path("campaigns/<int:pk>/lists/measures/", plan_views.campaign_measures, name="campaign-list-measures"),
    path("campaigns/<int:pk>/lists/risks/", plan_views.campaign_risks, name="campaign-list-risks"),
    path("institutional-measures/<int:pk>/state/", plan_views.measure_state, name="measure-state"),
    path("risks/<int:pk>/state/", plan_views.risk_state, name="risk-state"),
    path(
        "campaigns/<int:pk>/leading-groups/",
        plan_views.campaign_leading_groups,
        name="campaign-leading-groups",
    ),
    path("leading-groups/<int:pk>/members/", plan_views.leading_group_members, name="leading-group-members"),
    path(
        "campaigns/<int:pk>/adopted-measures/",
        plan_views.campaign_adopted_measures,
        name="campaign-adopted-measures",
    ),
    path(
        "adopted-measures/<int:pk>/adoptions/",
        plan_views.adopted_measure_adoptions,
        name="adopted-measure-adoptions",
    ),
    path(
        "campaigns/<int:pk>/leader-duties/", plan_views.campaign_leader_duties, name="campaign-leader-duties"
    ),
    path("leader-duties/<int:pk>/checks/", plan_views.leader_duty_checks, name="leader-duty-checks"),
    path("campaigns/<int:pk>/sub-plans/", plan_views.campaign_sub_plans, name="campaign-sub-plans"),
]
