from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    path("states/<str:iso3>/", views.state_progress, name="state_progress"),
    path("states/<str:iso3>/institutions/", views.institution_list, name="institution_list"),
    path("institutions/<int:pk>/", views.institution_detail, name="institution_detail"),
    path("institutions/<int:pk>/edit/", views.institution_edit, name="institution_edit"),
    path("my-institution/", views.my_institution, name="my_institution"),
    path("indicators/new/", views.indicator_create, name="indicator_create"),
    path("indicators/<int:pk>/", views.indicator_detail, name="indicator_detail"),
    path("indicators/<int:pk>/edit/", views.indicator_edit, name="indicator_edit"),
    path("indicators/<int:pk>/report/", views.report_create, name="report_create"),
    path("actions/<int:pk>/", views.action_progress, name="action_progress"),
    path("actions/<int:pk>/report/", views.action_report_create, name="action_report_create"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence_file"),
]
