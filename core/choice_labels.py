"""get_FOO_display() without rebuilding the field's choices on every call.

Django's Model._get_FIELD_display makes a dict of the field's every choice each time it is called; a ledger
page asks it for the grade, state and category of each of its fifty rows. The dict is made once per field
here, and its labels stay lazy, so each call still answers in the active language.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@functools.cache
def _labels(field: models.Field) -> dict[Any, Any]:
    return dict(make_hashable(field.flatchoices))


class QuickDisplayModel(models.Model):
    """A model whose get_FOO_display() reads the field's choices from a dict made once."""

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field: models.Field) -> Any:
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
