"""The three roles' groups get Django permissions that say what each role does.

The desk itself checks roles (operators.roles.user_role); these permissions describe the same
thing in Django's own terms, for Django's admin and for anything that asks `has_perm`.
Admins are also superusers (operators.services), so they pass every check anyway.
"""

from django.db import migrations

AGENT = [
    "conversations.view_conversation",
    "conversations.view_message",
    "conversations.add_message",
    "contacts.view_contact",
]
SUPERVISOR = AGENT + [
    "conversations.change_conversation",
    "operators.view_operatorprofile",
    "operators.view_team",
]
# Every permission of these apps (plus users and groups).
ADMIN_APPS = (
    "administration",
    "audit",
    "callbacks",
    "contacts",
    "conversations",
    "operators",
    "outreach",
    "realtime",
)
ADMIN_MODELS = (("auth", "user"), ("auth", "group"))


def _create_permissions(apps):
    # Permissions are normally made after all migrations ran (post_migrate); make them now.
    from django.contrib.auth.management import create_permissions

    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None


def grant(apps, schema_editor):
    _create_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def named(names):
        found = []
        for name in names:
            app_label, codename = name.split(".")
            found.extend(
                Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )
        return found

    admin = list(Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    for app_label, model in ADMIN_MODELS:
        admin.extend(
            Permission.objects.filter(
                content_type__app_label=app_label, content_type__model=model
            )
        )
    for role, permissions in (
        ("agent", named(AGENT)),
        ("supervisor", named(SUPERVISOR)),
        ("admin", admin),
    ):
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.set(permissions)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=("agent", "supervisor", "admin")):
        group.permissions.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("administration", "0001_initial"),
        ("operators", "0002_initial"),
        ("audit", "0001_initial"),
        ("callbacks", "0001_initial"),
        ("contacts", "0001_initial"),
        ("conversations", "0001_initial"),
        ("outreach", "0001_initial"),
        ("realtime", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(grant, revoke)]
