"""A synthetic province for load tests and benchmarks (`manage.py generate_load`).

Unlike the demo world, which goes through the services so every record is exactly what a user would make,
this writes straight into the tables with PostgreSQL COPY: a province has ~100k enterprises and ~1M hazards,
and building that one service call at a time would take hours instead of minutes. The rows still follow the
services' rules (valid region and credit codes, states reached by the transitions in order, one event per
transition, codes from the per-region counters), so everything the product does afterwards — pages, API,
transitions, monthly jobs — works on them as on real data. Deterministic: the same seed and sizes give the
same tenant.

    directory.py   region tree, departments, staff and enterprises (with one officer each)
    ledger.py      self-inspections, inspections, hazards in every state, events and handovers
    copying.py     COPY helpers: stream text rows into a table; reserve id ranges
"""
