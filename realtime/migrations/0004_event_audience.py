# Who an event involves is stored with it when it is made, not read from its payload later.

from django.db import migrations, models

CHUNK = 2000


def involved_from_payload(apps, schema_editor):
    """Events made before these columns (not yet pruned): read them from the payload once, as
    the rule used to on every read, so a replay after the upgrade keeps its audience."""
    Event = apps.get_model("realtime", "Event")
    rows = Event.objects.filter(connection_id__isnull=False).only("id", "payload")
    changed = []
    for event in rows.iterator(chunk_size=CHUNK):
        payload = event.payload if isinstance(event.payload, dict) else {}
        assignee = (payload.get("conversation") or {}).get("assignee") or {}
        event.assignee_id = assignee.get("id")
        event.previous_assignee_id = payload.get("fromUserId")
        if event.assignee_id is not None or event.previous_assignee_id is not None:
            changed.append(event)
        if len(changed) >= CHUNK:
            Event.objects.bulk_update(changed, ["assignee_id", "previous_assignee_id"])
            changed = []
    Event.objects.bulk_update(changed, ["assignee_id", "previous_assignee_id"])


class Migration(migrations.Migration):

    dependencies = [
        ('realtime', '0003_event_connection_id'),
    ]

    operations = [
        migrations.AddField(
            model_name='event',
            name='assignee_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='event',
            name='previous_assignee_id',
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(involved_from_payload, migrations.RunPython.noop),
    ]
