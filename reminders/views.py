"""The deadlines page: what is due, for everyone to see."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from states.models import State
from states.names import collation_key, state_name_by_iso3

from . import services as reminders

DEADLINE_DAY_CHOICES = [30, 90, 180, 365]


def upcoming_deadlines(request: HttpRequest) -> HttpResponse:
    """Deadlines to come, filterable by State (`?state=FRA`) and days ahead (`?days=90`);
    the same list as GET /api/v1/deadlines/. Three queries."""
    try:
        days = min(max(int(request.GET.get("days", 90)), 0), reminders.MAX_DAYS_AHEAD)
    except ValueError:
        days = 90
    rows = list(State.objects.values_list("pk", "iso3", "name"))
    # In the interface language, in that language's alphabetical order.
    states = sorted(((iso3, state_name_by_iso3(iso3, name)) for _pk, iso3, name in rows),
                    key=lambda pair: collation_key(pair[1]))
    state_ids = {iso3: pk for pk, iso3, _name in rows}
    state_iso3 = (request.GET.get("state") or "").upper()
    today = timezone.localdate()
    deadlines = [] if state_iso3 and state_iso3 not in state_ids else reminders.upcoming_deadlines(
        today=today, days=days, state_id=state_ids.get(state_iso3))
    context = {
        "deadlines": [d.as_dict(today) for d in deadlines],
        "states": states, "state_iso3": state_iso3, "days": days,
        "day_choices": sorted({*DEADLINE_DAY_CHOICES, days}),
    }
    return render(request, "reminders/deadlines.html", context)
