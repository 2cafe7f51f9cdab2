"""The security suites reuse the ledger builders of the hazards tests."""

from tests.hazards.conftest import chem_criterion, ledger, standards

__all__ = ["chem_criterion", "ledger", "standards"]
