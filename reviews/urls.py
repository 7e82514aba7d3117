from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/<int:pk>/edit/", views.review_edit, name="review_edit"),
]
