"""The widgets written in Python give the markup of Django's own, whatever is chosen."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.test.html import parse_html

from core.widgets import QuickCheckboxes, QuickSelect

CHOICES = [("", "—"), ("major", "重大隐患"), ("general", "一般隐患"), ("a&b", "<b>A & B</b>")]


def _same_markup(quick: str, django: str) -> bool:
    return parse_html(quick) == parse_html(django)


@pytest.mark.parametrize("value", [None, "", "major", "a&b", "unknown", ["general"]])
def test_a_quick_select_is_djangos_select(value: Any) -> None:
    attrs = {"id": "id_level", "aria-describedby": "id_level_helptext"}
    quick = QuickSelect(choices=CHOICES).render("level", value, attrs)
    django = forms.Select(choices=CHOICES).render("level", value, attrs)
    assert _same_markup(quick, django), (quick, django)
    assert "<b>" not in quick  # labels are escaped


@pytest.mark.parametrize("value", [None, [], ["major"], ["major", "a&b"], ["unknown"]])
def test_quick_checkboxes_are_djangos_checkboxes(value: Any) -> None:
    choices = CHOICES[1:]
    quick = QuickCheckboxes(choices=choices).render("state", value, {"id": "id_state"})
    django = forms.CheckboxSelectMultiple(choices=choices).render("state", value, {"id": "id_state"})
    assert _same_markup(quick, django), (quick, django)
    assert "<b>" not in quick


def test_the_ledger_filter_bar_renders_as_with_djangos_widgets(world: Any) -> None:
    """Every quick field of the ledger's filter bar, bound to a choice, as Django's widgets render it (its
    model choices too: the chosen industry and region are selected)."""
    from hazards.forms import LedgerFilterForm

    w = world.a
    data = {
        "state": ["confirmed", "rectifying"],
        "level": "major",
        "overdue": "true",
        "industry": "hazardous_chemicals",
        "region": str(w.county.pk),
        "ordering": "deadline",
    }
    form = LedgerFilterForm(data, actor=w.committee)
    quick_fields = [field for field in form if isinstance(field.field.widget, QuickSelect | QuickCheckboxes)]
    assert {field.name for field in quick_fields} >= {"state", "level", "industry", "region", "overdue"}
    for field in quick_fields:
        widget = field.field.widget
        plain = forms.CheckboxSelectMultiple if isinstance(widget, QuickCheckboxes) else forms.Select
        django = field.as_widget(widget=plain(attrs=widget.attrs, choices=widget.choices))
        assert _same_markup(str(field), django), field.name
    page = str(form)
    for chosen in ("major", "hazardous_chemicals", w.county.pk):
        assert f'value="{chosen}" selected' in page


def test_the_named_choices_are_those_of_djangos_model_choice_field_in_each_language(world: Any) -> None:
    """Regions and industries offered as plain values: each option's value and label as a model choice field
    of the same rows writes them (value by the field's key, label the name in the active language)."""
    from django.utils import translation

    from organizations.forms import NamedModelChoiceField
    from organizations.models import Industry, Region

    w = world.a
    Region.objects.filter(pk=w.county.pk).update(name_en="")  # an untranslated name shows the official one
    for model, key in ((Region, None), (Industry, "code")):
        rows = model.objects.filter(tenant=w.tenant)
        ours = NamedModelChoiceField(queryset=rows, to_field_name=key)
        django = forms.ModelChoiceField(queryset=rows, to_field_name=key)
        for language in ("en", "zh-hans"):
            with translation.override(language):
                theirs = [(str(value), str(label)) for value, label in _choices(django)]
                assert [(str(value), str(label)) for value, label in _choices(ours)] == theirs
                assert len(theirs) > 2


def _choices(field: forms.ModelChoiceField) -> list[tuple[Any, Any]]:
    return list(field.iterator(field))
