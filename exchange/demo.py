"""The demo's national layer: the national tenant, its committee staff (mem-staff), and Liaoning and Shanxi
linked to it. Their ledgers were recorded in the outbox as the demo built them; `make run` delivers them over
HTTP on loopback within a minute of starting (Celery beat's report-upward), or at once with
`manage.py report_upward --tenant liaoning`."""

from __future__ import annotations

import json

from django.conf import settings
from django.db import transaction

from core.rls import tenant_context
from organizations.choices import Role
from organizations.models import Membership, Region, Tenant, User
from organizations.validators import COUNTRY_CODE

from .models import ExchangePartner, UpwardLink
from .national import exchange_connect, national_tenant_create
from .standards import standard_release_publish_library, standards_apply, standards_feed
from .standards_format import request_signature
from .upward import province_code

NATIONAL_STAFF = ("mem-staff", "王建国", "13800000090")


def _province_code(province: Tenant) -> str:
    with tenant_context(province):
        return province_code(province)


def _request(key: str) -> str:
    return request_signature(0, key)


@transaction.atomic
def seed_national() -> None:
    national = national_tenant_create()
    username, full_name, phone = NATIONAL_STAFF
    user, _created = User.objects.get_or_create(
        username=username,
        defaults={
            "tenant": national,
            "full_name": full_name,
            "phone": phone,
            "email": f"{username}@example.gov.cn",
        },
    )
    user.set_password(settings.DEMO_PASSWORD)
    user.is_demo = True
    user.save(update_fields=["password", "password_changed_at", "is_demo"])
    with tenant_context(national):
        country = Region.objects.get(tenant=national, code=COUNTRY_CODE)
        Membership.objects.get_or_create(
            tenant=national, user=user, role=Role.COMMITTEE_STAFF, region=country
        )
    for slug in ("liaoning", "shanxi"):
        province = Tenant.objects.get(slug=slug)
        with tenant_context(province):
            linked = UpwardLink.objects.filter(tenant=province).exists()
        if not linked:
            exchange_connect(national=national, province=province)
    # The shipped library becomes the national tenant's published version 1, and both provinces apply it
    # as a pull would (the same feed, signed, applied in order): every later version travels over HTTP.
    standard_release_publish_library(national=national)
    for slug in ("liaoning", "shanxi"):
        province = Tenant.objects.get(slug=slug)
        with tenant_context(national):
            partner = ExchangePartner.objects.get(tenant=national, province_code=_province_code(province))
            body, _signed = standards_feed(
                actor=partner.user, after=0, signature_header=_request(partner.key)
            )
        standards_apply(tenant=province, releases=json.loads(body)["releases"])
