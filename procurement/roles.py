"""The three roles of the desk as groups whose permissions follow rules, not lists.

- Viewer: reads everything in procurement and quotes, changes nothing.
- Buyer: a Viewer who also enters and revises quotes, revisions and their lines, vendors,
  components, price observations, builds and orders (add and change; a line of a draft may
  be deleted). Reference data (exchange rates, VAT, duty, carriers and their fees, the
  buyer's requirements) is kept by administrators.
- Approver: a Buyer who also holds every custom permission of the two apps: accepting and
  rejecting quote revisions, signing off an acceptance.

The rules are applied to whatever models the apps have, so a model added later gets its
permissions in the right groups after `migrate` (see `sync_roles_after_migrate`).

Management commands act as a person too: `--as USERNAME`, by default the `system` account,
a Buyer that cannot log in (no usable password, no staff status), kept by `migrate` as well.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS

ROLE_APPS = ("procurement", "quotes")
DEFAULT_ACTIONS = ("add", "change", "delete", "view")
REFERENCE_DATA = frozenset(
    {
        "quotes.exchangerate",
        "quotes.vatrate",
        "quotes.dutyrate",
        "quotes.carrier",
        "quotes.clearancefeeschedule",
        "procurement.requirements",
    }
)
BUYER_MAY_DELETE = frozenset({"quotes.quoteline"})
KEPT_BY_HISTORY = frozenset({"procurement.formeruser"})


@dataclass(frozen=True)
class PermissionRef:
    app_label: str
    model: str
    codename: str

    @property
    def model_label(self) -> str:
        return f"{self.app_label}.{self.model}"

    @property
    def action(self) -> str:
        """add, change, delete or view for Django's own permissions; custom for the others."""
        for action in DEFAULT_ACTIONS:
            if self.codename == f"{action}_{self.model}":
                return action
        return "custom"

    @property
    def is_history(self) -> bool:
        # simple-history's audit records, and the names of deleted users they keep, are
        # written by the product, never by people.
        return self.model.startswith("historical") or self.model_label in KEPT_BY_HISTORY


def viewer_may(permission: PermissionRef) -> bool:
    return permission.action == "view"


def buyer_may(permission: PermissionRef) -> bool:
    enters = (
        permission.action in ("add", "change")
        and permission.model_label not in REFERENCE_DATA
        and not permission.is_history
    )
    deletes = permission.action == "delete" and permission.model_label in BUYER_MAY_DELETE
    return viewer_may(permission) or enters or deletes


def approver_may(permission: PermissionRef) -> bool:
    return buyer_may(permission) or permission.action == "custom"


@dataclass(frozen=True)
class Role:
    name: str
    summary: str
    may: Callable[[PermissionRef], bool]


ROLES = (
    Role("Viewer", "reads everything, changes nothing", viewer_may),
    Role("Buyer", "enters and revises quotes, vendors, components, builds, orders", buyer_may),
    Role("Approver", "a Buyer who also accepts and rejects revisions, signs off", approver_may),
)

# The account management commands act as unless told otherwise, and its role.
SYSTEM_USERNAME = "system"
SYSTEM_ROLE = "Buyer"


def roles_granting(permission: PermissionRef) -> list[str]:
    """The names of the roles whose rules grant `permission`, in the order of ROLES."""
    return [role.name for role in ROLES if role.may(permission)]


def sync_roles(*, apps: Any = global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Make the role groups exist with exactly the permissions their rules grant.

    Idempotent; `apps` is a migration's app registry when called from a migration.
    """
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    permissions = list(
        permission_model.objects.using(using)
        .filter(content_type__app_label__in=ROLE_APPS)
        .select_related("content_type")
    )
    refs = {
        permission.pk: PermissionRef(
            permission.content_type.app_label, permission.content_type.model, permission.codename
        )
        for permission in permissions
    }
    for role in ROLES:
        group, _ = group_model.objects.using(using).get_or_create(name=role.name)
        granted = [permission for permission in permissions if role.may(refs[permission.pk])]
        group.permissions.set(granted)


def sync_system_account(*, apps: Any = global_apps, using: str = DEFAULT_DB_ALIAS) -> None:
    """Make the account of management commands exist: active, in its role, never a login
    (no usable password, no staff status). Its other fields are left as an administrator
    set them."""
    from django.contrib.auth.hashers import make_password

    user_model = apps.get_model("auth", "User")
    group_model = apps.get_model("auth", "Group")
    account, created = user_model.objects.using(using).get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"password": make_password(None), "is_staff": False, "is_active": True},
    )
    if created:
        account.groups.add(group_model.objects.using(using).get(name=SYSTEM_ROLE))


def sync_roles_after_migrate(sender: Any, *, app_config: Any, using: str, **kwargs: Any) -> None:
    """post_migrate: Django creates a new model's permissions just before this runs."""
    if app_config.label in ROLE_APPS:
        apps = kwargs.get("apps") or global_apps
        sync_roles(apps=apps, using=using)
        sync_system_account(apps=apps, using=using)
