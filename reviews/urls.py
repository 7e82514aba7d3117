from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review_edit"),
    path("deadlines/", views.upcoming_deadlines, name="deadlines"),
]
