from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_migrate


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Catalog and builds"

    def ready(self) -> None:
        from procurement.acceptance.models import AcceptanceEvidence
        from procurement.middleware import limit_web_statements
        from procurement.roles import sync_roles_after_migrate
        from procurement.stored_files import file_field_remover

        # Keeps the role groups in step with models added by later migrations.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="procurement.sync_roles")
        connection_created.connect(limit_web_statements, dispatch_uid="procurement.web_statements")
        post_delete.connect(
            file_field_remover("file"),
            sender=AcceptanceEvidence,
            weak=False,
            dispatch_uid="procurement.evidence_file",
        )


class ProcurementAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the site whose index follows the purchase (in INSTALLED_APPS
    in place of django.contrib.admin)."""

    default = False

    default_site = "procurement.admin_site.ProcurementAdminSite"
