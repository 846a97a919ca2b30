"""URLs of the upload page. Included by articles/urls.py."""

from django.urls import path

from articles.intake import views

urlpatterns = [
    path("upload/", views.upload, name="upload"),
    path("upload/file/", views.upload_file, name="upload-file"),
    path("upload/text/", views.upload_text, name="upload-text"),
    path("upload/status/", views.upload_status, name="upload-status"),
    path("upload/imports/<int:pk>/", views.import_job, name="import-job"),
]
