"""Tag suggestions for a new recommendation from its nearest tagged neighbours."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from . import recurrence, similarity

MAX_TEXT = 5000


class SuggestTagsView(APIView):
    """Themes, SDGs and affected groups that the most similar tagged recommendations
    carry, best first: suggestions for a person to accept one by one, never applied."""

    @extend_schema(parameters=[OpenApiParameter("text", str, required=True,
                                                description="The recommendation's text")],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request):
        text = request.query_params.get("text", "").strip()
        if not text:
            raise ValidationError({"text": ["Give the text of the recommendation."]})
        if len(text) > MAX_TEXT:
            raise ValidationError({"text": [f"At most {MAX_TEXT} characters."]})
        result = recurrence.suggest_tags(text)
        result["method_label"] = similarity.method_label(result["method"])
        return Response(result)
