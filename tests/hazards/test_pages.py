"""Ledger pages: what each role sees and can do in the browser; 404/403/409; both languages."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hazards.models import Hazard, SelfInspection

from ..factories import acceptance_form, photo

EN = {"Accept-Language": "en"}


def text(response) -> str:
    return response.content.decode()


def test_ledger_lists_what_the_role_may_see_with_filters(world, client, ledger) -> None:
    major = ledger.confirmed()
    general = ledger.reported(title="动火作业未办理作业票")
    client.force_login(world.a.committee)
    page = text(client.get("/ledger/", headers=EN))
    assert major.code in page and general.code in page
    filtered = text(client.get("/ledger/", {"level": "major"}, headers=EN))
    assert major.code in filtered and general.code not in filtered
    client.force_login(world.b.committee)
    assert major.code not in text(client.get("/ledger/"))
    client.force_login(world.a.outsider)
    assert major.code not in text(client.get("/ledger/"))


def test_ledger_pages_without_counting_the_whole_ledger(world, client, ledger, django_assert_max_num_queries):
    for _ in range(3):
        ledger.reported()
    client.force_login(world.a.committee)
    with django_assert_max_num_queries(20):
        response = client.get("/ledger/")
    assert response.status_code == 200


def test_the_ledger_page_reads_the_same_queries_whatever_its_rows(world, client, ledger) -> None:
    """The page joins what its rows show (enterprise, region, industry) and reads nothing per row, majors
    with their criterion included; and its rows statement does not join the criterion (planning cost)."""
    client.force_login(world.a.committee)

    def page_queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/ledger/").status_code == 200
        return [query["sql"] for query in captured.captured_queries]

    ledger.confirmed("major")
    page_queries()  # the first page also reads the user and counts the menu's to-do badge
    few = page_queries()
    for _ in range(3):
        ledger.confirmed("major")
        ledger.reported()
    many = page_queries()
    assert len(many) == len(few)
    rows = [sql for sql in many if 'FROM "hazards_hazard" INNER JOIN' in sql]
    assert rows and not any('"hazards_criterion"' in sql for sql in rows)


def test_detail_page_is_404_outside_the_scope(world, client, ledger) -> None:
    hazard = ledger.reported()
    for user in (world.b.admin, world.b.committee, world.a.outsider):
        client.force_login(user)
        assert client.get(f"/ledger/{hazard.pk}/").status_code == 404
        assert client.post(f"/ledger/{hazard.pk}/confirm/", {"level": "general"}).status_code == 404


def test_detail_offers_only_the_forms_the_role_may_use(world, client, ledger) -> None:
    hazard = ledger.reported()
    client.force_login(world.a.inspector)
    page = text(client.get(f"/ledger/{hazard.pk}/", headers=EN))
    assert f"/ledger/{hazard.pk}/confirm/" in page
    assert f"/ledger/{hazard.pk}/withdraw/" in page
    client.force_login(world.a.officer)
    page = text(client.get(f"/ledger/{hazard.pk}/", headers=EN))
    assert f"/ledger/{hazard.pk}/confirm/" not in page
    assert hazard.title in page


def test_the_loop_in_the_browser(world, client, ledger) -> None:
    w = world.a
    hazard = ledger.reported()
    client.force_login(w.inspector)
    response = client.post(
        f"/ledger/{hazard.pk}/confirm/", {"level": "major", "criterion": ledger.criterion.pk}
    )
    assert response.status_code == 302
    client.force_login(w.committee)
    response = client.post(
        f"/ledger/{hazard.pk}/handover/", {"region": w.city.pk, "departments": [w.department.pk]}
    )
    assert response.status_code == 302
    client.force_login(w.officer)
    deadline = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = client.post(
        f"/ledger/{hazard.pk}/plan/",
        {
            "responsible_person": "周明远",
            "measures": "更换",
            "funds": "1000",
            "deadline": deadline,
            "contingency_plan": "停用",
        },
    )
    assert response.status_code == 302
    response = client.post(f"/ledger/{hazard.pk}/submit/", {"report": "已整改", "evidence": [photo()]})
    assert response.status_code == 302
    client.force_login(w.inspector)
    response = client.post(f"/ledger/{hazard.pk}/verify/", {"accepted": "no", "note": ""}, headers=EN)
    assert response.status_code == 400
    assert "Say why" in text(response)
    assert (
        client.post(
            f"/ledger/{hazard.pk}/verify/", {"accepted": "yes", "on_site": "on", **acceptance_form()}
        ).status_code
        == 302
    )
    hazard.refresh_from_db()
    assert hazard.state == "closed"
    page = text(client.get(f"/ledger/{hazard.pk}/", headers=EN))
    assert page.count('class="timeline"') == 1
    assert page.count('class="timeline-action"') == 6  # report, confirm, handover, plan, submit, verify
    assert "/evidence/" in page


def test_a_transition_from_the_wrong_state_shows_a_409_page(world, client, ledger) -> None:
    hazard = ledger.reported()
    client.force_login(world.a.officer)
    response = client.post(f"/ledger/{hazard.pk}/submit/", {"report": "x"}, headers=EN)
    assert response.status_code == 409
    assert "Reported" in text(response)


def test_a_wrong_role_gets_403(world, client, ledger) -> None:
    hazard = ledger.reported()
    client.force_login(world.a.officer)
    assert client.post(f"/ledger/{hazard.pk}/confirm/", {"level": "general"}).status_code == 403


def test_report_form_records_a_hazard_with_a_photo(world, client, standards) -> None:
    client.force_login(world.a.officer)
    page = text(client.get("/ledger/new/", headers=EN))
    assert 'accept="image/jpeg,image/png"' in page and "capture=" not in page  # camera or gallery
    response = client.post(
        "/ledger/new/",
        {
            "enterprise": world.a.enterprise.pk,
            "title": "报警器失效",
            "description": "可燃气体报警器失效",
            "location": "罐区",
            "category": "equipment",
            "photos": [photo()],
        },
    )
    assert response.status_code == 302
    hazard = Hazard.objects.get(title="报警器失效")
    assert hazard.evidence.count() == 1


def test_report_form_refuses_a_fake_photo_with_a_clear_error(world, client, standards) -> None:
    client.force_login(world.a.officer)
    fake = SimpleUploadedFile("photo.png", b"<html>not a picture</html>", content_type="image/png")
    response = client.post(
        "/ledger/new/",
        {
            "enterprise": world.a.enterprise.pk,
            "title": "t",
            "description": "d",
            "location": "l",
            "category": "equipment",
            "photos": [fake],
        },
        headers=EN,
    )
    assert response.status_code == 400
    assert "not a JPEG, PNG or PDF" in text(response)
    assert not Hazard.objects.exists()


def test_self_inspection_in_the_browser_officer_fills_head_submits(world, client, standards) -> None:
    w = world.a
    client.force_login(w.officer)
    response = client.post("/self-inspections/start/", {"enterprise": w.enterprise.pk})
    assert response.status_code == 302
    url = response["Location"]
    page = text(client.get(url, headers=EN))
    keys = sorted(set(re.findall(r'name="result-([^"]+)"', page)))
    assert "GEN-1" in keys
    data: dict[str, object] = {f"result-{key}": "ok" for key in keys}
    data[f"result-{keys[0]}"] = "hazard"
    data[f"description-{keys[0]}"] = "未设置紧急切断"
    data[f"location-{keys[0]}"] = "罐区"
    data[f"category-{keys[0]}"] = "equipment"
    data["extra-0-description"] = "消防通道堵塞"
    data["extra-0-location"] = "仓库北侧"
    data["extra-0-category"] = "environment"
    data["extra-0-photos"] = [photo()]
    data["save"] = "1"
    assert client.post(url, data).status_code == 302
    data.pop("extra-0-description")
    data.pop("extra-0-photos")
    data.pop("save")
    data["submit"] = "1"
    assert client.post(url, data, headers=EN).status_code == 403  # only the head submits
    client.force_login(w.head)
    assert client.post(url, data).status_code == 302
    inspection = SelfInspection.objects.get()
    assert inspection.status == "submitted"
    hazards = Hazard.objects.filter(self_inspection=inspection)
    assert hazards.count() == 2
    assert set(hazards.values_list("state", flat=True)) == {"reported"}
    assert hazards.get(title="消防通道堵塞").evidence.count() == 1


def _checklist(client, enterprise) -> tuple[str, list[str]]:
    """A fresh self-inspection of the enterprise: its page's address and its checklist line keys."""
    url = client.post("/self-inspections/start/", {"enterprise": enterprise.pk})["Location"]
    return url, sorted(set(re.findall(r'name="result-([^"]+)"', text(client.get(url)))))


def test_a_self_inspection_with_bad_input_shows_the_errors_beside_the_lines_and_saves_nothing(
    world, client, standards
) -> None:
    client.force_login(world.a.officer)
    url, keys = _checklist(client, world.a.enterprise)
    response = client.post(
        url,
        {
            f"result-{keys[0]}": "maybe",
            f"result-{keys[1]}": "hazard",
            f"location-{keys[1]}": "x" * 201,
            "note": "typed",
            "save": "1",
        },
        headers=EN,
    )
    assert response.status_code == 400
    page = text(response)
    assert f'id="line-{keys[0]}-error"><li>Mark the item ok, hazard or not applicable.' in page
    assert f'id="line-{keys[1]}-error"><li>Ensure this value has at most 200' in page
    assert "x" * 201 in page  # what was typed stays on the page
    inspection = SelfInspection.objects.get()
    assert not inspection.items.exists() and inspection.note == ""


def test_an_other_hazard_without_a_place_is_refused_beside_its_slot(world, client, standards) -> None:
    client.force_login(world.a.officer)
    url, keys = _checklist(client, world.a.enterprise)
    data = {f"result-{key}": "ok" for key in keys}
    response = client.post(url, {**data, "extra-1-description": "消防通道堵塞", "save": "1"}, headers=EN)
    assert response.status_code == 400
    page = text(response)
    assert '<ul class="errorlist" id="extra-1-error"><li>Describe the hazard and say where it is.' in page
    assert "消防通道堵塞</textarea>" in page
    assert not SelfInspection.objects.get().items.exists()


def test_starting_a_self_inspection_with_a_bad_month_shows_the_error_on_the_month(world, client) -> None:
    w = world.a
    client.force_login(w.officer)
    for month, message in [
        ("2023-13", "Give the month as YYYY-MM, e.g. 2023-06."),
        (f"{timezone.localdate().year + 1}-01", "A self-inspection cannot be filed for a future month."),
    ]:
        response = client.post(
            "/self-inspections/start/", {"enterprise": w.enterprise.pk, "month": month}, headers=EN
        )
        assert response.status_code == 400
        page = text(response)
        assert f'<ul class="errorlist" id="start-month-{w.enterprise.pk}-error"><li>{message}' in page
        assert f'value="{month}"' in page
    assert not SelfInspection.objects.exists()
    # Another tenant's enterprise stays a 404, whatever else is wrong with the request.
    other = {"enterprise": world.b.enterprise.pk, "month": "2023-13"}
    assert client.post("/self-inspections/start/", other).status_code == 404
    assert client.post("/self-inspections/start/", {"month": "2023-06"}).status_code == 400


def test_committee_sees_who_has_not_filed(world, client, standards) -> None:
    client.force_login(world.a.committee)
    month = timezone.localdate().strftime("%Y-%m")
    page = text(
        client.get("/self-inspections/missing/", {"region": world.a.city.pk, "month": month}, headers=EN)
    )
    assert world.a.enterprise.name in page
    assert world.a.construction_enterprise.name in page
    assert world.a.other_city_enterprise.name not in page
    client.force_login(world.a.officer)
    assert client.get("/self-inspections/missing/").status_code == 403


def test_inspector_logs_an_unannounced_inspection_with_a_finding(world, client, ledger) -> None:
    client.force_login(world.a.inspector)
    assert client.get("/inspections/new/").status_code == 200
    data = {
        "enterprise": world.a.enterprise.pk,
        "date": timezone.localdate().isoformat(),
        "kind": "unannounced",
        "stop_production": "none",
        "fine_amount": "0",
        "finding-TOTAL_FORMS": "3",
        "finding-INITIAL_FORMS": "0",
        "finding-MIN_NUM_FORMS": "0",
        "finding-MAX_NUM_FORMS": "10",
        "finding-0-title": "罐区无紧急切断",
        "finding-0-description": "d",
        "finding-0-location": "罐区",
        "finding-0-category": "equipment",
        "finding-0-level": "major",
        "finding-0-criterion": ledger.criterion.pk,
        "finding-1-level": "general",
        "finding-2-level": "general",
    }
    response = client.post("/inspections/new/", data)
    assert response.status_code == 302, text(response)[:2000]
    hazard = Hazard.objects.get(title="罐区无紧急切断")
    assert (hazard.state, hazard.level, hazard.source) == ("confirmed", "major", "inspection")
    client.force_login(world.a.officer)
    assert client.get("/inspections/new/").status_code == 403


@pytest.mark.parametrize(
    "url", ["/ledger/", "/self-inspections/", "/inspections/", "/notifications/", "/ledger/new/"]
)
def test_pages_render_in_both_languages(world, client, url) -> None:
    client.force_login(world.a.committee)
    english = client.get(url, headers=EN)
    chinese = client.get(url, headers={"Accept-Language": "zh-hans"})
    assert english.status_code == chinese.status_code == 200
    assert 'lang="en"' in text(english) and 'lang="zh-hans"' in text(chinese)


def test_landing_pages_show_the_ledger_numbers_that_the_ledger_filter_returns(world, client, ledger) -> None:
    ledger.confirmed()
    ledger.reported()
    client.force_login(world.a.committee)
    page = text(client.get("/", headers=EN))
    match = re.search(r'href="/ledger/\?(level=major[^"]*)">\s*<span class="tile-number">(\d+)</span>', page)
    assert match
    query, shown = match.group(1).replace("&amp;", "&"), int(match.group(2))
    listed = text(client.get(f"/ledger/?{query}", headers=EN))
    assert shown == 1
    assert listed.count('class="badge state-') >= shown


def test_the_ledger_page_chooses_its_rows_by_id_before_reading_their_joins(world, client, ledger) -> None:
    """The page's 51 ids come from the hazard table alone; enterprise, region, industry and criterion are
    joined for those rows only (hazards/keyset.py first_rows: in one statement PostgreSQL drove a county
    department's overdue page from the tenant's industries and read 20,000 heap blocks for 51 rows)."""
    for _index in range(3):
        ledger.reported()
    client.force_login(world.a.inspector)
    with CaptureQueriesContext(connection) as captured:
        page = text(client.get("/ledger/?overdue=false", headers=EN))
    assert page.count('<a href="/ledger/') >= 1
    rows = [
        q["sql"] for q in captured.captured_queries if 'INNER JOIN "organizations_enterprise"' in q["sql"]
    ]
    assert len(rows) == 1, rows
    # The ids: a subquery of the hazards alone, ordered and cut to the page, inside the outer statement.
    page_ids = re.search(r'"id" IN \((SELECT [^()]*"hazards_hazard" "?\w+"? WHERE .*? LIMIT 51)\)', rows[0])
    assert page_ids, rows[0]
    assert "organizations_" not in page_ids.group(1), page_ids.group(1)


@pytest.mark.parametrize(
    ("url", "index"),
    [
        ("/ledger/?overdue=true", "hazard_tenant_overdue_disc_idx"),
        ("/api/v1/hazards/?state=confirmed&state=rectifying", "hazard_tenant_open_disc_idx"),
    ],
)
def test_a_departments_working_lists_walk_their_ids_from_an_index_alone(
    world, client, ledger, url, index
) -> None:
    """The overdue page's ids and the open hazards' (the department's API list), newest first, come from an
    index in its order, index-only: the state and the department's scope (its subtree and industries, or
    what was handed to it) are tested on the index's own columns, never by reading each row from the table
    (at 1M hazards 16,000 overdue rows for the page's 51, 30,000 rows for the open list's)."""
    ledger.rectifying()
    ledger.confirmed("general")
    client.force_login(world.a.inspector)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=EN).status_code == 200
    # The ids' walk: the innermost select of the hazards alone, ordered and cut to the page.
    walk = re.compile(
        r'(SELECT (?:DISTINCT )?"V0"\."id"[^()]* FROM "hazards_hazard" "V0" WHERE .*? LIMIT \d+)'
    )
    walks = [found.group(1) for query in captured.captured_queries if (found := walk.search(query["sql"]))]
    assert len(walks) == 1, [query["sql"] for query in captured.captured_queries]
    with connection.cursor() as cursor:
        # Priced out: reading the table, bitmaps and sorting; and the whole ledger's order index dropped (in
        # the test's transaction, rolled back with it), which on a test's few rows may cost the same. What is
        # left is walking the list's own index in order: index-only, or reading the table for each row.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute("DROP INDEX hazard_tenant_disc_idx")
        cursor.execute("EXPLAIN " + walks[0])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # The walk goes through the list's own index, and reads no column that index does not hold (its keys,
    # included columns and condition): it can be answered index-only wherever the table's pages are all
    # visible. (Whether PostgreSQL then says "Index Only Scan" depends on that visibility, which a test's
    # fresh rows never have.)
    assert f"using {index} on hazards_hazard" in plan, plan
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_agg(a.attname::text), pg_get_expr(i.indpred, i.indrelid) FROM pg_index i"
            " JOIN pg_class c ON c.oid = i.indexrelid"
            " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
            " WHERE c.relname = %s GROUP BY i.indpred, i.indrelid",
            [index],
        )
        columns, condition = cursor.fetchone()
    held = set(columns) | set(re.findall(r"\w+", condition or ""))
    read = set(re.findall(r'"V0"\."(\w+)"', walks[0]))
    assert read and read <= held, read - held


def test_the_planner_sees_a_county_in_the_region_paths_statistics(db) -> None:
    """Region paths are sampled finely enough that a county's share of a country's ledger is estimated
    from buckets narrower than the county (hazards migration 0028: with three provinces the default
    histogram expected 30 times too few rows under a county's path, and the first province's ledger API
    took twice its time alone)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'hazards_hazard'::regclass"
            " AND attname = 'region_path'"
        )
        assert cursor.fetchone()[0] >= 1000


@pytest.mark.parametrize("ordering", ["", "discovered_at", "deadline"])
def test_ledger_pages_follow_each_other_without_gaps_or_repeats(world, client, ledger, ordering) -> None:
    # 53 rows, several found at the same moment across the page boundary: the cursor breaks the tie by id.
    start = timezone.now() - dt.timedelta(days=10)
    made = [
        ledger.reported(title=f"隐患{index}", now=start + dt.timedelta(hours=index if index < 45 else 45))
        for index in range(53)
    ]
    client.force_login(world.a.committee)
    url, seen = f"/ledger/?ordering={ordering}", []
    while url:
        page = text(client.get(url, headers=EN))
        seen += re.findall(r'<a href="/ledger/(\d+)/">', page)
        following = re.search(r'href="\?([^"]*after=[^"]*)" rel="next"', page)
        url = f"/ledger/?{following.group(1).replace('&amp;', '&')}" if following else ""
    assert sorted(seen) == sorted(str(h.pk) for h in made)
    assert len(seen) == len(set(seen))
