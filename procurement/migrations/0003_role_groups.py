from django.contrib.auth.management import create_permissions
from django.db import migrations

from procurement.roles import ROLE_APPS, ROLES, sync_roles


def create_role_groups(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    for label in ROLE_APPS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, using=schema_editor.connection.alias, apps=apps)
        app_config.models_module = None
    sync_roles(apps=apps, using=schema_editor.connection.alias)


def remove_role_groups(apps, schema_editor):
    group_model = apps.get_model("auth", "Group")
    group_model.objects.using(schema_editor.connection.alias).filter(
        name__in=[role.name for role in ROLES]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("procurement", "0002_vendor_suits_brief"),
        ("quotes", "0002_revision_decisions_and_documents"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups, remove_role_groups)]
