"""The roles' groups carry no Django permissions.

administration/migrations/0002_role_permissions gave the groups model permissions
("conversations.view_conversation" and the like) that nothing checked: who may call what is
the role gate's rule (operators/access.py), ranked roles read from the groups, because the
desk's rules are not per-model rights (an agent sees the conversations of the connections they
serve, not every conversation). Permissions that describe the rules without deciding them would
be a second source of truth: changed in Django's admin, they would change nothing. Admins are
superusers (operators.services), so Django's admin, the one place that asks `has_perm`, is
theirs as before.
"""

from django.db import migrations

ROLES = ("agent", "supervisor", "admin")


def clear(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.clear()


class Migration(migrations.Migration):
    dependencies = [
        ("operators", "0002_initial"),
        ("administration", "0002_role_permissions"),
    ]
    # Going back leaves the groups bare: nothing read what 0002 gave them.
    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
