"""A finer histogram of the ledger's region paths.

With the default statistics target (100 buckets) PostgreSQL estimated a county's share of a country's ledger
from buckets much wider than the county: with three provinces of 1M hazards in the table it expected 287 rows
under a county's path where there were 8,470 (30x too few), and read a county's page of the ledger API by its
region index and a sort, twice (the page's ids, and again to meet them), where looking up 51 ids would do:
the first province's list took twice its time alone. With 1,000 buckets the same estimate is 8,900.
ANALYZE then reads a sample of 300,000 rows instead of 30,000 (9 s at 3M hazards)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("hazards", "0027_open_hazards_in_ledger_order_index")]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE hazards_hazard ALTER COLUMN region_path SET STATISTICS 1000; ANALYZE hazards_hazard",
            "ALTER TABLE hazards_hazard ALTER COLUMN region_path SET STATISTICS -1",
        )
    ]
