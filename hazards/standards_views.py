"""The standards library in the browser: every signed-in user reads it; the system administrator adds the
tenant's local standards (and new versions of them), corrects an uncited item, and adds industries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.errors import PermissionDeniedError
from organizations.forms import restrict_choices
from organizations.models import Industry, User
from organizations.scoping import actor_of, scope_for
from organizations.views import form_page

from .choices import StandardCoverage
from .models import Criterion, Standard
from .services.standards import (
    CLAUSE_UNVERIFIED,
    CriterionInput,
    criterion_revise,
    industry_create,
    require_own_local,
    standard_create,
)


def _admin(request: HttpRequest) -> User:
    actor = actor_of(request)
    if not scope_for(actor).is_tenant_admin:
        raise PermissionDeniedError(_("Only the system administrator adds local standards and industries."))
    return actor


@login_required
def standard_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    standards = (
        Standard.objects.visible_to(actor)
        .prefetch_related("criteria")
        .order_by("industry_code", "-is_current", "-effective_date", "id")
    )
    return render(
        request,
        "hazards/standard_list.html",
        {"standards": standards, "is_admin": scope_for(actor).is_tenant_admin},
    )


@login_required
def standard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    standard = Standard.objects.get_visible(actor, pk=pk)
    is_admin = scope_for(actor).is_tenant_admin
    return render(
        request,
        "hazards/standard_detail.html",
        {
            "standard": standard,
            "criteria": standard.criteria.order_by("id"),
            "may_supersede": is_admin and standard.is_current and standard.local_tenant_id == actor.tenant_id,
            "may_revise": is_admin and standard.local_tenant_id == actor.tenant_id,
        },
    )


class CriteriaField(forms.CharField):
    """One item a line: `number | clause | text` (an English text may follow as a fourth part)."""

    def to_python(self, value: Any) -> list[CriterionInput]:  # type: ignore[override]
        text = super().to_python(value) or ""
        items = []
        for number, line in enumerate(line for line in text.splitlines() if line.strip()):
            parts = [part.strip() for part in line.split("|")]
            if len(parts) < 3:
                raise forms.ValidationError(
                    _("Line %(line)d: write “number | clause | text”.") % {"line": number + 1}
                )
            items.append(CriterionInput(parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else ""))
        return items


class StandardForm(forms.Form):
    industry = forms.ModelChoiceField(label=_("Industry"), queryset=Industry.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=300, required=False)
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    effective_date = forms.DateField(
        label=_("Effective date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    version = forms.CharField(label=_("Version"), max_length=40)
    coverage = forms.ChoiceField(label=_("Items listed"), choices=StandardCoverage.choices)
    criteria = CriteriaField(
        label=_("Items"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "One item a line: number | clause | text. Where the clause is not verified write %(unverified)s. "
            "Leave empty only when the standard's items are not known here."
        )
        % {"unverified": CLAUSE_UNVERIFIED},
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor)


@login_required
def standard_create_view(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    previous = None
    if request.GET.get("supersedes"):
        previous = Standard.objects.get_visible(actor, pk=request.GET["supersedes"])
        require_own_local(previous, actor.tenant_id)
    initial: dict[str, Any] = {}
    if previous is not None:
        initial = {
            "industry": Industry.objects.visible_to(actor).filter(code=previous.industry_code).first(),
            "name": previous.name,
            "name_en": previous.name_en,
            "document_number": previous.document_number,
            "coverage": previous.coverage,
            "note": previous.note,
            "criteria": "\n".join(
                f"{c.number} | {c.clause} | {c.text}" for c in previous.criteria.order_by("id")
            ),
        }
    form = StandardForm(request.POST or None, actor=actor, initial=initial)
    return form_page(
        request,
        form,
        "hazards/standard_form.html",
        save=lambda data: standard_create(actor=actor, supersedes=previous, **data),
        success=lambda standard: reverse("standard-detail", args=[standard.pk]),
        context={"previous": previous},
    )


class CriterionForm(forms.Form):
    clause = forms.CharField(label=_("Clause"), max_length=100)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 3}))
    text_en = forms.CharField(
        label=_("English text"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


@login_required
def criterion_revise_view(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = Criterion.objects.select_related("standard").get_visible(actor_of(request), pk=pk)
    actor = _admin(request)
    require_own_local(criterion.standard, actor.tenant_id)
    form = CriterionForm(
        request.POST or None,
        initial={"clause": criterion.clause, "text": criterion.text, "text_en": criterion.text_en},
    )
    return form_page(
        request,
        form,
        "hazards/criterion_form.html",
        save=lambda data: criterion_revise(actor=actor, criterion=criterion, **data),
        success=lambda revised: reverse("standard-detail", args=[revised.standard_id]),
        context={"criterion": criterion},
    )


class IndustryForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, help_text=_("e.g. oil_gas_pipelines"))
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    is_key = forms.BooleanField(label=_("Key industry"), required=False, initial=True)


@login_required
def industry_create_view(request: HttpRequest) -> HttpResponse:
    actor = _admin(request)
    form = IndustryForm(request.POST or None)
    return form_page(
        request,
        form,
        "hazards/industry_form.html",
        save=lambda data: industry_create(actor=actor, **data),
        success=lambda _industry: reverse("standard-list"),
        context={"industries": Industry.objects.visible_to(actor).order_by("id")},
    )
