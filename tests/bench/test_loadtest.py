"""The mixed load's bookkeeping: who the virtual users are, and each request type's verdict."""

from collections import Counter

from bench import loadtest, report
from bench.loadtest import BARE, BARE_ANONYMOUS, Kind, Result


def _result(**p95_ms: float) -> Result:
    """A run in which every request of a kind took its given time (ms); the bare views took 20 and 10 ms."""
    kinds = {BARE: Kind([0.020] * 40), BARE_ANONYMOUS: Kind([0.010] * 40)}
    kinds |= {name.replace("_", " "): Kind([ms / 1000] * 40) for name, ms in p95_ms.items()}
    return Result(seconds=10, kinds=kinds)


def test_sixteen_virtual_users_keep_the_groups_shares_and_one_asks_the_bare_view() -> None:
    groups = Counter(loadtest.slots(16))

    assert sum(groups.values()) == 16
    assert groups == {"public": 6, "enterprise": 4, "department": 3, "committee": 2, "baseline": 1}
    assert set(loadtest.slots(3)) == {group for group, _weight in loadtest.WEIGHTS}  # one each at least


def test_a_request_type_within_300_ms_and_5x_the_bare_view_meets_its_target() -> None:
    result = _result(inbox=99)

    assert loadtest.missed(result) == []
    result.alone = {"inbox": 0.012}
    row = next(row for row in loadtest.table(result) if row[0] == "inbox")
    assert row[4] == "99 ms" and row[7] == "5.0x; 9.9x" and row[8] == "12 ms" and row[-1] == "yes"
    assert len(row) == len(loadtest.HEADER)


def test_a_slow_request_type_misses_on_its_own() -> None:
    assert loadtest.missed(_result(inbox=20, wall_chart=301)) == ["mixed load: wall chart"]


def test_more_than_5x_the_bare_view_misses_even_under_300_ms() -> None:
    result = _result(rankings=101)

    assert loadtest.missed(result) == ["mixed load: rankings"]
    assert next(row for row in loadtest.table(result) if row[0] == "rankings")[-1] == "**NO**"


def test_an_error_or_no_answer_at_all_misses() -> None:
    result = _result(inbox=20)
    result.kinds["inbox"].errors = 1
    result.kinds["big screen"] = Kind()

    assert loadtest.missed(result) == ["mixed load: big screen", "mixed load: inbox"]


def test_the_open_loop_table_has_every_kind_and_the_total() -> None:
    result = _result(inbox=40)
    result.open_rate = 20

    rows = loadtest.open_table(result)

    assert [row[0] for row in rows] == [BARE_ANONYMOUS, BARE, "inbox", "**all**"]
    assert rows[-1][1] == "120" and len(rows[0]) == len(loadtest.OPEN_HEADER)


def test_a_run_started_above_half_a_load_per_core_says_it_was_on_a_loaded_machine(monkeypatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)

    assert report.loaded_note((1.0, 0.0, 0.0)) == ""
    assert "loaded machine" in report.loaded_note((1.01, 0.0, 0.0))
    facts = dict(report.load_facts("start", (3.0, 2.0, 1.0)))
    assert facts["load average at start (1, 5, 15 min)"] == "3.00, 2.00, 1.00"
    assert "3.00 on 2 cores" in facts["loaded machine"]
    assert "loaded machine" not in dict(report.load_facts("end", (3.0, 2.0, 1.0)))


def test_the_closed_loop_floor_is_the_users_mean_costs_over_the_cores() -> None:
    alone = {"page": 0.030, "api": 0.010, "public": 0.002}
    users = [["page", "api"], ["page", "api"], ["public"], ["public"]]

    # (20 + 20 + 2 + 2) ms of one request per user, on 2 cores: some user waits 22 ms on average.
    assert abs(loadtest.closed_floor(users, alone, cores=2) - 0.022) < 1e-9
    # However the server schedules: with every user's mean latency below the floor, the CPU the users'
    # requests need (each user's cost over its latency, summed) would exceed the cores.
    below = 0.021
    assert sum(sum(alone[k] for k in kinds) / len(kinds) / below for kinds in users) > 2


def test_the_floor_note_says_what_it_is(monkeypatch) -> None:
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    result = _result(inbox=40)
    result.floor = 0.175

    note = loadtest.floor_note(result, 16)

    assert "350 ms alone" in note and "at least 175 ms on average" in note and "2 cores" in note
    assert loadtest.floor_note(_result(inbox=40), 16) == ""  # no floor measured, no note
