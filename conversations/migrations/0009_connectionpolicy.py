# The model moved here from administration; its tables stay as they were (state only).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('administration', '0002_role_permissions'),
        ('conversations', '0008_report_wide_ended_and_failed_reply_indexes'),
        ('operators', '0002_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ConnectionPolicy',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('served', models.BooleanField(default=True)),
                        ('restricted', models.BooleanField(db_index=True, default=False)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('connection', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='policy', to='conversations.connection')),
                        ('operators', models.ManyToManyField(blank=True, related_name='connection_policies', to=settings.AUTH_USER_MODEL)),
                        ('teams', models.ManyToManyField(blank=True, related_name='connections', to='operators.team')),
                        ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'administration_connectionpolicy',
                        'verbose_name_plural': 'connection policies',
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
