"""Container healthchecks (docker-compose.yml), standard library only so each costs a few milliseconds:

    python -m operations.healthcheck web [--port 8000]      GET /healthz/ on loopback: exit 0 on 200
    python -m operations.healthcheck beat [--max-age 180]   the beat heartbeat is younger than that
    python -m operations.healthcheck backup --dir /backups [--max-age SECONDS]
                                                            the newest complete backup is younger than that

`web` sends a Host header Django accepts — the first usable entry of ALLOWED_HOSTS, read the way
config/settings.py reads it — so host validation stays on for every request, the healthcheck's included.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

# As config/settings.py: the hosts allowed when ALLOWED_HOSTS is not set.
DEFAULT_ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]", "testserver"]


def heartbeat_path() -> Path:
    """Where Celery beat's heartbeat is (operations/heartbeat.py): BEAT_HEARTBEAT_FILE, or a temp file."""
    configured = os.environ.get("BEAT_HEARTBEAT_FILE")
    return Path(configured) if configured else Path(tempfile.gettempdir()) / "hazard-ledger-beat.heartbeat"


def allowed_hosts() -> list[str]:
    raw = os.environ.get("ALLOWED_HOSTS")
    if raw is None:
        return DEFAULT_ALLOWED_HOSTS
    return [item.strip() for item in raw.split(",") if item.strip()]


def healthcheck_host(allowed: list[str]) -> str:
    """A Host header that `allowed` (Django's ALLOWED_HOSTS) lets through."""
    for entry in allowed:
        if entry != "*":
            # ".example.gov.cn" allows the domain itself as well as its subdomains.
            return entry.removeprefix(".")
    return "localhost"  # only "*" (or nothing: then Django refuses every host anyway)


def check_web(port: int, timeout: float = 10) -> tuple[bool, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/healthz/", headers={"Host": healthcheck_host(allowed_hosts())}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status == 200, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return False, f"{error.code} {error.read().decode(errors='replace')}"
    except OSError as error:
        return False, str(error)


def _age(path: Path) -> float | None:
    try:
        return time.time() - path.stat().st_mtime
    except OSError:
        return None


def check_fresh(path: Path | None, max_age: float, what: str) -> tuple[bool, str]:
    age = _age(path) if path is not None else None
    if age is None:
        return False, f"no {what} yet"
    return age <= max_age, f"{what} {age:.0f} s old (at most {max_age:.0f})"


def newest_backup_manifest(directory: Path) -> Path | None:
    manifests = sorted(directory.glob("backup-*/manifest.json"), key=lambda path: path.parent.name)
    return manifests[-1] if manifests else None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m operations.healthcheck")
    sub = parser.add_subparsers(dest="what", required=True)
    web = sub.add_parser("web")
    web.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    beat = sub.add_parser("beat")
    beat.add_argument("--max-age", type=float, default=180)
    backup = sub.add_parser("backup")
    backup.add_argument("--dir", type=Path, required=True)
    backup.add_argument("--max-age", type=float, default=26 * 3600)
    args = parser.parse_args(argv)
    if args.what == "web":
        ok, said = check_web(args.port)
    elif args.what == "beat":
        ok, said = check_fresh(heartbeat_path(), args.max_age, "beat heartbeat")
    else:
        ok, said = check_fresh(newest_backup_manifest(args.dir), args.max_age, "newest backup")
    print(said)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
