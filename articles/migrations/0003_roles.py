"""Create the Editors, Reviewers and Admins groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Editors": [
        "articles.view_article",
        "articles.add_article",
        "articles.tag_article",
        "articles.view_tag",
        "articles.add_tag",
        "articles.change_tag",
        "articles.delete_tag",
    ],
    "Reviewers": [
        "articles.view_article",
        "articles.review_article",
        "articles.retry_extraction",
        "articles.view_entity",
        "articles.add_entity",
        "articles.change_entity",
        "articles.view_mention",
        "articles.add_mention",
        "articles.change_mention",
        "articles.delete_mention",
        "articles.view_quote",
        "articles.add_quote",
        "articles.change_quote",
        "articles.delete_quote",
        "articles.view_tag",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for dotted in codenames:
            app_label, codename = dotted.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    admins, _ = Group.objects.get_or_create(name="Admins")
    admins.permissions.set(Permission.objects.all())


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(
        name__in=["Editors", "Reviewers", "Admins"]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
