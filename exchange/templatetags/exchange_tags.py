from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def cell(table: dict[str, dict[str, Any]], row: str, column: str) -> Any:
    """table[row][column], or 0: a cross-tab cell (templates cannot index by a variable)."""
    return table.get(row, {}).get(column, 0)
