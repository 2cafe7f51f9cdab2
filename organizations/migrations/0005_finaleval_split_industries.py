"""Industries as the plans name them: coal mines and non-coal mines apart, fireworks and civil explosives as key
industries of their own. Every existing tenant gets the new key industries; its old "mines" entry stays (its
enterprises and departments keep it until someone says which kind of mine each is) but is no longer a key
industry. Runs as the owner, across tenants, as migrations do."""

from django.db import migrations

NEW = [
    ("coal_mines", "煤矿", "Coal mines"),
    ("non_coal_mines", "非煤矿山", "Non-coal mines"),
    ("fireworks", "烟花爆竹", "Fireworks"),
    ("civil_explosives", "民用爆炸物品", "Civil explosives"),
]


def split(apps, schema_editor):
    Tenant = apps.get_model("organizations", "Tenant")
    Industry = apps.get_model("organizations", "Industry")
    for tenant in Tenant.objects.all():
        for code, name, name_en in NEW:
            Industry.objects.get_or_create(
                tenant=tenant, code=code, defaults={"name": name, "name_en": name_en, "is_key": True}
            )
        Industry.objects.filter(tenant=tenant, code="mines").update(is_key=False)


class Migration(migrations.Migration):
    dependencies = [("organizations", "0004_dbline_database_last_line")]

    operations = [migrations.RunPython(split, migrations.RunPython.noop)]
