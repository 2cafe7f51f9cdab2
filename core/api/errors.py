"""JSON errors with a clear message per field, whatever layer raised them. Two shapes, both in the schema
(core.api.schema): `{"detail": "..."}`, or for invalid input each field with a list of its messages."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def _validation_detail(error: DjangoValidationError) -> dict[str, Any]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


def _as_lists(detail: Any) -> Any:
    """`ValidationError({"level": "..."})` gives a field one message, not a list of them; a client reads every
    field the same way."""
    if isinstance(detail, dict):
        return {
            field: [messages] if isinstance(messages, str) else _as_lists(messages)
            for field, messages in detail.items()
        }
    if isinstance(detail, list):
        return [_as_lists(item) for item in detail]
    return detail


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"detail": str(exc.message)}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        return Response(_validation_detail(exc), status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, ValidationError):
        # A bare message (`ValidationError("...")`) concerns the input as a whole.
        detail = response.data if isinstance(response.data, dict) else {"non_field_errors": response.data}
        response.data = _as_lists(detail)
    return response
