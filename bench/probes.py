"""Export and import measured in their own process, so peak memory is theirs alone.

python -m bench.probes export|export-raw|export-job|import TENANT ROWS   → prints one JSON line
python -m bench.probes search TENANT ROUNDS                    → the ledger's search with and without its
                                                                  trigram indexes, one JSON line
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import resource
import sys
import time

# The project's modules are imported inside the functions: they need django.setup(), which main() runs first.
import django


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ledger(slug: str, rows: int):
    from hazards.selectors import hazard_list
    from organizations.models import User

    admin = User.objects.get(username=f"{slug}-admin")
    queryset = hazard_list(actor=admin).order_by("-discovered_at", "-id")
    cutoff = queryset.values_list("discovered_at", flat=True)[rows - 1 : rows].first()
    return queryset if cutoff is None else queryset.filter(discovered_at__gte=cutoff)


def export(slug: str, rows: int) -> dict[str, float]:
    from hazards.exports import xlsx_file

    queryset = _ledger(slug, rows)
    started = time.perf_counter()
    handle = xlsx_file(queryset)
    size = len(handle.read())
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "peak_mb": _peak_mb(), "rows": queryset.count(), "bytes": size}


def export_raw(slug: str, rows: int) -> dict[str, float]:
    from django.db import connection

    queryset = _ledger(slug, rows).values_list(
        "code",
        "enterprise__name",
        "enterprise__credit_code",
        "region__code",
        "industry__name",
        "source",
        "title",
        "location",
        "level",
        "state",
        "discovered_at",
        "deadline",
        "is_overdue",
        "listing_department__name",
        "closed_at",
    )
    sql, params = queryset.query.sql_with_params()
    started = time.perf_counter()
    out = io.StringIO()
    writer = csv.writer(out)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(2000):
            writer.writerows(batch)
    return {"seconds": time.perf_counter() - started, "peak_mb": _peak_mb(), "rows": rows}


def export_job(slug: str, rows: int) -> dict[str, float]:
    """The whole ledger of the tenant through the export job's path: asked for as a user does, written by the
    Celery task (run eagerly in this process, so its peak memory is measured), progress and digest included.
    ROWS is ignored: a province's ledger is exported whole."""
    import tempfile
    from pathlib import Path

    from django.conf import settings
    from django.utils import translation

    from config.celery import app
    from exports.models import ExportJob
    from exports.services import export_request
    from organizations.models import User

    app.conf.task_always_eager = True  # the task runs when the request's transaction commits, here
    admin = User.objects.get(username=f"{slug}-admin")
    with tempfile.TemporaryDirectory() as media:
        settings.MEDIA_ROOT = media
        started = time.perf_counter()
        with translation.override("zh-hans"):
            job = export_request(actor=admin, kind="ledger", fmt="xlsx", params={})
        seconds = time.perf_counter() - started
        job = ExportJob.objects.get(pk=job.pk)
        size = (Path(media) / job.file_path).stat().st_size if job.file_path else 0
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "rows": job.rows_done,
        "bytes": size,
        "succeeded": float(job.status == "succeeded"),
    }


def _import_world(slug: str):
    from organizations.choices import Role
    from organizations.models import Membership, Region, User
    from organizations.services import region_create, tenant_create

    source = list(Region.objects.filter(tenant__slug=slug).order_by("path"))
    tenant = tenant_create(slug=f"{slug}-import", name="导入基准", name_en="Import bench")
    made: dict[int, Region] = {}
    for region in source:
        made[region.pk] = region_create(
            tenant=tenant,
            code=region.code,
            name=region.name,
            name_en=region.name_en,
            parent=made.get(region.parent_id) if region.parent_id else None,
        )
    admin, _created = User.objects.get_or_create(username=f"{slug}-import-admin", defaults={"tenant": tenant})
    Membership.objects.get_or_create(tenant=tenant, user=admin, role=Role.TENANT_ADMIN)
    return tenant, admin, [region.code for region in source]


def _workbook(rows: int, codes: list[str]) -> bytes:
    from openpyxl import Workbook

    from hazards.loadgen.directory import credit_code
    from organizations.choices import KEY_INDUSTRIES
    from organizations.imports import COLUMNS

    rng = random.Random(7)
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(COLUMNS)
    seen: set[str] = set()
    for index in range(rows):
        code = rng.choice(codes)
        credit = credit_code(rng, code)
        while credit in seen:
            credit = credit_code(rng, code)
        seen.add(credit)
        industry = rng.choice(KEY_INDUSTRIES)
        sheet.append(
            [f"导入测试{index}号有限公司", credit, code, industry[0], f"测试路{index}号", "small", ""]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def import_(slug: str, rows: int) -> dict[str, float]:
    from django.db import connection

    from organizations.imports import _rows, enterprise_import_run, enterprise_import_start

    tenant, admin, codes = _import_world(slug)
    content = _workbook(rows, codes)
    started = time.perf_counter()
    parsed = sum(1 for _row in _rows(content))
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    job = enterprise_import_start(actor=admin, file_name="bench.xlsx", content=content)
    job = enterprise_import_run(import_id=job.pk)
    seconds = time.perf_counter() - started
    imported = job.imported_count
    with connection.cursor() as cursor:  # leave the import tenant empty for the next run
        cursor.execute(
            "DELETE FROM organizations_enterprise_industries WHERE enterprise_id IN "
            "(SELECT id FROM organizations_enterprise WHERE tenant_id = %s)",
            [tenant.pk],
        )
        cursor.execute("DELETE FROM organizations_enterprise WHERE tenant_id = %s", [tenant.pk])
    return {
        "seconds": seconds,
        "parse_seconds": parse_seconds,
        "rows": parsed,
        "imported": imported,
        "errors": len(job.errors),
        "peak_mb": _peak_mb(),
    }


TRIGRAM_INDEXES = (
    "hazard_code_trgm_idx",
    "hazard_title_trgm_idx",
    "hazard_description_trgm_idx",
    "hazard_location_trgm_idx",
    "enterprise_name_trgm_idx",
    "enterprise_credit_trgm_idx",
    "enterprise_address_trgm_idx",
)


def _search_terms(slug: str) -> dict[str, str]:
    """What people type, taken from the tenant's own rows (deterministic): a whole code, a part of a
    title and of a location, three characters of an enterprise's name, a whole credit code."""
    from hazards.models import Hazard
    from organizations.models import Enterprise

    hazard = Hazard.objects.filter(tenant__slug=slug).order_by("id")[1000]
    enterprise = Enterprise.objects.filter(tenant__slug=slug).order_by("id")[500]
    return {
        "code": hazard.code,
        "title": hazard.title[:4],
        "location": hazard.location[:3],
        "enterprise name": enterprise.name[2:5],
        "credit code": enterprise.credit_code,
    }


def search(slug: str, rounds: int) -> dict[str, object]:
    """The ledger's first page of a search (ranked, with its match count up to 10,000+), as the page runs
    it, timed over `rounds` runs each with the trigram indexes and — dropped inside a transaction that is
    rolled back — without them."""
    from django.db import connection, transaction
    from django.test import RequestFactory

    from core import search as text_search
    from hazards.filters import RELEVANCE, HazardFilter
    from hazards.selectors import hazard_list
    from organizations.models import User

    admin = User.objects.get(username=f"{slug}-admin")
    terms = _search_terms(slug)

    def page(term: str) -> tuple[float, int]:
        request = RequestFactory().get("/ledger/", {"q": term})
        request.user = admin
        started = time.perf_counter()  # the filter runs the search functions (core.search.found_by)
        queryset = HazardFilter(request.GET, queryset=hazard_list(actor=admin), request=request).qs
        queryset = queryset.order_by(*RELEVANCE.order_by)
        counted = queryset.annotate(matched=text_search.match_count(queryset, text_search.COUNT_LIMIT))
        rows = list(counted[:51])
        return time.perf_counter() - started, rows[0].matched if rows else 0

    def timed() -> dict[str, dict[str, float]]:
        out = {}
        for name, term in terms.items():
            times, matched = [], 0
            for _ in range(rounds):
                seconds, matched = page(term)
                times.append(seconds)
            times.sort()
            out[name] = {"median_ms": 1000 * times[len(times) // 2], "matched": matched}
        return out

    indexed = timed()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for index in TRIGRAM_INDEXES:
                cursor.execute(f"DROP INDEX {index}")  # a constant of this module
        scanned = timed()
        transaction.set_rollback(True)
    return {"terms": terms, "indexed": indexed, "without_indexes": scanned}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    kind, slug, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
    probes = {
        "export": export,
        "export-raw": export_raw,
        "export-job": export_job,
        "import": import_,
        "search": search,
    }
    print(json.dumps(probes[kind](slug, rows)))


if __name__ == "__main__":
    main()
