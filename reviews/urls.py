from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
]
