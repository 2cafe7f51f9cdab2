"""Domain errors raised by services and selectors; the web and API layers map them to HTTP answers."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status_code = 400
    default_message = _("The request could not be carried out.")

    def __init__(self, message: object = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(str(self.message))


class NotFoundError(DomainError):
    """Unknown, or outside the caller's scope: the two are deliberately indistinguishable (404)."""

    status_code = 404
    default_message = _("Not found.")


class PermissionDeniedError(DomainError):
    """In scope, but the caller's role may not do this (403)."""

    status_code = 403
    default_message = _("Your role does not allow this action.")


class InvalidStateError(DomainError):
    """The object is not in a state that allows this action (409)."""

    status_code = 409
    default_message = _("This action is not possible in the current state.")
