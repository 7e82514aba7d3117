from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_upload, name="import_upload"),
    path("history/", views.import_history, name="import_history"),
    path("<uuid:public_id>/", views.import_detail, name="import_detail"),
    path("<uuid:public_id>/run/", views.import_run, name="import_run"),
    path("<uuid:public_id>/aliases/", views.import_aliases, name="import_aliases"),
    path("review/<int:review_pk>/paste/", views.recommendation_paste,
         name="recommendation_paste"),
    path("review/<int:review_pk>/responses/", views.proposed_responses,
         name="proposed_responses"),
]


def _moved(name: str) -> RedirectView:
    # 308, not 301: a form posted to an old address is posted again to the new one.
    class Moved(RedirectView):
        pattern_name = f"imports:{name}"
        query_string = True

        def get(self, request, *args, **kwargs):
            response = super().get(request, *args, **kwargs)
            response.status_code = 308
            return response

    return Moved.as_view()


# The addresses these pages had under /recommendations/ before the imports app
# (bookmarks, links in old e-mails) lead to the same pages.
old_urlpatterns = [
    path("import/", _moved("import_upload")),
    path("import/history/", _moved("import_history")),
    path("import/<uuid:public_id>/", _moved("import_detail")),
    path("import/<uuid:public_id>/run/", _moved("import_run")),
    path("import/<uuid:public_id>/aliases/", _moved("import_aliases")),
    path("review/<int:review_pk>/paste/", _moved("recommendation_paste")),
    path("review/<int:review_pk>/responses/", _moved("proposed_responses")),
]
