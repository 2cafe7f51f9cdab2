"""A mixed load of the four user groups against gunicorn on loopback, bounded in time.

    python -m bench.loadtest [--tenant load-1000000] [--seconds 60] [--users 16]

Closed loop, no think time: each virtual user belongs to one group (public 40 %, enterprise 30 %,
department 20 %, committee 10 %) and requests that group's pages and API calls in turn. Reports p50, p95,
p99, requests/s and errors per request kind. (A thread-pool client rather than locust: one dependency fewer,
and the client's own cost is the same for every row.)
"""

from __future__ import annotations

import argparse
import http.client
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

# The project's modules are imported inside the functions: they need django.setup(), which main() runs first.
import django

WEIGHTS = [("public", 4), ("enterprise", 3), ("department", 2), ("committee", 1)]


@dataclass
class Persona:
    group: str
    cookie: str
    paths: list[tuple[str, str]]  # (kind, path)


def _personas(slug: str) -> dict[str, list[Persona]]:
    from disclosure.models import Publication
    from hazards.models import Hazard
    from organizations.models import Membership, User

    from .world import CITY, session_cookie

    result: dict[str, list[Persona]] = defaultdict(list)
    published = Publication.objects.filter(tenant__slug=slug, status="published").order_by("-month").first()
    public_paths = [("public: index", f"/public/{slug}/")]
    if published is not None:
        public_paths.append(("public: publication", f"/public/{slug}/p/{published.public_id}/"))
    result["public"].append(Persona("public", "", public_paths))

    officers = Membership.objects.filter(tenant__slug=slug, role="enterprise_officer").order_by("pk")
    for membership in officers.select_related("user")[:20]:
        hazard = Hazard.objects.filter(enterprise=membership.enterprise).order_by("-pk").first()
        paths = [("enterprise: ledger page", "/ledger/"), ("enterprise: API list", "/api/v1/hazards/")]
        if hazard is not None:
            paths.append(("enterprise: hazard detail", f"/ledger/{hazard.pk}/"))
        result["enterprise"].append(Persona("enterprise", session_cookie(membership.user), paths))

    inspectors = Membership.objects.filter(
        tenant__slug=slug, role="inspector", department__region__level="county"
    )
    for membership in inspectors.select_related("user", "department__region").order_by("pk")[:10]:
        department = membership.department
        if department is None:
            continue
        hazard = (
            Hazard.objects.filter(
                tenant__slug=slug,
                region_path__startswith=department.region.path,
                industry__in=department.industries.values("pk"),
            )
            .order_by("-pk")
            .first()
        )
        paths = [
            ("department: API open list", "/api/v1/hazards/?state=confirmed&state=rectifying"),
            ("department: overdue page", "/ledger/?overdue=true"),
        ]
        if hazard is not None:
            paths.append(("department: hazard detail", f"/ledger/{hazard.pk}/"))
        result["department"].append(Persona("department", session_cookie(membership.user), paths))

    committee = User.objects.get(username=f"{slug}-committee-{CITY}")
    result["committee"].append(
        Persona(
            "committee",
            session_cookie(committee),
            [
                ("committee: landing numbers", "/"),
                ("committee: major hazards page", "/ledger/?level=major"),
                ("committee: disclosures", "/disclosure/"),
            ],
        )
    )
    return result


def run(host: str, port: int, slug: str, *, seconds: float, users: int) -> list[list[str]]:
    """Run the mix; returns table rows (kind, requests, req/s, p50, p95, p99, errors)."""
    from .serving import Client

    personas = _personas(slug)
    slots: list[str] = []
    total_weight = sum(weight for _group, weight in WEIGHTS)
    for group, weight in WEIGHTS:
        slots += [group] * max(1, round(users * weight / total_weight))
    samples: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def user(index: int, group: str) -> None:
        persona = personas[group][index % len(personas[group])]
        client = Client(host, port, persona.cookie)
        step = index
        while time.monotonic() < stop:
            kind, path = persona.paths[step % len(persona.paths)]
            step += 1
            try:
                status, _body, elapsed = client.get(path)
                ok = status == 200
            except (OSError, http.client.HTTPException):
                ok, elapsed = False, 0.0
            with lock:
                if ok:
                    samples[kind].append(elapsed)
                else:
                    errors[kind] += 1

    threads = [threading.Thread(target=user, args=(i, group)) for i, group in enumerate(slots)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started

    def pct(values: list[float], share: float) -> str:
        if not values:
            return "—"
        ordered = sorted(values)
        return f"{1000 * ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1)))]:.0f} ms"

    rows = []
    everything: list[float] = []
    for kind in sorted(set(samples) | set(errors)):
        values = samples[kind]
        everything += values
        rows.append(
            [
                kind,
                str(len(values)),
                f"{len(values) / duration:.1f}",
                pct(values, 0.5),
                pct(values, 0.95),
                pct(values, 0.99),
                str(errors[kind]),
            ]
        )
    rows.append(
        [
            "**all**",
            str(len(everything)),
            f"{len(everything) / duration:.1f}",
            pct(everything, 0.5),
            pct(everything, 0.95),
            pct(everything, 0.99),
            str(sum(errors.values())),
        ]
    )
    return rows


HEADER = ["request", "count", "req/s", "p50", "p95", "p99", "errors"]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest")
    parser.add_argument("--tenant", default="load-1000000")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--users", type=int, default=16)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    django.setup()
    from .report import scaling_table
    from .serving import gunicorn

    with gunicorn() as (host, port):
        rows = run(host, port, args.tenant, seconds=args.seconds, users=args.users)
    print(scaling_table(HEADER, rows))


if __name__ == "__main__":
    main()
