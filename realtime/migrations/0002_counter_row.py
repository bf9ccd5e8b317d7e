from django.db import migrations


def create_counter(apps, schema_editor):
    apps.get_model("realtime", "EventCounter").objects.get_or_create(pk=1, defaults={"value": 0})


class Migration(migrations.Migration):
    dependencies = [("realtime", "0001_initial")]
    operations = [migrations.RunPython(create_counter, migrations.RunPython.noop)]
