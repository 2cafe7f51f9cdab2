"""docker-compose.yml, the Dockerfile and config/gunicorn.py keep the properties a production start relies
on. There is no Docker engine in CI (`docker compose config` needs one), so the file is parsed as YAML
(merge keys resolved) and its structure asserted: an edit that breaks a property fails here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from django.conf import settings
from django.db import connection

from operations.postgres import server_major

BASE_DIR = Path(settings.BASE_DIR)
APP_SERVICES = {"migrate", "web", "worker", "beat", "backup", "restore"}
LONG_RUNNING = {"web", "worker", "beat"}


# What an operator's .env provides (docker-compose.yml refuses to start without these).
OPERATOR_ENV = {"SECRET_KEY": "k", "POSTGRES_PASSWORD": "owner-pw", "APP_DB_PASSWORD": "app-pw"}
_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:[-?])(?P<arg>[^}]*))?\}|\$(?P<bare>\w+)")


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable interpolation, as `docker compose config` applies it: ${VAR}, ${VAR:-default},
    ${VAR:?error} (an error when VAR is unset or empty), $VAR, and $$ for a literal $."""
    if isinstance(value, dict):
        return {key: interpolate(item, env) for key, item in value.items()}
    if isinstance(value, list):
        return [interpolate(item, env) for item in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name") or match.group("bare"), match.group("op"), match.group("arg")
        if env.get(name):
            return env[name]
        if op == ":?":
            raise LookupError(f"{name}: {arg}")
        return arg if op == ":-" else ""

    return _VARIABLE.sub(one, value)


@pytest.fixture(scope="module")
def raw_compose() -> dict[str, Any]:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def compose(raw_compose: dict[str, Any]) -> dict[str, Any]:
    return interpolate(raw_compose, OPERATOR_ENV)


def test_the_file_refuses_to_start_without_the_secrets(raw_compose: dict[str, Any]) -> None:
    for missing in OPERATOR_ENV:
        with pytest.raises(LookupError, match=missing):
            interpolate(raw_compose, {k: v for k, v in OPERATOR_ENV.items() if k != missing})


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


def command_text(value: Any) -> str:
    return value if isinstance(value, str) else " ".join(str(part) for part in value)


def test_the_image_is_built_once_and_run_by_every_application_service(services: dict[str, Any]) -> None:
    assert services.keys() >= APP_SERVICES
    builders = [name for name, service in services.items() if "build" in service]
    assert builders == ["migrate"]
    images = {services[name]["image"] for name in APP_SERVICES}
    assert len(images) == 1
    assert images.pop().startswith("hazard-ledger:")


def test_migrations_run_first_and_must_succeed_before_web_worker_beat_and_backup(
    services: dict[str, Any],
) -> None:
    migrate = services["migrate"]
    assert "profiles" not in migrate  # it runs on every `docker compose up`
    assert migrate["restart"] == "no"
    assert command_text(migrate["command"]).endswith("manage.py migrate --noinput")
    for name in LONG_RUNNING | {"backup"}:
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, (
            name
        )
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}, name


def test_only_gunicorn_is_published_and_only_on_the_hosts_loopback(services: dict[str, Any]) -> None:
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert published == {"web": ["127.0.0.1:8000:8000"]}


def test_the_web_healthcheck_asks_healthz(services: dict[str, Any]) -> None:
    test = services["web"]["healthcheck"]["test"]
    assert test[:1] == ["CMD"] and command_text(test[1:]) == "python -m operations.healthcheck web"
    # That command asks /healthz/ (and with an allowed host: tests/operations/test_health.py runs it).
    assert "/healthz/" in (BASE_DIR / "operations" / "healthcheck.py").read_text()


def test_the_worker_healthcheck_pings_its_own_node(services: dict[str, Any]) -> None:
    worker = services["worker"]
    assert "--hostname" not in command_text(worker["command"])  # node name celery@<container hostname>
    kind, check = worker["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    assert re.fullmatch(r"celery -A config inspect ping --destination celery@\$HOSTNAME --timeout \d+", check)


def test_beat_ticks_a_heartbeat_that_its_healthcheck_wants_fresh(services: dict[str, Any]) -> None:
    beat = services["beat"]
    argv = [str(part) for part in beat["command"]]
    assert argv[argv.index("--scheduler") + 1] == "operations.heartbeat:HeartbeatScheduler"
    max_interval = int(argv[argv.index("--max-interval") + 1])
    test = beat["healthcheck"]["test"]
    assert test[:5] == ["CMD", "python", "-m", "operations.healthcheck", "beat"]
    max_age = int(test[test.index("--max-age") + 1])
    assert max_age >= 2 * max_interval  # a missed tick is not yet a failure; three are
    # Every application container looks for the heartbeat in the same place.
    assert services["beat"]["environment"]["BEAT_HEARTBEAT_FILE"]


def test_cache_and_celery_use_separate_redis_databases(services: dict[str, Any]) -> None:
    for name in LONG_RUNNING:
        env = services[name]["environment"]
        cache, broker, results = (
            urlsplit(env[key]) for key in ("REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND")
        )
        assert cache.netloc == broker.netloc == results.netloc == "redis:6379"
        assert cache.path != broker.path and cache.path != results.path, name


def test_the_application_role_runs_the_app_and_the_owner_only_migrates_backs_up_and_restores(
    services: dict[str, Any],
) -> None:
    for name in LONG_RUNNING:
        assert urlsplit(services[name]["environment"]["DATABASE_URL"]).username == "hazard_ledger_app", name
    for name in ("migrate", "backup", "restore"):
        assert urlsplit(services[name]["environment"]["DATABASE_URL"]).username == "ledger", name


def test_images_are_pinned_and_postgresql_is_the_embedded_servers_major_version(
    services: dict[str, Any], db: None
) -> None:
    postgres = re.fullmatch(r"postgres:(\d+)\.(\d+)", services["postgres"]["image"])
    assert postgres, services["postgres"]["image"]
    assert re.fullmatch(r"redis:\d+\.\d+\.\d+", services["redis"]["image"])
    embedded_major = server_major(connection)  # the server `make test` runs on
    assert int(postgres.group(1)) == embedded_major
    # The image's pg_dump/pg_restore are of the same major version.
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert f"ARG PG_MAJOR={embedded_major}" in dockerfile
    assert "postgresql-client-${PG_MAJOR}" in dockerfile


def test_backups_run_on_a_schedule_into_a_named_volume_and_restore_is_on_demand(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    backup = services["backup"]
    script = command_text(backup["command"])
    assert re.search(r"while true; do .*manage\.py backup --output /backups --keep .*sleep .*done", script)
    assert "backups:/backups" in backup["volumes"]
    assert "media:/data/media:ro" in backup["volumes"]  # backups only read the evidence
    assert {"backups", "media", "pgdata"} <= compose["volumes"].keys()
    assert "operations.healthcheck backup" in command_text(backup["healthcheck"]["test"])
    restore = services["restore"]
    assert restore["profiles"] == ["ops"]  # never started by `up`
    assert restore["entrypoint"] == ["python", "manage.py", "restore"]
    assert "media:/data/media" in restore["volumes"] and "backups:/backups:ro" in restore["volumes"]


def test_gunicorn_bounds_requests_and_recycles_workers() -> None:
    from config import gunicorn

    assert 0 < gunicorn.timeout <= 120
    assert 0 < gunicorn.graceful_timeout <= gunicorn.timeout
    assert gunicorn.max_requests > 0 and 0 < gunicorn.max_requests_jitter < gunicorn.max_requests
    cmd = re.search(r"^CMD (\[.*\])$", (BASE_DIR / "Dockerfile").read_text(), re.MULTILINE)
    assert cmd is not None
    argv = yaml.safe_load(cmd.group(1))
    assert argv[:3] == ["gunicorn", "--config", "python:config.gunicorn"]
    # Nothing on the command line undoes the configuration file (GUNICORN_CMD_ARGS can still tune it).
    assert not {"--timeout", "-t", "--max-requests", "--workers", "-w"} & set(argv), shlex.join(argv)


def test_an_optional_standby_streams_from_the_primary_and_the_app_may_read_there(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    standby = services["postgres-replica"]
    assert standby["profiles"] == ["replica"]  # `docker compose up` alone starts no standby
    assert standby["image"] == services["postgres"]["image"]  # streaming needs the same major version
    command = " ".join(standby["command"])
    assert "pg_basebackup -h postgres" in command and " -R " in command and "-X stream" in command
    assert "hot_standby=on" in command
    # Through a slot of its own (a stale one dropped first), the WAL it needs kept within a bound.
    assert "-C -S ledger_replica" in command and "pg_drop_replication_slot" in command
    assert "max_slot_wal_keep_size=10GB" in services["postgres"]["command"]
    assert standby["depends_on"]["postgres"] == {"condition": "service_healthy"}
    hba = compose["configs"]["replication-hba"]["content"]
    assert "host replication ledger all scram-sha-256" in hba
    assert {"source": "replication-hba", "target": "/docker-entrypoint-initdb.d/replication-hba.sh"} in (
        services["postgres"]["configs"]
    )
    for name in LONG_RUNNING:  # reads on the standby only when the operator names it
        assert services[name]["environment"]["DATABASE_REPLICA_URL"] == "", name
