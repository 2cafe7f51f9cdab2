from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import ExportFormat, ExportKind


class ExportRequestForm(forms.Form):
    """Which export, in which format; what to export comes from the page's query (its filters)."""

    kind = forms.ChoiceField(label=_("Export"), choices=ExportKind.choices, widget=forms.HiddenInput)
    format = forms.ChoiceField(label=_("Format"), choices=ExportFormat.choices, initial=ExportFormat.XLSX)
