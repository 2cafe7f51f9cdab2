"""get_FOO_display() from a dict made once per field answers as Django's, in the active language."""

from django.apps import apps
from django.db import models
from django.utils import translation

from core.choice_labels import QuickDisplayModel
from hazards.models import Hazard


def _choice_fields() -> list[tuple[type[models.Model], models.Field]]:
    return [
        (model, field)
        for model in apps.get_models()
        if issubclass(model, QuickDisplayModel)
        for field in model._meta.concrete_fields
        if field.choices
    ]


def test_every_label_is_djangos_own_in_each_language() -> None:
    fields = _choice_fields()
    assert len(fields) > 20  # the ledger's models are among them
    for language in ("en", "zh-hans"):
        with translation.override(language):
            for model, field in fields:
                for value in [*(choice for choice, _label in field.flatchoices), "no-such-value", None]:
                    row = model(**{field.attname: value})
                    ours = getattr(row, f"get_{field.name}_display")()
                    djangos = models.Model._get_FIELD_display(row, field)  # type: ignore[attr-defined]
                    assert ours == djangos, (model, field.name, value)


def test_a_label_follows_the_language_of_the_request_that_reads_it() -> None:
    hazard = Hazard(state="closed", level="major")
    with translation.override("en"):
        assert (hazard.get_state_display(), hazard.get_level_display()) == ("Closed", "Major")
    with translation.override("zh-hans"):
        assert (hazard.get_state_display(), hazard.get_level_display()) == ("已销号", "重大事故隐患")
