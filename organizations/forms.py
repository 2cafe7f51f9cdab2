"""Browser forms: they parse input; the services decide and write. Choices come from the caller's scope."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from core.scoping import any_of, path_within
from organizations.signing_in.policy import DEMO_REFUSED, demo_refused

from .choices import EnterpriseScale, EnterpriseStatus, Role
from .models import BilingualNameMixin, Department, Enterprise, Industry, Region, User
from .scoping import scope_for


class NameChoiceIterator(forms.models.ModelChoiceIterator):
    """A bilingual-named model's choices as (value, name shown) read as plain values: the ledger's filter bar
    offers every region of a province on every page, and a model instance per option cost more than
    writing the whole select."""

    def __iter__(self) -> Any:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        key = self.field.to_field_name or "pk"
        for value, name, name_en in self.queryset.values_list(key, "name", "name_en"):
            yield value, BilingualNameMixin.name_to_show(name, name_en)


class NamedModelChoiceField(forms.ModelChoiceField):
    """A choice of a bilingual-named model (regions, industries) whose options are read as plain values."""

    iterator = NameChoiceIterator


def managed_regions(actor: User, *, for_roles: bool = False) -> QuerySet[Region]:
    """Regions the actor may file directory entries under (`for_roles`: grant roles in): all for the
    system administrator (the security administrator), their subtrees for committee staff."""
    scope = scope_for(actor)
    regions = Region.objects.visible_to(actor)
    if scope.is_security_admin if for_roles else scope.is_tenant_admin:
        return regions
    return regions.filter(any_of(path_within("path", scope.committee_paths)))


def restrict_choices(form: forms.BaseForm, actor: User, **narrower: QuerySet[Any]) -> None:
    """Offer in every model choice field of the form only what the actor may see (NetBox's `restrict()`):
    its model's `visible_to(actor)`, or the narrower queryset given under the field's name, which must itself
    start from the actor's scope. A model without scoping fails loudly rather than offering every row."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        if name in narrower:
            field.queryset = narrower.pop(name)
        else:
            assert field.queryset is not None, f"{type(form).__name__}.{name} names no model"
            field.queryset = field.queryset.model._default_manager.visible_to(actor)
    if narrower:
        raise TypeError(f"{type(form).__name__} has no model choice field named {', '.join(narrower)}.")


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form fields it names (or at the top)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"), widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if demo_refused(user):
            raise ValidationError(DEMO_REFUSED, code="demo_account")


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        help_text=_("18 characters, e.g. 914403001922038216"),
    )
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    industries = forms.ModelMultipleChoiceField(
        label=_("Industries"), queryset=Industry.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    scale = forms.ChoiceField(
        label=_("Scale"), choices=EnterpriseScale.choices, initial=EnterpriseScale.SMALL
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=EnterpriseStatus.choices, initial=EnterpriseStatus.OPERATING
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor, region=managed_regions(actor))

    @staticmethod
    def initial_for(enterprise: Enterprise) -> dict[str, Any]:
        return {
            "name": enterprise.name,
            "credit_code": enterprise.credit_code,
            "region": enterprise.region_id,
            "industries": list(enterprise.industries.values_list("pk", flat=True)),
            "address": enterprise.address,
            "scale": enterprise.scale,
            "status": enterprise.status,
        }


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    industries = forms.ModelMultipleChoiceField(
        label=_("Industries regulated"), queryset=Industry.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, actor: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        restrict_choices(self, actor, region=managed_regions(actor))
        if editing:
            self.fields["region"].disabled = True

    @staticmethod
    def initial_for(department: Department) -> dict[str, Any]:
        return {
            "name": department.name,
            "name_en": department.name_en,
            "region": department.region_id,
            "industries": list(department.industries.values_list("pk", flat=True)),
        }


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    full_name = forms.CharField(label=_("Full name"), max_length=100, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    password = forms.CharField(
        label=_("Initial password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )


class MembershipForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    enterprise = forms.ModelChoiceField(
        label=_("Enterprise"), queryset=Enterprise.objects.none(), required=False
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.none(), required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region (committee)"), queryset=Region.objects.none(), required=False
    )

    def __init__(self, *args: Any, actor: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = managed_regions(actor, for_roles=True)
        restrict_choices(
            self,
            actor,
            region=regions,
            department=Department.objects.visible_to(actor)
            .filter(region__in=regions)
            .select_related("region"),
        )

    def unit(self) -> Enterprise | Department | Region | None:
        data = self.cleaned_data
        return data.get("enterprise") or data.get("department") or data.get("region")


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))
