"""URLs of the sources dashboard, its downloads and the speaker attributes."""

from django.urls import path

from articles.sources import views

urlpatterns = [
    path("sources/", views.dashboard, name="sources"),
    path("sources/speakers.csv", views.speakers_csv, name="sources-speakers-csv"),
    path("sources/data/<slug:name>.csv", views.chart_csv, name="sources-chart-csv"),
    path("sources/speakers/<int:pk>/", views.speaker, name="sources-speaker"),
    path("sources/speakers/<int:pk>/undo/", views.speaker_undo, name="sources-speaker-undo"),
]
