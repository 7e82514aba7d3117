from django.urls import path

from . import views

app_name = "reminders"

urlpatterns = [
    path("deadlines/", views.upcoming_deadlines, name="deadlines"),
]
