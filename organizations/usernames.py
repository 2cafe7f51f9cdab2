"""Sign-in names that reveal nothing about other tenants' accounts.

A username must be unique across the deployment (it is what people type to sign in, before any tenant is
known). Checking a new name against every tenant would tell a directory manager which names other tenants
use. So an account created in the directory signs in as `<tenant slug>/<name>` (`liaoning/zhangsan`): the
name only has to be free inside the creator's own tenant, and the answer to "is it free?" depends on
nothing else. No other tenant can hold a name under this tenant's prefix: the slash was never allowed in a
username before (Django's rule is letters, digits and @ . + - _), a name typed into the directory may not
contain one, and the model refuses a prefix that is not the account's own tenant (`User.clean`).

Accounts that existed before (the demo accounts such as `ln-admin`, accounts seeded by `seed_demo`) keep
their plain names and sign in exactly as before. See docs/security.md, "Directory".
"""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

TENANT_SEPARATOR = "/"


@deconstructible
class SignInNameValidator(RegexValidator):
    """Django's username rule (Unicode letters, digits, @ . + - _), optionally after `<tenant slug>/`."""

    regex = r"^(?:[-a-zA-Z0-9_]+/)?[\w.@+-]+\Z"
    message = _(
        "Enter a valid username: letters, digits and @ . + - _ only "
        "(accounts created in the directory sign in as tenant/name)."
    )
    flags = 0


def sign_in_name(tenant_slug: str, name: str) -> str:
    """What an account named `name` in the directory of `tenant_slug` types to sign in."""
    return f"{tenant_slug}{TENANT_SEPARATOR}{name}"


def tenant_prefix(username: str) -> str | None:
    """The tenant slug a sign-in name is qualified with, or None for a plain (older) name."""
    prefix, separator, _name = username.partition(TENANT_SEPARATOR)
    return prefix if separator else None
