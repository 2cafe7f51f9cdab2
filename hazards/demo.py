"""The demo ledger: a month-by-month 2023 history (filled in below)."""


def seed_ledger() -> None:
    """Placeholder replaced by the demo history generator."""
