from django.db.models import Count
from django.shortcuts import render

from recommendations.models import Recommendation

from .models import Cycle


def home(request):
    counts = dict(
        Recommendation.objects.values_list("review__session__cycle__number")
        .annotate(n=Count("id")).values_list("review__session__cycle__number", "n"))
    cycles = [(c, counts.get(c.number, 0)) for c in Cycle.objects.all()]
    return render(request, "home.html", {"cycles": cycles})
