from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("", views.recommendation_list, name="recommendation_list"),
    path("<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    # Editing (NGO staff, focal points); every view checks accounts.roles.
    path("review/<int:review_pk>/new/", views.recommendation_create,
         name="recommendation_create"),
    path("<int:pk>/edit/", views.recommendation_edit, name="recommendation_edit"),
    path("<int:pk>/assess/", views.assessment_create, name="assessment_create"),
    path("<int:pk>/government-status/", views.government_status, name="government_status"),
    path("follow-up/new/", views.followupaction_create, name="followupaction_create"),
    path("follow-up/<int:pk>/", views.followupaction_detail, name="followupaction_detail"),
    path("follow-up/<int:pk>/edit/", views.followupaction_edit, name="followupaction_edit"),
]
