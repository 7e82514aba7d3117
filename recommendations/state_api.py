"""`/api/v1/states/FRA/` with what the State received and made: counts by cycle and
response, each with a link to the filtered recommendation list (and the human page).

The States endpoint itself lives in `states` (the bottom layer, which knows nothing of
recommendations); this subclass adds the counts and is what the router serves.
"""

from urllib.parse import urlencode

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from states.api import StateViewSet

from .schema import StateWithCountsSerializer
from .services import state_counts


class StateWithCountsViewSet(StateViewSet):
    @extend_schema(summary="One State, by ISO3 code (`FRA`), with recommendation counts",
                   responses=StateWithCountsSerializer)
    def retrieve(self, request, *args, **kwargs) -> Response:
        state = self.get_object()
        data = dict(self.get_serializer(state).data)
        list_url = request.build_absolute_uri(reverse("api-recommendation-list"))
        page_url = request.build_absolute_uri(
            reverse("recommendations:recommendation_list"))

        def links(params: dict) -> dict:
            query = urlencode(params)
            return {"url": f"{list_url}?{query}", "page_url": f"{page_url}?{query}"}

        counts = state_counts(state)
        for side, key in (("received", "state_under_review"), ("made", "recommending_state")):
            block = counts[side]
            base = {key: state.iso3}
            block.update(links(base))
            block["by_response"] = [
                {"response": response, "count": n, **links({**base, "response": response})}
                for response, n in block["by_response"].items()]
            block["by_cycle"] = [
                {"cycle": cycle, "count": slot["count"], **links({**base, "cycle": cycle}),
                 "by_response": [
                     {"response": response, "count": n,
                      **links({**base, "cycle": cycle, "response": response})}
                     for response, n in slot["by_response"].items()]}
                for cycle, slot in block["by_cycle"].items()]
            data[f"recommendations_{side}"] = block
        data["page_url"] = request.build_absolute_uri(
            reverse("front:state_detail", args=[state.iso3]))
        return Response(data)
