"""`make run`'s local stack (config/devstack.py): the accounts it announces are the demo world's."""

from config.devstack import DEMO_ACCOUNTS, NATIONAL_ACCOUNT, PLATFORM_ACCOUNT, ready_message, redis_executable
from exchange.demo import NATIONAL_STAFF
from organizations.demo import DEMO_USERNAMES


def test_the_ready_message_names_the_url_and_every_demo_account() -> None:
    assert list(DEMO_ACCOUNTS) == DEMO_USERNAMES
    assert NATIONAL_STAFF[0] == NATIONAL_ACCOUNT
    message = ready_message("8123", "pw")
    assert "http://127.0.0.1:8123/" in message
    for account in (*DEMO_ACCOUNTS, NATIONAL_ACCOUNT, PLATFORM_ACCOUNT):
        assert account in message


def test_a_redis_server_is_found(monkeypatch, tmp_path) -> None:
    fake = tmp_path / "redis-server"
    monkeypatch.setenv("REDIS_SERVER", str(fake))
    assert redis_executable() == str(fake)
    monkeypatch.delenv("REDIS_SERVER")
    assert redis_executable().endswith("redis-server")
