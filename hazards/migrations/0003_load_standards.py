"""Ship the standards library with the schema: every deployment can grade hazards from day one."""

from django.db import migrations

from hazards.standards import load_standards_into


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    load_standards_into(apps.get_model("hazards", "Standard"), apps.get_model("hazards", "Criterion"))


class Migration(migrations.Migration):
    dependencies = [("hazards", "0002_append_only_events")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
