"""URLs of the extraction queue. Included by articles/urls.py."""

from django.urls import path

from articles.extraction import views

urlpatterns = [
    path("articles/<int:pk>/retry/", views.retry_extraction, name="retry"),
]
