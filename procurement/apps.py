from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Catalog and builds"

    def ready(self) -> None:
        from procurement.middleware import limit_web_statements
        from procurement.roles import sync_roles_after_migrate

        # Keeps the role groups in step with models added by later migrations.
        post_migrate.connect(sync_roles_after_migrate, dispatch_uid="procurement.sync_roles")
        connection_created.connect(limit_web_statements, dispatch_uid="procurement.web_statements")
