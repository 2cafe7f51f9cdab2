"""Browser pages: landing per role and directory management. Thin: parse, call a service, render."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from core.errors import PermissionDeniedError
from core.scoping import ScopedQuerysetMixin
from organizations.signing_in.lookups import remember_tenant
from organizations.signing_in.policy import (
    sign_in_form_failed,
    sign_in_policy,
    sign_in_succeeded,
    sign_out,
    start_session_clock,
)
from organizations.signing_in.throttle import signin_throttled

from . import imports, services
from .choices import BUSINESS_ROLES, DIRECTORY_MANAGER_ROLES, ROLE_MANAGER_ROLES, Role
from .filters import EnterpriseFilter
from .forms import (
    DepartmentForm,
    EnterpriseForm,
    ImportForm,
    LoginForm,
    MembershipForm,
    UserCreateForm,
    apply_service_errors,
)
from .models import Department, Enterprise, EnterpriseImport, Membership, User
from .passwords import password_change, password_expired
from .scoping import actor_of, require_role, scope_for
from .selectors import landing_numbers, primary_role, user_memberships

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    # Every sign-in attempt counts against the caller's address, signed in or not (password spraying).
    @method_decorator(signin_throttled)
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        remember_tenant(self.request, form.get_user())  # set before the user row is read next time
        start_session_clock(self.request)
        sign_in_succeeded(form.get_user(), via="browser")
        return response

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        sign_in_form_failed(self.request, form, via="browser")
        return super().form_invalid(form)


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        sign_out(request, reason="user")
        return super().post(request, *args, **kwargs)


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's own password; the page everyone whose password expired is sent to."""

    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form: Any) -> HttpResponse:
        password_change(user=form.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)  # this session goes on; the others have ended
        return redirect(self.get_success_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["must_change"] = password_expired(self.request.user)  # type: ignore[arg-type]
        return context


def admin_login(request: HttpRequest) -> HttpResponse:
    """The Django admin signs in through the product's own sign-in page, so its sign-ins are audited too."""
    if request.user.is_authenticated and not request.user.is_staff:
        raise PermissionDeniedError(_("The administration site is for platform staff."))
    target = request.GET.get("next", reverse("admin:index"))
    return redirect(f"{reverse('login')}?{urlencode({'next': target})}")


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = actor_of(request)
    role = primary_role(user)
    context: dict[str, Any] = {"role": role, "memberships": user_memberships(user) if user.tenant_id else []}
    if role == Role.SECURITY_ADMIN:
        context["policy"] = sign_in_policy()
    elif role in BUSINESS_ROLES:
        context["numbers"] = landing_numbers(user)
        # Higher apps add their panels (e.g. the ledger's numbers) through settings.LANDING_PANELS.
        panels = (import_string(path)(user) for path in settings.LANDING_PANELS)
        context["panels"] = [panel for panel in panels if panel]
    return render(request, f"organizations/home_{role or 'none'}.html", context)


# ------------------------------------------------------------------ base classes


class ScopedListView(LoginRequiredMixin, ScopedQuerysetMixin, ListView):
    paginate_by = 50


class ScopedDetailView(LoginRequiredMixin, ScopedQuerysetMixin, DetailView):
    pass


def _manager_only(request: HttpRequest) -> User:
    user = actor_of(request)
    require_role(
        user, DIRECTORY_MANAGER_ROLES, _("Only committee staff and tenant admins manage the directory.")
    )
    return user


def _role_manager_only(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    require_role(
        user, ROLE_MANAGER_ROLES, _("Only the security administrator and committee staff manage roles.")
    )
    return user


def form_page(
    request: HttpRequest,
    form: Any,
    template: str,
    *,
    save: Callable[[dict[str, Any]], Any],
    success: Callable[[Any], str],
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """GET shows the form; a valid POST calls the service; its errors land on the form's fields."""
    if request.method == "POST" and form.is_valid():
        try:
            result = save(form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(success(result))
    status = 400 if request.method == "POST" else 200
    return render(request, template, {"form": form, **(context or {})}, status=status)


# ------------------------------------------------------------------ enterprises


class EnterpriseListView(ScopedListView):
    scoped_model = Enterprise
    template_name = "organizations/enterprise_list.html"

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        self.filterset = EnterpriseFilter(self.request.GET, queryset=queryset, request=self.request)
        return self.filterset.qs.select_related("region").prefetch_related("industries")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_manage"] = scope_for(actor_of(self.request)).has_any_role(DIRECTORY_MANAGER_ROLES)
        context["query"] = self.request.GET.get("q", "")
        return context


class EnterpriseDetailView(ScopedDetailView):
    scoped_model = Enterprise
    template_name = "organizations/enterprise_detail.html"

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("region").prefetch_related("industries")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        actor = actor_of(self.request)
        context["can_manage"] = scope_for(actor).has_any_role(DIRECTORY_MANAGER_ROLES)
        # Higher apps add their sections (e.g. enforcement orders) through settings.ENTERPRISE_PANELS.
        panels = (import_string(path)(actor, self.object) for path in settings.ENTERPRISE_PANELS)
        context["panels"] = [panel for panel in panels if panel]
        return context


@login_required
def enterprise_create(request: HttpRequest) -> HttpResponse:
    actor = _manager_only(request)
    form = EnterpriseForm(request.POST or None, actor=actor)
    return form_page(
        request,
        form=form,
        template="organizations/enterprise_form.html",
        save=lambda data: services.enterprise_create(actor=actor, **data),
        success=lambda enterprise: reverse("enterprise-detail", args=[enterprise.pk]),
    )


@login_required
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    # Scope before role: another tenant's id is a 404 like any unknown id, never a 403.
    enterprise = Enterprise.objects.get_visible(actor_of(request), pk=pk)
    actor = _manager_only(request)
    form = EnterpriseForm(request.POST or None, actor=actor, initial=EnterpriseForm.initial_for(enterprise))
    return form_page(
        request,
        form=form,
        template="organizations/enterprise_form.html",
        save=lambda data: services.enterprise_update(actor=actor, enterprise=enterprise, **data),
        success=lambda saved: reverse("enterprise-detail", args=[saved.pk]),
        context={"enterprise": enterprise},
    )


@login_required
def enterprise_import(request: HttpRequest) -> HttpResponse:
    actor = _manager_only(request)  # before request.FILES: a refused upload is never opened
    form = ImportForm(request.POST or None, request.FILES or None)
    recent = EnterpriseImport.objects.visible_to(actor).defer("content").order_by("-created_at")[:10]
    return form_page(
        request,
        form=form,
        template="organizations/enterprise_import.html",
        save=lambda data: imports.enterprise_import_start(
            actor=actor, file_name=data["file"].name, content=data["file"].read()
        ),
        success=lambda job: reverse("enterprise-import-detail", args=[job.pk]),
        context={"recent": recent},
    )


@login_required
def enterprise_import_template(request: HttpRequest) -> HttpResponse:
    _manager_only(request)
    response = HttpResponse(imports.enterprise_import_template(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="enterprise-import-template.xlsx"'
    return response


class EnterpriseImportDetailView(ScopedDetailView):
    """The job's progress; the page polls itself (htmx) until the import is finished."""

    scoped_model = EnterpriseImport
    template_name = "organizations/enterprise_import_detail.html"
    context_object_name = "job"

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.defer("content")

    def get_template_names(self) -> list[str]:
        if self.request.headers.get("HX-Request"):
            return ["organizations/_import_progress.html"]
        return [self.template_name]


# ------------------------------------------------------------------ departments


class DepartmentListView(ScopedListView):
    scoped_model = Department
    template_name = "organizations/department_list.html"

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("region").prefetch_related("industries")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_manage"] = scope_for(actor_of(self.request)).has_any_role(DIRECTORY_MANAGER_ROLES)
        return context


@login_required
def department_create(request: HttpRequest) -> HttpResponse:
    actor = _manager_only(request)
    form = DepartmentForm(request.POST or None, actor=actor)
    return form_page(
        request,
        form=form,
        template="organizations/department_form.html",
        save=lambda data: services.department_create(actor=actor, **data),
        success=lambda _department: reverse("department-list"),
    )


@login_required
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = Department.objects.get_visible(actor_of(request), pk=pk)
    actor = _manager_only(request)
    form = DepartmentForm(
        request.POST or None, actor=actor, editing=True, initial=DepartmentForm.initial_for(department)
    )

    def save(data: dict[str, Any]) -> Department:
        data.pop("region", None)
        return services.department_update(actor=actor, department=department, **data)

    return form_page(
        request,
        form=form,
        template="organizations/department_form.html",
        save=save,
        success=lambda _department: reverse("department-list"),
        context={"department": department},
    )


# ------------------------------------------------------------------ users and memberships


class UserListView(ScopedListView):
    scoped_model = User
    template_name = "organizations/user_list.html"

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("username")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["can_manage"] = scope_for(actor_of(self.request)).has_any_role(DIRECTORY_MANAGER_ROLES)
        return context


class UserDetailView(ScopedDetailView):
    scoped_model = User
    template_name = "organizations/user_detail.html"
    context_object_name = "person"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        actor = actor_of(self.request)
        context["memberships"] = (
            Membership.objects.visible_to(actor)
            .filter(user=self.object)
            .select_related("enterprise", "department", "region", "tenant")
            .order_by("-is_active", "id")
        )
        scope = scope_for(actor)
        can_manage = scope.has_any_role(ROLE_MANAGER_ROLES)
        context["can_manage"] = can_manage
        if can_manage:
            context["grant_form"] = MembershipForm(actor=actor)
        context["can_close"] = scope.is_tenant_admin and self.object.is_active and self.object.pk != actor.pk
        return context


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    actor = _manager_only(request)
    form = UserCreateForm(request.POST or None)
    return form_page(
        request,
        form=form,
        template="organizations/user_form.html",
        save=lambda data: services.user_create(actor=actor, **data),
        success=lambda user: reverse("user-detail", args=[user.pk]),
    )


@login_required
@require_POST
def user_close(request: HttpRequest, pk: int) -> HttpResponse:
    person = User.objects.get_visible(request.user, pk=pk)
    try:
        services.user_close(actor=request.user, user=person)  # type: ignore[arg-type]
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("The account is closed: it can no longer sign in, and it stays on record.")
        )
    return redirect("user-detail", pk=person.pk)


@login_required
@require_POST
def membership_grant(request: HttpRequest, pk: int) -> HttpResponse:
    person = User.objects.get_visible(request.user, pk=pk)
    actor = _role_manager_only(request)
    form = MembershipForm(request.POST, actor=actor)
    return form_page(
        request,
        form=form,
        template="organizations/membership_form.html",
        save=lambda data: services.membership_grant(
            actor=actor, user=person, role=data["role"], unit=form.unit()
        ),
        success=lambda _membership: reverse("user-detail", args=[person.pk]),
        context={"person": person},
    )


@login_required
@require_POST
def membership_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    membership = Membership.objects.get_visible(request.user, pk=pk)
    actor = _role_manager_only(request)
    try:
        services.membership_revoke(actor=actor, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The role has ended; it stays on record."))
    return redirect("user-detail", pk=membership.user_id)
