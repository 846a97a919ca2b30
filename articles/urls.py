from django.urls import path

from articles import browse_urls, review_urls, views

app_name = "articles"
urlpatterns = [
    path("", views.article_list, name="list"),
    path("articles/<int:pk>/", views.article_detail, name="detail"),
    path("articles/<int:pk>/retry/", views.retry_extraction, name="retry"),
    path("upload/", views.upload, name="upload"),
    path("upload/file/", views.upload_file, name="upload-file"),
    path("upload/text/", views.upload_text, name="upload-text"),
    *review_urls.urlpatterns,
    *browse_urls.urlpatterns,
]
