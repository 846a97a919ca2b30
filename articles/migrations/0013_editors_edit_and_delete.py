"""Editors edit articles (metadata and text) and move them to the trash and back."""

from django.db import migrations

GRANTS = {
    "Editors": ["articles.change_article", "articles.delete_article"],
}


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, dotted_names in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in dotted_names:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, dotted_names in GRANTS.items():
        group = Group.objects.filter(name=name).first()
        for dotted in dotted_names if group else []:
            app_label, codename = dotted.split(".")
            group.permissions.remove(
                *Permission.objects.filter(content_type__app_label=app_label, codename=codename)
            )


class Migration(migrations.Migration):
    dependencies = [("articles", "0012_article_edits_trash")]
    operations = [migrations.RunPython(grant, revoke)]
