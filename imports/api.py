"""`imports/<uuid>/undo/` on the API: GET says what an undo would do, POST does it
(409 listing what others entered since, until repeated with `?confirm=true`)."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import can_edit_recommendations, is_admin

from . import undo
from .models import ImportJob


def _plan_json(plan: dict) -> dict:
    return {"created": plan["created"], "changed": plan["changed"],
            "restored": plan["restored"], "reviews_created": plan["reviews_created"],
            "aliases": plan["aliases"],
            "assessments_of_others": [
                {"id": a.pk, "recommendation": a.recommendation_id, "actor": a.actor,
                 "status": a.status, "created_by": getattr(a.created_by, "username", None)}
                for a in plan["assessments"]],
            "follow_up_actions": [{"id": a.pk, "title": a.title}
                                  for a in plan["follow_up_actions"]],
            "later_edits": [{"recommendation": h.id, "at": h.history_date.isoformat(),
                             "by": getattr(h.history_user, "username", None)}
                            for h in plan["later_edits"]],
            "needs_confirmation": plan["needs_confirmation"]}


class ImportUndoView(APIView):
    """Undo an import job or a paste (its owner, or an administrator)."""

    permission_classes = [permissions.IsAuthenticated]

    def job(self, request, public_id) -> ImportJob:
        if not can_edit_recommendations(request.user):
            raise PermissionDenied(_("Only NGO staff and administrators can undo imports."))
        jobs = ImportJob.objects.all()
        if not is_admin(request.user):
            jobs = jobs.filter(created_by=request.user)
        return get_object_or_404(jobs, public_id=public_id)

    @extend_schema(summary=_("What undoing this import would do"),
                   responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    def get(self, request, public_id) -> Response:
        try:
            return Response(_plan_json(undo.plan(self.job(request, public_id))))
        except undo.CannotUndo as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)

    @extend_schema(
        summary=_("Undo an import job or a paste as one step"),
        parameters=[OpenApiParameter("confirm", OpenApiTypes.BOOL, required=False,
                                     description=_("Undo even when others' entries are "
                                                   "touched (listed in the 409)"))],
        request=None, responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    def post(self, request, public_id) -> Response:
        job = self.job(request, public_id)
        try:
            plan = undo.plan(job)
        except undo.CannotUndo as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        confirmed = request.query_params.get("confirm", "").lower() in ("1", "true", "yes")
        if plan["needs_confirmation"] and not confirmed:
            return Response({"detail": _("The undo would touch entries of others; repeat "
                                         "with ?confirm=true."), **_plan_json(plan)},
                            status=status.HTTP_409_CONFLICT)
        done = undo.undo(job, user=request.user)
        return Response({"undone": True, **_plan_json(done)})
