"""The small helpers every page shares: choices restricted to the actor's scope, <time> elements written
by one tag, one class for fold-out panels."""

import ast
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.template import Context, Template
from django.template.defaultfilters import date as date_format
from django.utils import timezone

from core.templatetags.time_tags import formatted
from organizations.forms import restrict_choices
from organizations.models import Enterprise, Region

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [path for path in ROOT.glob("**/templates/**/*.html") if ".venv" not in path.parts]


class _ChoicesForm(forms.Form):
    enterprise = forms.ModelChoiceField(queryset=Enterprise.objects.none())
    regions = forms.ModelMultipleChoiceField(queryset=Region.objects.none(), required=False)
    note = forms.CharField(required=False)


def test_restrict_choices_offers_every_model_choice_field_only_what_the_actor_sees(world) -> None:
    form = _ChoicesForm()
    restrict_choices(form, world.a.officer)
    assert list(form.fields["enterprise"].queryset) == [world.a.enterprise]  # type: ignore[attr-defined]
    regions = set(form.fields["regions"].queryset)  # type: ignore[attr-defined]
    assert world.a.county in regions and world.b.county not in regions
    # The page offers the same: another tenant's enterprise is not a choice, and is refused when sent.
    assert str(world.b.enterprise.pk) not in str(form["enterprise"])
    bound = _ChoicesForm({"enterprise": world.b.enterprise.pk})
    restrict_choices(bound, world.a.officer)
    assert "enterprise" in bound.errors


def test_restrict_choices_takes_a_narrower_queryset_by_field_name(world) -> None:
    form = _ChoicesForm()
    restrict_choices(form, world.a.committee, regions=Region.objects.filter(pk=world.a.city.pk))
    assert list(form.fields["regions"].queryset) == [world.a.city]  # type: ignore[attr-defined]


def test_restrict_choices_refuses_a_field_the_form_does_not_have(world) -> None:
    with pytest.raises(TypeError, match="region"):
        restrict_choices(_ChoicesForm(), world.a.committee, region=Region.objects.none())


def test_restrict_choices_fails_loudly_for_a_model_without_scoping(world) -> None:
    class GroupForm(forms.Form):
        group = forms.ModelChoiceField(queryset=Group.objects.all())

    with pytest.raises(AttributeError):
        restrict_choices(GroupForm(), world.a.committee)


def _time(value: object, *shown: str) -> str:
    extra = "".join(f' "{fmt}"' for fmt in shown)
    return Template("{% load time_tags %}{% time_element value" + extra + " %}").render(
        Context({"value": value})
    )


def test_a_date_is_marked_up_as_its_day() -> None:
    assert _time(dt.date(2024, 6, 3)) == '<time datetime="2024-06-03">2024-06-03</time>'


def test_a_moment_is_shown_in_the_current_time_zone_with_its_offset() -> None:
    moment = dt.datetime(2024, 6, 3, 1, 15, tzinfo=dt.UTC)
    with timezone.override(ZoneInfo("Asia/Shanghai")):
        assert _time(moment) == '<time datetime="2024-06-03T09:15:00+08:00">2024-06-03 09:15</time>'
        assert _time(moment, "Y-m-d") == '<time datetime="2024-06-03T09:15:00+08:00">2024-06-03</time>'


def test_a_day_shown_as_its_month_is_marked_up_as_the_month() -> None:
    assert _time(dt.date(2024, 6, 1), "Y-m") == '<time datetime="2024-06">2024-06</time>'


def test_a_date_written_as_text_is_kept_and_escaped() -> None:
    assert _time("2024-06-03") == '<time datetime="2024-06-03">2024-06-03</time>'
    assert _time('2024"><b>') == '<time datetime="2024&quot;&gt;&lt;b&gt;">2024&quot;&gt;&lt;b&gt;</time>'


DAYS = [dt.date(2024, 6, 3), dt.date(987, 12, 31)]
MOMENTS = [
    dt.datetime(2024, 6, 3, 9, 5, 7, tzinfo=dt.UTC),
    dt.datetime(2024, 6, 3, 23, 59, 59, 123456, tzinfo=ZoneInfo("Asia/Shanghai")),
]


@pytest.mark.parametrize(
    ("value", "shown"),
    [(day, shown) for day in DAYS for shown in ("Y-m-d", "Y-m", "j F Y")]
    + [(moment, shown) for moment in MOMENTS for shown in ("Y-m-d", "Y-m", "Y-m-d H:i", "c", "j F Y")],
)
def test_the_written_formats_are_the_date_filters(value: dt.date, shown: str) -> None:
    assert formatted(value, shown) == date_format(value, shown)


def test_nothing_is_written_for_no_date() -> None:
    assert _time(None) == ""
    assert _time("") == ""


def test_no_template_writes_a_time_element_by_hand() -> None:
    assert TEMPLATES
    by_hand = [str(path) for path in TEMPLATES if "<time " in path.read_text(encoding="utf-8")]
    assert by_hand == []


def test_every_fold_out_panel_uses_the_one_class() -> None:
    panels = [
        (path.name, match)
        for path in TEMPLATES
        for match in re.findall(r"<details[^>]*>", path.read_text(encoding="utf-8"))
    ]
    assert panels
    others = [(name, tag) for name, tag in panels if 'class="menu"' not in tag and "fold-panel" not in tag]
    assert others == []


def _paths_written_by_hand(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and str(first.value).startswith("/"):
                found.append(ast.unparse(node))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and re.match(r"/\w", node.value):
            found.append(node.value)
    return found


def test_no_view_writes_a_path_by_hand() -> None:
    """Views link and redirect by URL name (reverse, redirect(name, ...)), so a moved URL moves everywhere."""
    views = [
        path
        for path in ROOT.glob("*/**/*.py")
        if ".venv" not in path.parts and "tests" not in path.parts and "bench" not in path.parts
        if path.name.endswith("views.py") or path.parent.name == "views" or path.name == "urls.py"
    ]
    assert len(views) > 10
    by_hand = {str(path.relative_to(ROOT)): _paths_written_by_hand(path.read_text()) for path in views}
    assert {path: paths for path, paths in by_hand.items() if paths} == {}
