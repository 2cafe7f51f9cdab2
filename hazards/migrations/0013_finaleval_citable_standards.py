"""Standards a regulator can cite: every criterion carries its clause; a standard says how much of it is listed.

The library (hazards/data/standards.json) no longer holds stand-in criteria ("determined under this standard"):
where a standard's items are not known it says so (coverage "not_itemised" and its note). On a database loaded
before, this brings the standards' industry, coverage and note up to the library, gives each criterion its
clause, and removes the stand-ins no hazard or self-inspection cites; one that is cited is kept, retired (never
offered again), since a cited criterion is never rewritten or removed.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from hazards.standards import STANDARDS_JSON


def apply_library(apps, schema_editor):
    import json

    Standard = apps.get_model("hazards", "Standard")
    Criterion = apps.get_model("hazards", "Criterion")
    Hazard = apps.get_model("hazards", "Hazard")
    SelfInspectionItem = apps.get_model("hazards", "SelfInspectionItem")
    for entry in json.loads(STANDARDS_JSON.read_text(encoding="utf-8"))["standards"]:
        standard = Standard.objects.filter(key=entry["key"]).first()
        if standard is None:
            continue  # a fresh database: migration 0003 loaded the library as it is now
        Standard.objects.filter(pk=standard.pk).update(
            industry_code=entry["industry"], coverage=entry["coverage"], note=entry["note"]
        )
        listed = {item["number"]: item for item in entry["criteria"]}
        for criterion in Criterion.objects.filter(standard=standard):
            item = listed.get(criterion.number)
            if item is not None:
                Criterion.objects.filter(pk=criterion.pk, clause="").update(clause=item["clause"])
            elif Hazard.objects.filter(criterion=criterion).exists() or SelfInspectionItem.objects.filter(
                criterion=criterion
            ).exists():
                Criterion.objects.filter(pk=criterion.pk).update(retired=True, clause="条号未核实")
            else:
                criterion.delete()



class Migration(migrations.Migration):

    dependencies = [
        ("hazards", "0012_majors_category_proposed_level"),
        ('organizations', '0005_finaleval_split_industries'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='criterion',
            name='clause',
            field=models.CharField(default='', max_length=100, verbose_name='clause'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='criterion',
            name='retired',
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name='standard',
            name='coverage',
            field=models.CharField(choices=[('complete', 'All items listed'), ('partial', 'Some items listed'), ('not_itemised', 'Items not known here')], default='partial', max_length=15, verbose_name='items listed'),
        ),
        migrations.AddField(
            model_name='standard',
            name='created_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='standard',
            name='created_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='standard',
            name='local_tenant',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='organizations.tenant', verbose_name='local to'),
        ),
        migrations.AddField(
            model_name='standard',
            name='supersedes',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='superseded_by', to='hazards.standard', verbose_name='supersedes'),
        ),
        migrations.RunPython(apply_library, migrations.RunPython.noop),
    ]
