from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin import apps as admin_apps
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_migrate, pre_delete
from simple_history.signals import pre_create_historical_record


class ProcurementConfig(AppConfig):
    name = "procurement"
    verbose_name = "Catalog and builds"

    def ready(self) -> None:
        from djmoney.money import Money

        from procurement import formats
        from procurement.acceptance.models import AcceptanceEvidence
        from procurement.history import keep_former_user, keep_user_name
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
        # History names the person who acted, even once the account is deleted.
        pre_create_historical_record.connect(keep_user_name, dispatch_uid="procurement.history")
        pre_delete.connect(
            keep_former_user,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="procurement.former_user",
        )
        # An amount printed for people anywhere (admin lists and pages, messages) reads
        # `CHF 1’023.20` in every language, through the one formatter; django-money would
        # write it in each language's own way (`CHF1,023.20`, `1.023,20 CHF`).
        Money.__str__ = formats.money


class ProcurementAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the site whose index follows the purchase (in INSTALLED_APPS
    in place of django.contrib.admin)."""

    default = False

    default_site = "procurement.admin_site.ProcurementAdminSite"
