"""Search that finds (core/search.py): the ledger and the directory search through pg_trgm's trigram
indexes, Chinese included, rank what they find (an exact code or credit code first), and the ledger says
how many rows match without counting past 10,000."""

import re
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core import search
from hazards.models import Hazard
from organizations.models import Enterprise
from organizations.scoping import forget_scope

from ..factories import EnterpriseFactory

EN = {"Accept-Language": "en"}


def ledger_codes(api, **params) -> list[str]:
    response = api.get("/api/v1/hazards/", params)
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


def recode(hazard: Hazard, code: str) -> None:
    Hazard.objects.filter(pk=hazard.pk).update(code=code)


def test_an_exact_code_comes_first_then_the_closest_matches(world, api, ledger) -> None:
    exact = ledger.reported(title="压力表未校验")
    longer = ledger.reported(title="压力表未校验")
    mentioned = ledger.reported(title="复查 HZ-7001 的整改情况")
    ledger.reported(title="无关隐患")
    recode(exact, "HZ-7001")
    recode(longer, "HZ-70012")
    api.as_user(world.a.committee)
    # The exact code first, though it is the oldest; then the title that has the code as a word; then
    # the code that only begins like it.
    assert ledger_codes(api, q="hz-7001") == ["HZ-7001", mentioned.code, "HZ-70012"]
    assert ledger_codes(api, q="hz-7001", ordering="-discovered_at") == [
        mentioned.code,
        "HZ-70012",
        "HZ-7001",
    ]


def test_chinese_text_is_found_inside_words_and_ranked_by_similarity(world, api, ledger) -> None:
    whole = ledger.reported(title="紧急切断阀失效", location="一号罐区")
    inside = ledger.reported(title="储罐区未设紧急切断阀门检查记录", location="二号罐区")
    ledger.reported(title="消防通道堵塞", location="仓库")
    api.as_user(world.a.committee)
    # The better match (the whole title) is the older row: only the trigrams' similarity of Chinese text
    # — which needs a database whose LC_CTYPE knows Chinese letters — puts it first.
    assert ledger_codes(api, q="紧急切断阀失效") == [whole.code]
    assert ledger_codes(api, q="紧急切断阀") == [whole.code, inside.code]
    assert set(ledger_codes(api, q="罐区")) == {whole.code, inside.code}


def test_the_enterprise_name_and_credit_code_find_its_hazards(world, api, ledger) -> None:
    hazard = ledger.reported()
    other = EnterpriseFactory.create(region=world.a.county, name="星河精细化工有限公司")
    api.as_user(world.a.committee)
    assert ledger_codes(api, q="化工有限") == [hazard.code]
    assert ledger_codes(api, q=world.a.enterprise.credit_code.lower()) == [hazard.code]
    assert ledger_codes(api, q=other.name) == []
    # Another tenant's enterprise of the same name finds nothing here.
    assert ledger_codes(api, q=world.b.enterprise.name) == []


def test_search_pages_walk_every_match_once_in_rank_order(world, api, ledger) -> None:
    rows = [ledger.reported(title=f"{'紧急切断阀' if i % 2 else '切断阀'}第{i}号") for i in range(5)]
    api.as_user(world.a.committee)
    expected = ledger_codes(api, q="紧急切断阀", page_size=50)
    assert len(expected) == 2
    walked: list[str] = []
    url, params = "/api/v1/hazards/", {"q": "切断阀", "page_size": 2}
    while url:
        page = api.get(url, params if url == "/api/v1/hazards/" else None).json()
        walked += [row["code"] for row in page["results"]]
        url = page["next"]
    assert sorted(walked) == sorted(h.code for h in rows)
    assert len(walked) == len(set(walked)) == 5


def test_the_directory_ranks_the_exact_credit_code_first(world, api) -> None:
    # By name alone (the directory's order without a search) `first` would come first.
    first = EnterpriseFactory.create(region=world.a.county, name="丁化工储运有限公司")
    second = EnterpriseFactory.create(region=world.a.county, name="化工储运")
    api.as_user(world.a.committee)

    def names(**params) -> list[str]:
        response = api.get("/api/v1/enterprises/", params)
        assert response.status_code == 200, response.json()
        return [row["name"] for row in response.json()["results"]]

    assert names(q="化工储运") == [second.name, first.name]  # the whole name before a part of one
    assert names(q=first.credit_code)[0] == first.name
    assert names(q="储运有限") == [first.name]
    assert names(q=second.credit_code)[0] == second.name


def test_the_ledger_page_says_how_many_match_and_stops_counting_at_the_limit(
    world, client, ledger, monkeypatch
) -> None:
    for _ in range(4):
        ledger.reported(title="安全阀未校验")
    ledger.reported(title="消防通道堵塞")
    client.force_login(world.a.committee)
    page = client.get("/ledger/", {"q": "安全阀"}, headers=EN).content.decode()
    assert re.search(r"\b4 hazards match\b", page)
    one = client.get("/ledger/", {"q": "消防通道"}, headers=EN).content.decode()
    assert re.search(r"\b1 hazard matches\b", one)
    monkeypatch.setattr(search, "COUNT_LIMIT", 3)
    with CaptureQueriesContext(connection) as captured:
        page = client.get("/ledger/", {"q": "安全阀"}, headers=EN).content.decode()
    assert "3+ hazards match" in page
    # The count never reads past the limit: a LIMIT of limit + 1 inside the page's query.
    sqls = [query["sql"] for query in captured.captured_queries]
    assert any("LIMIT 4" in sql and "COUNT(*)" in sql for sql in sqls)


def test_the_default_limit_shows_10000_plus() -> None:
    assert search.COUNT_LIMIT == 10_000


def test_a_search_costs_a_page_one_query_for_what_it_finds(world, client, api, ledger) -> None:
    for _ in range(3):
        ledger.reported()
    client.force_login(world.a.committee)
    api.as_user(world.a.committee)

    def queries(url: str, caller, **params) -> int:
        forget_scope(world.a.committee)
        with CaptureQueriesContext(connection) as captured:
            assert caller.get(url, params).status_code == 200
        return len(captured)

    for warm_up in ("/ledger/", "/directory/enterprises/"):
        client.get(warm_up, {"q": "x"})  # the session's first save, choices cached once a process
    # Against another filter (a filtered page binds its filter form, as a search does): one query runs the
    # search functions; the count of matches and the ranking ride in the page's own query.
    assert queries("/ledger/", client, q="储罐区") == queries("/ledger/", client, state="reported") + 1
    assert (
        queries("/api/v1/hazards/", api, q="储罐区") == queries("/api/v1/hazards/", api, state="reported") + 1
    )
    directory = "/directory/enterprises/"
    assert queries(directory, client, q="化工") == queries(directory, client, status="operating") + 1


def _runs(captured: CaptureQueriesContext, function: str) -> int:
    return sum(query["sql"].count(f"{function}(") for query in captured.captured_queries)


LEDGER_SEARCHES = ("hazard_text_search", "enterprise_text_search")


@pytest.mark.django_db(transaction=True)
def test_a_search_runs_each_search_function_once_a_request(
    world, ledger, client, app_role_connection
) -> None:
    """However often a request reads the rows it found — the ledger page its rows and its count of matches,
    the direct export how many there are and then each, the directory its paginator's count and its page —
    each search function runs once (it is most of what a common term costs), as the row-level-security role
    inside the request's tenant transaction, and the request still shows every match."""
    from core.rls import tenant_context

    api = APIClient(headers=EN)
    with tenant_context(world.a.tenant):  # as the app role, all is written in the tenant (sign-in too)
        found = [ledger.reported(title=f"储罐区未设紧急切断{i}") for i in range(2)]
        for name in ("星河精细化工有限公司", "远洋精细化工有限公司"):
            EnterpriseFactory.create(region=world.a.county, name=name)
        client.force_login(world.a.committee)
        api.force_login(world.a.committee)
    cases = [
        ("/ledger/", client, "储罐区", LEDGER_SEARCHES),
        ("/api/v1/hazards/", api, "储罐区", LEDGER_SEARCHES),
        ("/ledger/export.csv", client, "储罐区", LEDGER_SEARCHES),
        ("/directory/enterprises/", client, "精细化工", ("directory_text_search",)),
        ("/api/v1/enterprises/", api, "精细化工", ("directory_text_search",)),
    ]
    for url, caller, text, functions in cases:
        with CaptureQueriesContext(connection) as captured:
            response = caller.get(url, {"q": text}, headers=EN)
            assert response.status_code == 200, url
            body = b"".join(response.streaming_content) if response.streaming else response.content
        assert {function: _runs(captured, function) for function in functions} == dict.fromkeys(
            functions, 1
        ), url
        shown = body.decode()
        if "enterprises" in url:
            assert "星河精细化工有限公司" in shown and "远洋精细化工有限公司" in shown, url
        else:
            assert all(hazard.code in shown for hazard in found), url
    assert re.search(
        r"\b2 hazards match\b", client.get("/ledger/", {"q": "储罐区"}, headers=EN).content.decode()
    )


def test_an_export_job_runs_the_search_once_for_its_total_and_its_rows(world, ledger) -> None:
    from exports.sources import table_for

    found = [ledger.reported() for _ in range(2)]
    with CaptureQueriesContext(connection) as captured:
        table = table_for(actor=world.a.committee, kind="ledger", params={"q": "储罐区"})
        rows = list(table.rows)
    assert table.total == len(rows) == 2
    assert {hazard.code for hazard in found} <= {str(cell) for row in rows for cell in row}
    assert {function: _runs(captured, function) for function in LEDGER_SEARCHES} == dict.fromkeys(
        LEDGER_SEARCHES, 1
    )


def test_a_search_that_finds_nothing_reads_no_rows(world, client, api, ledger) -> None:
    ledger.reported()
    api.as_user(world.a.committee)
    with CaptureQueriesContext(connection) as captured:
        assert ledger_codes(api, q="没有这样的隐患") == []
    assert not any("hazards_hazard" in query["sql"] for query in captured.captured_queries)


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        # Priced out: reading the whole table, or a whole index in its order. What is left are the
        # bitmap scans of indexes that answer the conditions.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        return queryset.explain()


def _function_plan(function: str, tenant_id: int, pattern: str) -> str:
    """The plan of a search function's own query (a definer function's plan is not in its caller's): its
    body, prepared with its parameters, explained with sequential scans priced out."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [function])
        body = cursor.fetchone()[0].replace("p_tenant", "$1").replace("p_pattern", "$2")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"PREPARE search_body(bigint, text) AS {body}")
        try:
            cursor.execute("EXPLAIN EXECUTE search_body(%s, %s)", [tenant_id, pattern])
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE search_body")


@pytest.mark.django_db(transaction=False)
def test_the_searches_read_the_trigram_indexes_not_the_table(world, ledger, rf) -> None:
    """With sequential scans priced out, each search function's query is its trigram indexes (were a
    condition not indexable — a function around the column — PostgreSQL would still have to scan), and the
    ledger and directory find the ids it returns through their primary keys, not by reading the tables."""
    from hazards.filters import HazardFilter
    from organizations.filters import EnterpriseFilter

    ledger.reported()
    tenant = world.a.tenant.pk
    plan = _function_plan("hazard_text_search", tenant, "%储罐区%")
    for index in (f"hazard_{column}_trgm_idx" for column in ("code", "title", "description", "location")):
        assert index in plan, plan
    plan = _function_plan("enterprise_text_search", tenant, "%储罐区%")
    assert "enterprise_name_trgm_idx" in plan and "enterprise_credit_trgm_idx" in plan, plan
    plan = _function_plan("directory_text_search", tenant, "%化工有限%")
    assert "enterprise_name_trgm_idx" in plan and "enterprise_address_trgm_idx" in plan, plan
    request = rf.get("/")
    request.user = world.a.committee
    hazards = HazardFilter({"q": "储罐区"}, queryset=Hazard.objects.all(), request=request).qs
    assert "Seq Scan on hazards_hazard" not in _plan(hazards)
    enterprises = EnterpriseFilter({"q": "化工有限"}, queryset=Enterprise.objects.all(), request=request).qs
    assert "Seq Scan on organizations_enterprise" not in _plan(enterprises)


@pytest.fixture
def two_tenants_hazards(world: Any, ledger: Any) -> tuple[Any, Any]:
    """A hazard titled with 储罐区 in each of two tenants, built as the owner."""
    from hazards.services import hazard_report

    other = hazard_report(
        actor=world.b.officer,
        enterprise=world.b.enterprise,
        title="储罐区未设紧急切断",
        description="说明",
        location="东区",
        category="equipment",
    )
    return ledger.reported(), other


@pytest.mark.django_db(transaction=True)
def test_a_search_function_reads_only_the_verified_tenant(
    world, two_tenants_hazards, app_role_connection
) -> None:
    """As the row-level-security role, a search finds the tenant's rows (the policies stand in front of the
    trigram indexes, so the match runs in a definer function) and nothing of another tenant's, whichever
    tenant it names."""
    from core.rls import tenant_context

    hazard_a, hazard_b = two_tenants_hazards

    def found(tenant: Any, named: int) -> list[int]:
        with tenant_context(tenant), connection.cursor() as cursor:
            cursor.execute("SELECT hazard_text_search(%s, %s)", [named, "%储罐区%"])
            return [row[0] for row in cursor.fetchall()]

    assert hazard_a.pk in found(world.a.tenant, world.a.tenant.pk)
    assert found(world.a.tenant, world.b.tenant.pk) == []  # another tenant named: nothing
    assert hazard_b.pk not in found(world.a.tenant, world.a.tenant.pk)
    with transaction.atomic(), connection.cursor() as cursor:  # no tenant set: nothing
        cursor.execute("SELECT hazard_text_search(%s, %s)", [world.a.tenant.pk, "%储罐区%"])
        assert cursor.fetchall() == []


def test_the_database_classifies_chinese_characters_as_letters_for_trigrams(db) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT show_trgm(%s)", ["紧急切断"])
        (trigrams,) = cursor.fetchone()
    assert len(trigrams) >= 4, trigrams
