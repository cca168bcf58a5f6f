from __future__ import annotations

from django.db import migrations

ADMIN_GROUP = "Bigin admins"
SALES_GROUP = "Sales staff"


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in (ADMIN_GROUP, SALES_GROUP):
        Group.objects.get_or_create(name=name)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[ADMIN_GROUP, SALES_GROUP]).delete()


class Migration(migrations.Migration):
    dependencies = [("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, remove_groups)]
