from django.urls import path

from . import views

app_name = "front"

urlpatterns = [
    path("", views.home, name="home"),
    path("states/", views.state_list, name="state_list"),
    path("states/<str:iso3>/", views.state_detail, name="state_detail"),
    path("my-state/", views.my_state, name="my_state"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
]
