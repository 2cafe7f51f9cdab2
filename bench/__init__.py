"""`make bench`: the speed targets of a province-sized tenant, each against a baseline of the same run.

    python -m bench [--tenant load] [--enterprises 100000] [--hazards 1000000] [--quick] [--scaling]

Generates the tenant first when it is missing (hazards.loadgen), serves the product with gunicorn on
loopback, and prints one table, also written to docs/benchmarks.md with the machine it ran on. Not part of
`make test` (a small smoke of it is: tests/bench/).

Beside it: `python -m bench.country` (`make bench-country`: several provinces and the national tenant,
docs/benchmarks-country.md) and `python -m bench.partitioning` (`make bench-partitioning`: the ledger
partitioned, measured on the data that is there).
"""
