"""Who may set the scoring scheme, and which scheme governs a tenant's monthly scores (DESIGN.md section 9).

The monthly job scores every region, department and enterprise of a tenant together, so only one scheme can
govern them: the scheme of a campaign of the whole tenant — a campaign of a top-level region (the province,
or whatever region heads the tenant's tree) that rolls up into no other. Only that region's committee (or a
tenant admin) sets it. A city or county committee, or a scheme on a city's campaign, never moves the
province's scores: the service refuses to store such a scheme (403) and the job reads only the governing
campaigns, so a scheme stored before this rule (or by hand) is ignored rather than obeyed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from core.errors import PermissionDeniedError
from organizations.choices import Role
from organizations.models import Region, User
from organizations.scoping import scope_for

if TYPE_CHECKING:
    from campaigns.models import Campaign

# The one rule, as a filter on campaigns: the job selects with it and the service checks with it.
GOVERNING_CAMPAIGN = Q(parent__isnull=True, region__parent__isnull=True)


def governs_scores(campaign: Campaign) -> bool:
    """Whether the campaign's scheme is the kind the monthly scores follow."""
    from campaigns.models import Campaign

    return Campaign.objects.filter(GOVERNING_CAMPAIGN, pk=campaign.pk).exists()


def may_set_scheme(actor: User, campaign: Campaign) -> bool:
    """A tenant admin, or committee staff of the campaign's (top-level) region, on a governing campaign."""
    scope = scope_for(actor)
    if scope.tenant_id != campaign.tenant_id or not governs_scores(campaign):
        return False
    if scope.is_tenant_admin:
        return True
    return Role.COMMITTEE_STAFF in scope.roles and any(
        campaign.region_path.startswith(path) for path in scope.committee_paths
    )


def require_scheme_setter(actor: User, campaign: Campaign) -> None:
    """403 unless the actor may set this campaign's scheme, saying who may and where."""
    if may_set_scheme(actor, campaign):
        return
    tops = Region.objects.filter(tenant_id=campaign.tenant_id, parent__isnull=True).order_by("path")
    raise PermissionDeniedError(
        _(
            "Only the committee of %(region)s or a tenant admin sets the scoring scheme, on a campaign of "
            "the whole province: that scheme alone governs the monthly scores. A city's or county's scheme "
            "would not change them."
        )
        % {"region": " / ".join(str(region) for region in tops) or "—"}
    )
