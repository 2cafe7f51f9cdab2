"""The demo ledger (`manage.py seed_demo`): a month-by-month 2023 history built through the services."""

from .seeder import seed_ledger

__all__ = ["seed_ledger"]
