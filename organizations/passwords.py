"""Password rules of level 3 (docs/security.md, "Level-3 controls"): at least PASSWORD_MIN_LENGTH
characters of PASSWORD_MIN_CLASSES kinds, none of the last PASSWORD_HISTORY passwords again, and a change
forced PASSWORD_MAX_AGE_DAYS after the last one (or at the first sign-in with a password someone else set).

The rules are Django password validators (settings.AUTH_PASSWORD_VALIDATORS), so every form that sets a
password applies them; `password_change` is the one place a user's own new password is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .audit import audit_record
from .choices import AuditAction
from .models import ApiToken, PasswordHistory, User


def character_classes(password: str) -> int:
    """How many kinds of character the password mixes: lower case, upper case, digits, symbols. Anything
    that is neither a cased letter nor a digit (punctuation, spaces, Chinese characters) is a symbol."""
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    symbol = any(not (c.islower() or c.isupper() or c.isdigit()) for c in password)
    return lower + upper + digit + symbol


class CharacterClassesValidator:
    """At least PASSWORD_MIN_CLASSES of the four kinds of character."""

    def validate(self, password: str, user: Any = None) -> None:
        needed = settings.PASSWORD_MIN_CLASSES
        if character_classes(password) < needed:
            raise ValidationError(
                _(
                    "This password mixes too few kinds of character: use at least %(needed)d of lower-case "
                    "letters, upper-case letters, digits and symbols."
                )
                % {"needed": needed},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("Use at least %(needed)d of: lower-case letters, upper-case letters, digits, symbols.") % {
            "needed": settings.PASSWORD_MIN_CLASSES
        }


class PasswordHistoryValidator:
    """None of the user's last PASSWORD_HISTORY passwords (the current one among them) again."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not user.pk or settings.PASSWORD_HISTORY <= 0:
            return
        if any(check_password(password, encoded) for encoded in recent_passwords(user)):
            count = settings.PASSWORD_HISTORY
            raise ValidationError(
                ngettext(
                    "You used this password before: choose one that differs from your last password.",
                    "You used this password before: choose one that differs from your last %(count)d.",
                    count,
                )
                % {"count": count},
                code="password_reused",
            )

    def get_help_text(self) -> str:
        count = settings.PASSWORD_HISTORY
        return ngettext(
            "It must differ from your last password.", "It must differ from your last %(count)d.", count
        ) % {"count": count}


def recent_passwords(user: User) -> list[str]:
    """The hashes of the user's last PASSWORD_HISTORY passwords, the current one first."""
    count = settings.PASSWORD_HISTORY
    stored = User.objects.filter(pk=user.pk).values_list("password", flat=True).first() or ""
    earlier = list(
        PasswordHistory.objects.filter(user_id=user.pk)
        .order_by("-created_at", "-id")
        .values_list("password", flat=True)[:count]
    )
    if stored and stored not in earlier:  # set before the history was kept
        earlier = [stored, *earlier[: count - 1]]
    return earlier


def password_remember(user: User) -> None:
    """Keep the user's current password (its hash) in the history. Platform staff have no tenant and no
    history: the history is tenant-owned, under row-level security."""
    if user.tenant_id is not None and settings.PASSWORD_HISTORY > 0:
        PasswordHistory.objects.create(tenant_id=user.tenant_id, user=user, password=user.password)


def password_expired(user: User, now: dt.datetime | None = None) -> bool:
    """Whether the user must choose a new password before doing anything else."""
    if user.must_change_password:
        return True
    days = settings.PASSWORD_MAX_AGE_DAYS
    if days <= 0:
        return False
    return user.password_changed_at <= (now or timezone.now()) - dt.timedelta(days=days)


@transaction.atomic
def password_change(*, user: User, new_password: str) -> None:
    """The user's own new password, already checked by the validators (the password-change form runs them).

    Kept in the history; the user's API tokens end, and so do their other browser sessions (their
    session hash no longer matches; the view keeps the current one with update_session_auth_hash).
    """
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    password_remember(user)
    ApiToken.objects.filter(user=user).delete()
    audit_record(actor=user, action=AuditAction.PASSWORD_CHANGE, target=user)
