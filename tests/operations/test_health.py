"""/healthz/ and the container healthchecks: 200 when the database, the Redis cache and the Celery broker
answer, 503 naming the one that does not; open to the container's healthcheck (no sign-in, no rate limit,
no HTTPS redirect) without opening host validation; beat's heartbeat goes stale when its loop stops."""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from django.db import connection
from django.http.request import validate_host
from django.test import Client
from django.urls import reverse

from operations import healthcheck
from operations.heartbeat import HeartbeatScheduler


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def health(client: Client, **headers: Any) -> tuple[int, dict[str, Any]]:
    response = client.get(reverse("healthz"), **headers)
    return response.status_code, json.loads(response.content)


def test_healthz_answers_200_when_database_cache_and_broker_answer(db: None, client: Client) -> None:
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }
    assert "no-store" in response["Cache-Control"]
    assert "sessionid" not in response.cookies


def test_healthz_answers_503_naming_the_cache_when_redis_is_unreachable(
    db: None, client: Client, settings: Any
) -> None:
    port = closed_port()
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    response = client.get("/healthz/")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["failed"] == ["cache"]
    assert body["checks"] == {"database": "ok", "cache": "unreachable", "broker": "ok"}
    assert str(port) not in response.content.decode()  # no address, no error text


@pytest.fixture
def broker_unreachable() -> Iterator[None]:
    from config.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = f"redis://127.0.0.1:{closed_port()}/1"
    try:
        yield
    finally:
        app.conf.broker_url = previous


def test_healthz_answers_503_naming_the_broker_when_it_is_unreachable(
    db: None, client: Client, broker_unreachable: None
) -> None:
    status, body = health(client)
    assert status == 503
    assert body["failed"] == ["broker"]


@pytest.fixture
def database_unreachable(transactional_db: None) -> Iterator[None]:
    """The default connection pointed at a closed port; restored (and reconnected) afterwards."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(closed_port()))
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def test_healthz_answers_503_naming_the_database_when_it_is_unreachable(
    client: Client, database_unreachable: None
) -> None:
    status, body = health(client)
    assert status == 503
    assert body == {
        "status": "unavailable",
        "checks": {"database": "unreachable", "cache": "ok", "broker": "ok"},
        "failed": ["database"],
    }


def test_healthz_is_not_redirected_to_https_while_every_page_is(
    db: None, client: Client, settings: Any
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    assert client.get(reverse("login")).status_code == 301  # the redirect is on ...
    assert client.get("/healthz/").status_code == 200  # ... and the healthcheck's plain HTTP is answered


def test_healthz_is_not_rate_limited(db: None, client: Client) -> None:
    # More than an anonymous API caller may make in a minute (API_ANON_THROTTLE_RATE), from one address.
    assert {client.get("/healthz/").status_code for _ in range(70)} == {200}


def test_healthz_keeps_host_validation(db: None, client: Client) -> None:
    assert client.get("/healthz/", HTTP_HOST="attacker.example").status_code == 400


@pytest.mark.parametrize(
    "allowed",
    [
        ["ledger.example.gov.cn"],
        [".example.gov.cn"],
        ["ledger.example.gov.cn", "localhost"],
        ["*"],
        ["127.0.0.1"],
    ],
)
def test_the_healthchecks_host_header_is_one_django_allows(allowed: list[str]) -> None:
    assert validate_host(healthcheck.healthcheck_host(allowed), allowed)


def test_the_web_containers_healthcheck_passes_against_the_served_app(
    live_server: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As in docker-compose: ALLOWED_HOSTS names only the public host, and HTTPS is enforced.
    settings.ALLOWED_HOSTS = [".ledger.example.gov.cn"]
    settings.SECURE_SSL_REDIRECT = True
    monkeypatch.setenv("ALLOWED_HOSTS", ".ledger.example.gov.cn")
    port = int(live_server.url.rsplit(":", 1)[1])
    assert healthcheck.main(["web", "--port", str(port)]) == 0
    ok, said = healthcheck.check_web(port)
    assert ok and json.loads(said)["status"] == "ok"
    # A healthcheck that sent another host would be refused (so the header above is what makes it pass).
    monkeypatch.setenv("ALLOWED_HOSTS", "elsewhere.example")
    assert healthcheck.main(["web", "--port", str(port)]) == 1


def test_beat_touches_its_heartbeat_on_every_tick_and_a_stale_one_fails_the_healthcheck(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    heartbeat = tmp_path / "beat.heartbeat"
    monkeypatch.setenv("BEAT_HEARTBEAT_FILE", str(heartbeat))
    app = Celery("heartbeat-test", broker="memory://", set_as_current=False)
    scheduler = HeartbeatScheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
    try:
        assert healthcheck.main(["beat"]) == 1  # no heartbeat yet
        scheduler.tick()
        assert healthcheck.main(["beat", "--max-age", "180"]) == 0
        stopped = time.time() - 600
        os.utime(heartbeat, (stopped, stopped))  # the loop stopped ten minutes ago
        assert healthcheck.main(["beat", "--max-age", "180"]) == 1
        scheduler.tick()
        assert healthcheck.main(["beat", "--max-age", "180"]) == 0
    finally:
        scheduler.close()


def test_the_backup_healthcheck_wants_a_recent_complete_backup(tmp_path: Path) -> None:
    assert healthcheck.main(["backup", "--dir", str(tmp_path)]) == 1
    old, new = tmp_path / "backup-20261201T020000Z", tmp_path / "backup-20261207T020000Z"
    for path, age in ((old, 6 * 86400), (new, 3600)):
        path.mkdir()
        (path / "manifest.json").write_text("{}")
        then = time.time() - age
        os.utime(path / "manifest.json", (then, then))
    (tmp_path / ".partial-backup-20261207T030000Z").mkdir()  # an unfinished one counts for nothing
    assert healthcheck.main(["backup", "--dir", str(tmp_path), "--max-age", "7200"]) == 0
    assert healthcheck.main(["backup", "--dir", str(tmp_path), "--max-age", "1800"]) == 1
