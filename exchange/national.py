"""Setting up the national side: the national tenant (the country, with the provinces as its children) and
the link between a province and it — the province's account and key on the national side, the token and key
on the province's side.

In one deployment both ends are made here; with the ministry's system elsewhere, the province's side is set
with `manage.py exchange_link` from the token and key the ministry issues.
"""

from __future__ import annotations

import csv
import secrets
from pathlib import Path

from django.db import transaction

from core.rls import tenant_context
from organizations.models import Region, Tenant, User
from organizations.services import auth_token_issue, region_create, tenant_create
from organizations.usernames import sign_in_name
from organizations.validators import COUNTRY_CODE

from .models import ExchangePartner, UpwardLink
from .upward import province_code

PROVINCES_CSV = Path(__file__).resolve().parent / "data" / "provinces.csv"
NATIONAL_SLUG = "national"


def national_tenant_create(*, slug: str = NATIONAL_SLUG) -> Tenant:
    """The national tenant: its region is the country (100000), the 31 provinces its children."""
    tenant = tenant_create(slug=slug, name="全国", name_en="National")
    with tenant_context(tenant):
        country = region_create(tenant=tenant, code=COUNTRY_CODE, name="全国", name_en="China")
        with PROVINCES_CSV.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                region_create(
                    tenant=tenant,
                    code=row["code"],
                    name=row["name_zh"],
                    name_en=row["name_en"],
                    parent=country,
                )
    return tenant


@transaction.atomic
def exchange_link_set(*, tenant: Tenant, url: str, token: str, key: str) -> UpwardLink:
    """The province's side: where its batches go, the token it signs in with and the key it signs with."""
    with tenant_context(tenant):
        link, _created = UpwardLink.objects.update_or_create(
            tenant=tenant, defaults={"url": url, "token": token, "key": key}
        )
    return link


@transaction.atomic
def exchange_partner_create(*, national: Tenant, province: str, name: str) -> tuple[ExchangePartner, str]:
    """The national side: an account that delivers for the province (code), and its key. Returns the
    partner and the account's API token (shown once)."""
    with tenant_context(national):
        if not Region.objects.filter(tenant=national, code=province, level="province").exists():
            raise ValueError(f"{province} is not a province of {national.slug}.")
        user, _created = User.objects.get_or_create(
            username=sign_in_name(national.slug, f"exchange-{province}"),
            defaults={"tenant": national, "full_name": name},
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        partner, _created = ExchangePartner.objects.get_or_create(
            tenant=national,
            province_code=province,
            defaults={"name": name, "key": secrets.token_hex(32), "user": user},
        )
        token = auth_token_issue(user=user)
    return partner, token


def exchange_connect(*, national: Tenant, province: Tenant, url: str = "") -> UpwardLink:
    """One deployment: make both ends at once (the demo, `make run`)."""
    with tenant_context(province):
        code = province_code(province)
    partner, token = exchange_partner_create(national=national, province=code, name=province.name)
    return exchange_link_set(tenant=province, url=url, token=token, key=partner.key)
