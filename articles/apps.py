from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self) -> None:
        from articles.roles import sync_admin_permissions

        post_migrate.connect(sync_admin_permissions, sender=self)
