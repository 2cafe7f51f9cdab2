"""Form widgets rendered in Python.

Django renders a <select> through one template per option and a group of checkboxes through one template per
box; on the ledger's filter bar (a hundred regions, a dozen industries, nine states, six more selects on every
ledger page) that was the slowest part of the page. These widgets write the same markup directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def _options(choices: Iterable[Any]) -> Iterator[tuple[str, Any]]:
    """(value as text, label) of each choice, groups flattened (no filter bar of ours groups its options)."""
    for value, label in choices:
        if isinstance(label, list | tuple):
            yield from _options(label)
        else:
            yield ("" if value is None else str(value)), label


class QuickSelect(forms.Select):
    """A <select>: the markup of Django's Select, written in Python."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, " selected" if option in chosen else "", label)
                for option, label in _options(self.choices)
            ),
        )
        final_attrs = self.build_attrs(self.attrs, attrs)
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final_attrs), options)


class QuickCheckboxes(forms.CheckboxSelectMultiple):
    """A group of checkboxes: the markup of Django's CheckboxSelectMultiple (a <div> of labelled boxes, each
    box's id the group's with its index), written in Python."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        chosen = set(self.format_value(value))
        final_attrs = self.build_attrs(self.attrs, attrs)
        group_id = final_attrs.get("id", "")
        boxes = format_html_join(
            "",
            '<div><label for="{}"><input type="checkbox" name="{}" value="{}" id="{}"{}> {}</label></div>',
            (
                (
                    f"{group_id}_{index}",
                    name,
                    option,
                    f"{group_id}_{index}",
                    " checked" if option in chosen else "",
                    label,
                )
                for index, (option, label) in enumerate(_options(self.choices))
            ),
        )
        return format_html("<div{}>{}</div>", flatatt(final_attrs), boxes)
