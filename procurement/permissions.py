"""Who may change what. Services check the acting user here against the permissions that
the role groups of procurement.roles grant (an administrator holds them all), so an admin
action, a page, a command and a test all meet the same rule."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from procurement.roles import PermissionRef, roles_granting


def may(user: Any, permission: str) -> bool:
    return bool(user is not None and user.is_active and user.has_perm(permission))


def require(user: Any, permission: str, action: str) -> None:
    """PermissionDenied saying who may, unless `user` holds `permission` ("app.codename").

    `action` ends the sentence "Only users in the Buyer or Approver group may ...".
    """
    if not may(user, permission):
        raise PermissionDenied(refusal(permission, action))


def refusal(permission: str, action: str) -> str:
    groups = " or ".join(_groups_granting(permission))
    if groups:
        return _("Only users in the %(groups)s group may %(action)s.") % {
            "groups": groups,
            "action": action,
        }
    return _("Only an administrator may %(action)s.") % {"action": action}


def _groups_granting(permission: str) -> list[str]:
    app_label, _dot, codename = permission.partition(".")
    row = (
        Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        .select_related("content_type")
        .first()
    )
    if row is None:
        return []
    return roles_granting(PermissionRef(app_label, row.content_type.model, codename))


def refusal_text(error: PermissionDenied) -> str:
    """The sentence of a refusal, for a page or a command."""
    return str(error) or _("You may not do this.")
