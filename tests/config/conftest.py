from ..hazards.conftest import chem_criterion, ledger, standards  # noqa: F401 - shared fixtures
