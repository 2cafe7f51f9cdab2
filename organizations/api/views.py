"""Directory API: thin views over the scoped querysets, the services and the import job."""

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action, api_view, permission_classes, throttle_classes
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.base import ScopedViewSet
from core.api.throttling import SlidingWindowMixin
from core.client_address import client_address
from organizations.scoping import actor_of
from organizations.signing_in.policy import sign_in_failed, sign_in_succeeded
from organizations.signing_in.throttle import THROTTLED_MESSAGE, address_bucket, signin_attempt

from .. import imports, services
from ..choices import AuditOutcome
from ..filters import DepartmentFilter, EnterpriseFilter, RegionFilter
from ..models import Department, Enterprise, EnterpriseImport, Industry, Membership, Region, User
from ..selectors import user_roles
from .authentication import refuse_barred_account
from .serializers import (
    DepartmentInputSerializer,
    DepartmentSerializer,
    EnterpriseImportSerializer,
    EnterpriseInputSerializer,
    EnterpriseSerializer,
    ExpertSerializer,
    ImportUploadSerializer,
    IndustrySerializer,
    MembershipInputSerializer,
    MembershipSerializer,
    MeSerializer,
    RegionInputSerializer,
    RegionSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserInputSerializer,
    UserSerializer,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class TokenThrottle(SlidingWindowMixin):
    """Every request to the token endpoint per client address (`TOKEN_THROTTLE_RATE`), whoever is signed in:
    DRF's anonymous throttle would let a request carrying a valid token or session through uncounted."""

    scope = "token"

    def get_cache_key(self, request: Request, view: Any) -> str:
        ident = address_bucket(client_address(request._request))
        return self.cache_format % {"scope": self.scope, "ident": ident}


@extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer, 400: None, 403: None})
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([TokenThrottle])
def obtain_token(request: Request) -> Response:
    """Exchange a username and password for a new API token (header `Authorization: Token …`), shown this
    once: the server keeps only its digest. Earlier tokens of the account keep working."""
    data = TokenRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    django_request = request._request
    username = data.validated_data["username"]
    attempt = signin_attempt(django_request)  # per address, shared with the browser form
    if attempt.refused:
        raise Throttled(wait=attempt.retry_after, detail=str(THROTTLED_MESSAGE))
    credentials = {"username": username}
    if not AxesProxyHandler.is_allowed(django_request, credentials):
        sign_in_failed(username, via="token", outcome=AuditOutcome.REFUSED, reason="locked")
        return Response(
            {"detail": _("Too many failed logins: this account is locked for a while.")},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
    user = authenticate(django_request, **data.validated_data)
    if user is None or not user.is_active:
        sign_in_failed(username, via="token")
        raise AuthenticationFailed(_("Unable to log in with the provided credentials."))
    refuse_barred_account(user, audit_as="token")
    attempt.succeeded()
    sign_in_succeeded(user, via="token")
    return Response({"token": services.auth_token_issue(user=user)})


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request: Request) -> Response:
    """Who the caller is: tenant and roles on units."""
    user = actor_of(request)
    tenant = user.tenant
    return Response(
        MeSerializer(
            {
                "username": user.username,
                "full_name": user.full_name,
                "tenant": {"slug": tenant.slug, "name": tenant.name} if tenant else None,
                "roles": user_roles(user),
            }
        ).data
    )


class RegionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The tenant's region tree (GB/T 2260 codes); tenant admins add regions."""

    scoped_model = Region
    serializer_class = RegionSerializer
    filterset_class = RegionFilter

    @extend_schema(request=RegionInputSerializer, responses={201: RegionSerializer})
    def create(self, request: Request) -> Response:
        data = RegionInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        region = services.region_create_by(actor=actor_of(request), **data.validated_data)
        return Response(RegionSerializer(region).data, status=status.HTTP_201_CREATED)


class IndustryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The tenant's industry catalogue under stable codes."""

    scoped_model = Industry
    serializer_class = IndustrySerializer


class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Industry regulators; filter by `region` (subtree) and `industry` (code or id)."""

    scoped_model = Department
    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("region").prefetch_related("industries")

    @extend_schema(request=DepartmentInputSerializer, responses={201: DepartmentSerializer})
    def create(self, request: Request) -> Response:
        data = DepartmentInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        fields.pop("is_active", None)
        department = services.department_create(actor=actor_of(request), **fields)
        return Response(DepartmentSerializer(department).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DepartmentInputSerializer, responses={200: DepartmentSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        department = self.get_object()
        data = DepartmentInputSerializer(data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        changes.pop("region", None)  # a department does not move between regions
        department = services.department_update(actor=actor_of(request), department=department, **changes)
        return Response(DepartmentSerializer(department).data)


class EnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Enterprises in scope; filter by `region` (subtree), `industry`, `credit_code`, `q`."""

    scoped_model = Enterprise
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("region").prefetch_related("industries")

    @extend_schema(request=EnterpriseInputSerializer, responses={201: EnterpriseSerializer})
    def create(self, request: Request) -> Response:
        data = EnterpriseInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(actor=actor_of(request), **data.validated_data)
        return Response(EnterpriseSerializer(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnterpriseInputSerializer, responses={200: EnterpriseSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        enterprise = self.get_object()
        data = EnterpriseInputSerializer(data=request.data, partial=True, context={"request": request})
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_update(
            actor=actor_of(request),
            enterprise=enterprise,
            **data.validated_data,
        )
        return Response(EnterpriseSerializer(enterprise).data)

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={202: EnterpriseImportSerializer},
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def import_xlsx(self, request: Request) -> Response:
        """Queue an XLSX import; poll the returned job. All rows are imported, or none."""
        imports.require_importer(actor_of(request))  # before request.data: a refused upload is never parsed
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        job = imports.enterprise_import_start(
            actor=actor_of(request),
            file_name=upload.name,
            content=upload.read(),
        )
        return Response(EnterpriseImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, XLSX): OpenApiResponse(OpenApiTypes.BINARY, description="XLSX template")})
    @action(detail=False, methods=["get"], url_path="import-template")
    def import_template(self, request: Request) -> HttpResponse:
        response = HttpResponse(imports.enterprise_import_template(), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="enterprise-import-template.xlsx"'
        return response

    @extend_schema(request=ExpertSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="grant-expert")
    def grant_expert(self, request: Request, pk: str) -> Response:
        """Let an expert see this enterprise (object-level grant)."""
        return self._expert(request, services.expert_grant)

    @extend_schema(request=ExpertSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="revoke-expert")
    def revoke_expert(self, request: Request, pk: str) -> Response:
        return self._expert(request, services.expert_revoke)

    def _expert(self, request: Request, service: Any) -> Response:
        enterprise = self.get_object()
        data = ExpertSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        service(actor=actor_of(request), expert=data.validated_data["user"], enterprise=enterprise)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EnterpriseImportViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, ScopedViewSet):
    """Import jobs with their progress and per-row report."""

    scoped_model = EnterpriseImport
    serializer_class = EnterpriseImportSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.defer("content").order_by("-created_at")


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Accounts in scope; directory managers create them."""

    scoped_model = User
    serializer_class = UserSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by("username")

    @extend_schema(request=UserInputSerializer, responses={201: UserSerializer})
    def create(self, request: Request) -> Response:
        data = UserInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_create(actor=actor_of(request), **data.validated_data)
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        """Close the account (system administrator): no more sign-ins, its sessions and tokens end."""
        user = services.user_close(actor=actor_of(request), user=self.get_object())
        return Response(UserSerializer(user).data)


class MembershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Roles on units. Ending one keeps the row (is_active false) as the record."""

    scoped_model = Membership
    serializer_class = MembershipSerializer

    def narrow_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("user", "enterprise", "department", "region", "tenant").order_by("id")

    @extend_schema(request=MembershipInputSerializer, responses={201: MembershipSerializer})
    def create(self, request: Request) -> Response:
        data = MembershipInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        membership = services.membership_grant(
            actor=actor_of(request),
            user=fields["user"],
            role=fields["role"],
            unit=fields["unit"],
        )
        return Response(MembershipSerializer(membership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: MembershipSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str) -> Response:
        membership = services.membership_revoke(actor=actor_of(request), membership=self.get_object())
        return Response(MembershipSerializer(membership).data)
