from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Catalog and builds"

    def ready(self) -> None:
        from procurement.roles import sync_roles_after_migrate

        # Keeps the role groups in step with models added by later migrations.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="procurement.sync_roles")


class ProcurementAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the site whose index follows the purchase (in INSTALLED_APPS
    in place of django.contrib.admin)."""

    default = False

    default_site = "procurement.admin_site.ProcurementAdminSite"
