"""URLs of the article editor and the trash. Included by articles/urls.py."""

from django.urls import path

from articles.editing import views

urlpatterns = [
    path("articles/<int:pk>/edit/", views.edit, name="article-edit"),
    path("articles/<int:pk>/delete/", views.delete, name="article-delete"),
    path("trash/", views.trash_index, name="trash"),
    path("trash/<int:pk>/restore/", views.restore, name="article-restore"),
]
