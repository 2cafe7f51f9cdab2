"""A mixed load of the user groups against gunicorn on loopback, bounded in time.

    python -m bench.loadtest [--tenant load-1000000] [--seconds 60] [--users 16] [--open-rate 20]

Closed loop, no think time: each virtual user belongs to one group (public 4, enterprise 3, department 2,
committee 1, baseline 1 parts of the users) and requests that group's pages and API calls in turn. The
baseline user asks the bare view (bench/baselines.py: one raw SQL query of a ledger page and json.dumps)
signed in and anonymously in turn, so that the bare view sees the same queueing as every screen. Reports
p50, p95, p99, requests/s and errors per request kind, and each kind's verdict: p95 ≤ 300 ms, no errors, and
p95 ≤ 5x the signed-in bare view's p95 in the same run. Before the load each kind is timed alone (one
client, nothing else running), and the closed loop's floor on this machine is reported (closed_floor).

BENCH_WORKERS and BENCH_THREADS set the shape of the gunicorn served (2 x 4 unless set); BENCH_KEEP_ALIVE=0
makes every virtual user open a connection per request, as a reverse proxy without upstream keep-alive
does (with keep-alive each user stays on the worker that accepted its connection for the whole run).

Then an open loop over the same mix (--open-rate requests/s, 0 for none): requests start at fixed times
whatever the server's pace, and latency is counted from the time a request was due, not from when a busy
client got round to sending it, so queueing shows (no coordinated omission). (A thread-pool client rather
than locust: one dependency fewer, and the client's own cost is the same for every row.)
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

# The project's modules are imported inside the functions: they need django.setup(), which main() runs first.
import django

WEIGHTS = [("public", 4), ("enterprise", 3), ("department", 2), ("committee", 1), ("baseline", 1)]
BARE = "baseline: bare view, signed in"
BARE_ANONYMOUS = "baseline: bare view, anonymous"
P95_LIMIT_MS = 300.0
BARE_FACTOR = 5.0
TARGET = f"≤ {P95_LIMIT_MS:.0f} ms; ≤ {BARE_FACTOR:.0f}x bare; no errors"
KEEP_ALIVE = os.environ.get("BENCH_KEEP_ALIVE", "1") == "1"
OPEN_WORKERS = 64  # client threads of the open loop: enough that the client is never what queues


@dataclass(frozen=True)
class Step:
    kind: str
    path: str
    cookie: str  # '' for an anonymous request


@dataclass
class Persona:
    group: str
    steps: list[Step]


def _steps(cookie: str, paths: list[tuple[str, str]]) -> list[Step]:
    return [Step(kind, path, cookie) for kind, path in paths]


def _personas(slug: str) -> dict[str, list[Persona]]:
    from disclosure.models import Publication
    from hazards.models import Hazard
    from organizations.models import Membership, Tenant

    from .world import CITY, bare_paths, bench_campaign, session_cookie, world_of

    world = world_of(slug)
    tenant: Tenant = world.tenant
    result: dict[str, list[Persona]] = defaultdict(list)
    published = Publication.objects.filter(tenant=tenant, status="published").order_by("-month").first()
    public_paths = [("public: index", f"/public/{slug}/")]
    if published is not None:
        public_paths.append(("public: publication", f"/public/{slug}/p/{published.public_id}/"))
    result["public"].append(Persona("public", _steps("", public_paths)))

    officers = Membership.objects.filter(tenant=tenant, role="enterprise_officer").order_by("pk")
    for membership in officers.select_related("user")[:20]:
        hazard = Hazard.objects.filter(enterprise=membership.enterprise).order_by("-pk").first()
        paths = [
            ("enterprise: ledger page", "/ledger/"),
            ("enterprise: API list", "/api/v1/hazards/"),
            ("enterprise: inbox", "/inbox/"),
        ]
        if hazard is not None:
            paths.append(("enterprise: hazard detail", f"/ledger/{hazard.pk}/"))
        result["enterprise"].append(Persona("enterprise", _steps(session_cookie(membership.user), paths)))

    inspectors = Membership.objects.filter(
        tenant=tenant, role="inspector", department__region__level="county"
    )
    for membership in inspectors.select_related("user", "department__region").order_by("pk")[:10]:
        department = membership.department
        if department is None:
            continue
        hazard = (
            Hazard.objects.filter(
                tenant=tenant,
                region_path__startswith=department.region.path,
                industry__in=department.industries.values("pk"),
            )
            .order_by("-pk")
            .first()
        )
        paths = [
            ("department: API open list", "/api/v1/hazards/?state=confirmed&state=rectifying"),
            ("department: overdue page", "/ledger/?overdue=true"),
            ("department: inbox", "/inbox/"),
        ]
        if hazard is not None:
            paths.append(("department: hazard detail", f"/ledger/{hazard.pk}/"))
        result["department"].append(Persona("department", _steps(session_cookie(membership.user), paths)))

    committee = session_cookie(world.committee)
    paths = [
        ("committee: landing numbers", "/"),
        ("committee: major hazards page", "/ledger/?level=major"),
        ("committee: disclosures", "/disclosure/"),
        ("committee: inbox", "/inbox/"),
        ("committee: API inbox", "/api/v1/inbox/"),
        ("committee: rankings", "/rankings/"),
        ("committee: big screen", "/screen/"),
        ("committee: API big screen", f"/api/v1/screen/?region={CITY}"),
    ]
    campaign = bench_campaign(tenant)
    if campaign is not None:
        paths += [
            ("committee: wall chart", f"/campaigns/{campaign.pk}/wall-chart/"),
            ("committee: campaign dashboard", f"/campaigns/{campaign.pk}/dashboard/"),
        ]
    result["committee"].append(Persona("committee", _steps(committee, paths)))

    # The bare view of the read rows (one county's general hazards, first page), signed in as the committee
    # staff and anonymous in turn.
    bare, _deep = bare_paths(world)
    result["baseline"].append(
        Persona("baseline", [Step(BARE, bare, committee), Step(BARE_ANONYMOUS, bare, "")])
    )
    return result


def slots(users: int) -> list[str]:
    """The group of each virtual user: the weights' shares of `users` (largest remainder), at least one
    each."""
    total = sum(weight for _group, weight in WEIGHTS)
    shares = [(group, users * weight / total) for group, weight in WEIGHTS]
    counts = {group: max(1, int(share)) for group, share in shares}
    by_remainder = sorted(shares, key=lambda item: item[1] - int(item[1]), reverse=True)
    for group, _share in by_remainder:
        if sum(counts.values()) >= users:
            break
        counts[group] += 1
    return [group for group, _weight in WEIGHTS for _index in range(counts[group])]


@dataclass
class Kind:
    samples: list[float] = field(default_factory=list)  # seconds
    errors: int = 0

    def pct(self, share: float) -> float | None:
        """The share-quantile in ms (nearest rank below), None without answers."""
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return 1000 * ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1)))]


@dataclass
class Result:
    seconds: float  # how long the load ran
    kinds: dict[str, Kind]
    open_rate: float = 0.0  # arrivals per second for an open loop; 0 for the closed loop
    unsent: int = 0  # open loop: requests still unsent when the drain time ran out (counted as errors)
    alone: dict[str, float] = field(default_factory=dict)  # each kind's time with nothing else running (s)
    floor: float | None = None  # the closed loop's least mean latency on this machine (s); see closed_floor

    def p95(self, kind: str) -> float | None:
        return self.kinds[kind].pct(0.95) if kind in self.kinds else None


@dataclass(frozen=True)
class Verdict:
    kind: str
    met: bool
    ratio: float | None  # p95 ÷ the signed-in bare view's p95
    ratio_anonymous: float | None


def verdicts(result: Result) -> list[Verdict]:
    bare, anonymous = result.p95(BARE), result.p95(BARE_ANONYMOUS)
    found = []
    for name in sorted(result.kinds):
        kind = result.kinds[name]
        p95 = kind.pct(0.95)
        ratio = p95 / bare if p95 is not None and bare else None
        ratio_anonymous = p95 / anonymous if p95 is not None and anonymous else None
        met = (
            p95 is not None
            and kind.errors == 0
            and p95 <= P95_LIMIT_MS
            and ratio is not None
            and ratio <= BARE_FACTOR
        )
        found.append(Verdict(name, met, ratio, ratio_anonymous))
    return found


def missed(result: Result) -> list[str]:
    return [f"mixed load: {verdict.kind}" for verdict in verdicts(result) if not verdict.met]


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f} ms"


def _times(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}x"


HEADER = [
    "request",
    "count",
    "req/s",
    "p50",
    "p95",
    "p99",
    "errors",
    "p95 ÷ bare view p95 (signed in; anonymous)",
    "alone (one client)",
    "target",
    "met",
]
OPEN_HEADER = [
    "request",
    "scheduled",
    "answered/s",
    "p50",
    "p95",
    "p99",
    "errors",
    "p95 ÷ bare view p95 (signed in; anonymous)",
]


def _figures(name: str, kind: Kind, seconds: float) -> list[str]:
    answered = len(kind.samples)
    return [
        name,
        str(answered + kind.errors),
        f"{answered / seconds:.1f}",
        _ms(kind.pct(0.5)),
        _ms(kind.pct(0.95)),
        _ms(kind.pct(0.99)),
        str(kind.errors),
    ]


def _everything(result: Result) -> Kind:
    return Kind(
        [value for kind in result.kinds.values() for value in kind.samples],
        sum(kind.errors for kind in result.kinds.values()),
    )


def table(result: Result) -> list[list[str]]:
    """The closed loop's rows, each with its verdict, and the total."""
    rows = []
    for verdict in verdicts(result):
        rows.append(
            [
                *_figures(verdict.kind, result.kinds[verdict.kind], result.seconds),
                f"{_times(verdict.ratio)}; {_times(verdict.ratio_anonymous)}",
                _ms(1000 * result.alone[verdict.kind]) if verdict.kind in result.alone else "—",
                TARGET,
                "yes" if verdict.met else "**NO**",
            ]
        )
    rows.append([*_figures("**all**", _everything(result), result.seconds), "", "", "", ""])
    return rows


def closed_floor(users: list[list[str]], alone: dict[str, float], cores: int) -> float:
    """The least mean latency (s) that the slowest virtual user can have on `cores` cores, however the
    server schedules. Without think time each user always has one request in the server: user u, whose
    requests take L_u on average and cost c_u (its steps' mean time alone), sends 1/L_u a second, so the
    server needs sum(c_u / L_u) ≤ cores. Were every L_u below sum(c_u) / cores, that sum would exceed
    `cores`: some user waits at least that long on average — before the load client's own share of the
    CPU. `users` holds each virtual user's request kinds."""
    costs = [sum(alone[kind] for kind in kinds) / len(kinds) for kinds in users if kinds]
    return sum(costs) / cores


def floor_note(result: Result, users: int) -> str:
    if result.floor is None:
        return ""
    cores = os.cpu_count() or 1
    return (
        f"Floor of this closed loop on this machine: one request of each of the {users} users takes "
        f"{1000 * result.floor * cores:.0f} ms alone (each user's mean over its request types, summed); on "
        f"{cores} cores some user's requests therefore take at least {1000 * result.floor:.0f} ms on "
        "average, however the server schedules them, before the load client's own share of the CPU "
        "(bench/loadtest.py, closed_floor)."
    )


def measure_alone(
    host: str, port: int, personas: dict[str, list[Persona]], rounds: int = 3
) -> dict[str, float]:
    """Each kind's median time over HTTP with nothing else running (its first persona's step; one warm-up)."""
    from .serving import Client

    steps = {step.kind: step for group in personas.values() for persona in group for step in persona.steps}
    client = Client(host, port)
    alone = {}
    for kind, step in sorted(steps.items()):
        times = [client.get(step.path, cookie=step.cookie)[2] for _round in range(rounds + 1)][1:]
        alone[kind] = sorted(times)[len(times) // 2]
    return alone


def open_table(result: Result) -> list[list[str]]:
    """The open loop's rows: latency counted from each request's due time."""
    rows = []
    for verdict in verdicts(result):
        rows.append(
            [
                *_figures(verdict.kind, result.kinds[verdict.kind], result.seconds),
                f"{_times(verdict.ratio)}; {_times(verdict.ratio_anonymous)}",
            ]
        )
    rows.append([*_figures("**all**", _everything(result), result.seconds), ""])
    return rows


def _schedule(slug: str, users: int) -> tuple[list[str], dict[str, list[Persona]]]:
    personas = _personas(slug)
    return slots(users), personas


def run(host: str, port: int, slug: str, *, seconds: float, users: int) -> Result:
    """The closed loop: `users` virtual users, each sending its next request when the last one answered."""
    from .serving import Client

    groups, personas = _schedule(slug, users)
    alone = measure_alone(host, port, personas)
    user_kinds = [
        [step.kind for step in personas[group][index % len(personas[group])].steps]
        for index, group in enumerate(groups)
    ]
    kinds: dict[str, Kind] = defaultdict(Kind)
    for persona_list in personas.values():
        for persona in persona_list:
            for step in persona.steps:
                kinds[step.kind]  # every kind has a row, answered or not
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(index: int, group: str) -> None:
        persona = personas[group][index % len(personas[group])]
        client = Client(host, port, keep_alive=KEEP_ALIVE)
        step_index = index
        while time.monotonic() < stop:
            step = persona.steps[step_index % len(persona.steps)]
            step_index += 1
            try:
                status, _body, elapsed = client.get(step.path, cookie=step.cookie)
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok, elapsed = False, 0.0
            with lock:
                if ok:
                    kinds[step.kind].samples.append(elapsed)
                else:
                    kinds[step.kind].errors += 1

    threads = [threading.Thread(target=user, args=(i, group)) for i, group in enumerate(groups)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    floor = closed_floor(user_kinds, alone, os.cpu_count() or 1)
    return Result(time.monotonic() - started, dict(kinds), alone=alone, floor=floor)


def run_open(
    host: str, port: int, slug: str, *, seconds: float, users: int, rate: float, workers: int = OPEN_WORKERS
) -> Result:
    """The open loop: `rate` requests a second for `seconds`, dealt round the same virtual users' request
    sequences as the closed loop (so the same mix), each timed from when it was due. Requests not sent
    within `seconds` more (a server far behind) are counted as errors."""
    from .serving import Client

    groups, personas = _schedule(slug, users)
    plan: list[Step] = []
    positions = list(range(len(groups)))  # each virtual user's next step, starting where the closed loop does
    for arrival in range(int(rate * seconds)):
        slot = arrival % len(groups)
        persona = personas[groups[slot]][slot % len(personas[groups[slot]])]
        plan.append(persona.steps[positions[slot] % len(persona.steps)])
        positions[slot] += 1
    kinds: dict[str, Kind] = defaultdict(Kind)
    for step in plan:
        kinds[step.kind]
    lock = threading.Lock()
    cursor = [0]
    origin = time.perf_counter() + 0.5  # a moment for every thread to start
    give_up = origin + 2 * seconds

    def worker() -> None:
        client = Client(host, port)
        while True:
            with lock:
                index = cursor[0]
                if index >= len(plan) or time.perf_counter() > give_up:
                    return
                cursor[0] += 1
            step = plan[index]
            due = origin + index / rate
            time.sleep(max(0.0, due - time.perf_counter()))
            try:
                status, _body, _elapsed = client.get(step.path, cookie=step.cookie)
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok = False
            finished = time.perf_counter()
            with lock:
                if ok:
                    kinds[step.kind].samples.append(finished - due)
                else:
                    kinds[step.kind].errors += 1

    threads = [threading.Thread(target=worker) for _index in range(min(workers, max(1, len(plan))))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = max(seconds, time.perf_counter() - origin)
    for step in plan[cursor[0] :]:
        kinds[step.kind].errors += 1
    return Result(elapsed, dict(kinds), open_rate=rate, unsent=len(plan) - cursor[0])


def open_heading(result: Result, seconds: float, users: int) -> str:
    return (
        f"Open loop ({result.open_rate:g} requests/s for {seconds:.0f} s over the same mix as {users} "
        "virtual users; latency from each request's due time"
        + (f"; {result.unsent} requests never sent, counted as errors" if result.unsent else "")
        + ")"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest")
    parser.add_argument("--tenant", default="load-1000000")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument(
        "--open-rate", type=float, default=20, help="requests/s of the open-loop run after it; 0 for none"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from .report import load_facts, scaling_table
    from .serving import gunicorn
    from .world import ensure_screens, world_of

    start = load_facts("start")
    ensure_screens(world_of(args.tenant))  # the tenant must exist: `make bench` generates it
    with gunicorn() as (host, port):
        closed = run(host, port, args.tenant, seconds=args.seconds, users=args.users)
        opened = None
        if args.open_rate > 0:
            opened = run_open(
                host, port, args.tenant, seconds=args.seconds, users=args.users, rate=args.open_rate
            )
    print("\n".join(f"- {name}: {value}" for name, value in [*start, *load_facts("end")]))
    print(f"\nClosed loop ({args.seconds:.0f} s, {args.users} virtual users)\n")
    print(scaling_table(HEADER, table(closed)))
    print(f"\n{floor_note(closed, args.users)}")
    if opened is not None:
        print(f"\n{open_heading(opened, args.seconds, args.users)}\n")
        print(scaling_table(OPEN_HEADER, open_table(opened)))
    misses = missed(closed)
    if misses:
        print("targets missed: " + "; ".join(misses), file=sys.stderr)
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
