from django.urls import path

from . import views

app_name = "analysis"

urlpatterns = [
    path("", views.matrix, name="matrix"),
    path("go/", views.pick, name="pick"),
    path("recommending/<str:iso3>/", views.recommending_state, name="recommending_state"),
    path("themes/<slug:slug>/", views.theme_over_time, name="theme"),
    path("reviews/<int:pk>/mid-term-report/", views.midterm_report, name="midterm_report"),
]
