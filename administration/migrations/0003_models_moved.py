# CallbackSecret moved to callbacks, ConnectionPolicy to conversations; their tables stay
# (state only: those apps' migrations take the models over with db_table set to these tables).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('administration', '0002_role_permissions'),
        ('callbacks', '0004_callbacksecret'),
        ('conversations', '0009_connectionpolicy'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='CallbackSecret'),
                migrations.DeleteModel(name='ConnectionPolicy'),
            ],
            database_operations=[],
        ),
    ]
