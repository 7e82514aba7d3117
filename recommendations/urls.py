from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("", views.recommendation_list, name="recommendation_list"),
    path("<int:pk>/", views.recommendation_detail, name="recommendation_detail"),
    # Editing (NGO staff, focal points); every view checks accounts.roles.
    path("review/<int:review_pk>/new/", views.recommendation_create,
         name="recommendation_create"),
    path("review/<int:review_pk>/paste/", views.recommendation_paste,
         name="recommendation_paste"),
    path("<int:pk>/edit/", views.recommendation_edit, name="recommendation_edit"),
    path("<int:pk>/asked-before/<int:earlier_pk>/wrong/", views.mark_match_wrong,
         name="mark_match_wrong"),
    path("<int:pk>/delete/", views.recommendation_delete, name="recommendation_delete"),
    path("<int:pk>/assess/", views.assessment_create, name="assessment_create"),
    path("<int:pk>/government-status/", views.government_status, name="government_status"),
    path("assessments/<int:pk>/correct/", views.assessment_correct,
         name="assessment_correct"),
    path("assessments/<int:pk>/withdraw/", views.assessment_withdraw,
         name="assessment_withdraw"),
    path("follow-up/new/", views.followupaction_create, name="followupaction_create"),
    path("follow-up/<int:pk>/", views.followupaction_detail, name="followupaction_detail"),
    path("follow-up/<int:pk>/edit/", views.followupaction_edit, name="followupaction_edit"),
    path("review/<int:review_pk>/responses/", views.proposed_responses,
         name="proposed_responses"),
    path("import/", views.import_upload, name="import_upload"),
    path("import/history/", views.import_history, name="import_history"),
    path("import/<uuid:public_id>/", views.import_detail, name="import_detail"),
    path("import/<uuid:public_id>/run/", views.import_run, name="import_run"),
    path("import/<uuid:public_id>/aliases/", views.import_aliases, name="import_aliases"),
]
