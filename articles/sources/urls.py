"""URLs of the sources dashboard, its downloads and the speaker attributes."""

from django.urls import path

from articles.sources import speakers, views

urlpatterns = [
    path("sources/", views.dashboard, name="sources"),
    path("sources/speakers.csv", views.speakers_csv, name="sources-speakers-csv"),
    path("sources/data/<slug:name>.csv", views.chart_csv, name="sources-chart-csv"),
    path("sources/speakers/<int:pk>/", speakers.speaker, name="sources-speaker"),
    path("sources/speakers/<int:pk>/undo/", speakers.speaker_undo, name="sources-speaker-undo"),
]
