"""Load the determination standards library shipped in hazards/data/standards.json (idempotent)."""

import datetime as dt
import json
from pathlib import Path
from typing import Any

from django.db import transaction

STANDARDS_JSON = Path(__file__).resolve().parent / "data" / "standards.json"


def load_standards_into(standard_model: Any, criterion_model: Any, path: Path = STANDARDS_JSON) -> int:
    """Create missing standards and criteria; existing criteria are never rewritten (hazards cite them).

    Takes the model classes so the data migration can pass its historical models.
    """
    created = 0
    # A historical model (migration 0003) may not have the fields added since: fill only those it has.
    has_coverage = any(field.name == "coverage" for field in standard_model._meta.get_fields())
    has_clause = any(field.name == "clause" for field in criterion_model._meta.get_fields())
    for entry in json.loads(path.read_text(encoding="utf-8"))["standards"]:
        defaults = {
            "industry_code": entry["industry"],
            "name": entry["name"],
            "name_en": entry["name_en"],
            "document_number": entry["document_number"],
            "effective_date": dt.date.fromisoformat(entry["effective_date"]),
            "version": entry["version"],
            "note": entry["note"],
        }
        if has_coverage:
            defaults["coverage"] = entry["coverage"]
        standard, _ = standard_model.objects.get_or_create(key=entry["key"], defaults=defaults)
        for item in entry["criteria"]:
            fields = {"text": item["text"], "text_en": item["text_en"]}
            if has_clause:
                fields["clause"] = item["clause"]
            _, was_created = criterion_model.objects.get_or_create(
                standard=standard, number=item["number"], defaults=fields
            )
            created += int(was_created)
    return created


@transaction.atomic
def standards_load() -> int:
    # Not at the top: migration 0003 imports this module and loads through its historical models instead.
    from .models import Criterion, Standard

    return load_standards_into(Standard, Criterion)
