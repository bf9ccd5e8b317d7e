# ReadMark moved to conversations; its table stays (state only: conversations' 0010 takes the
# model over with db_table set to this table).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('conversations', '0010_readmark'),
        ('desk', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='ReadMark')],
            database_operations=[],
        ),
    ]
