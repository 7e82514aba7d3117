from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from states.models import State

from .models import Cycle, Review, Session


class CycleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cycle
        fields = ["number", "start_date", "end_date"]


class SessionSerializer(serializers.ModelSerializer):
    cycle = serializers.IntegerField(source="cycle.number", read_only=True)

    class Meta:
        model = Session
        fields = ["number", "cycle", "start_date", "end_date"]


class ReviewSerializer(serializers.ModelSerializer):
    """A review; `state` is the ISO3 code of the State under review and `session` the
    Working Group session number. Empty symbols and deadlines are filled with OHCHR's
    usual ones."""

    state = serializers.SlugRelatedField(slug_field="iso3", queryset=State.objects.all())
    state_name = serializers.CharField(source="state.name", read_only=True)
    session = serializers.SlugRelatedField(slug_field="number", queryset=Session.objects.all())
    cycle = serializers.IntegerField(source="session.cycle.number", read_only=True)
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text=_("On update: the version you edited; a stale one gets 412"))

    class Meta:
        model = Review
        fields = ["id", "state", "state_name", "session", "cycle", "review_date",
                  "adoption_date", "national_report_symbol", "un_compilation_symbol",
                  "stakeholder_summary_symbol", "wg_report_symbol", "addendum_symbol",
                  "national_report_due", "stakeholder_submissions_due", "documents_published",
                  "midterm_report_due", "midterm_report_submitted", "next_review_due",
                  "version", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs: dict) -> dict:
        review_date = attrs.get("review_date", getattr(self.instance, "review_date", None))
        adoption = attrs.get("adoption_date", getattr(self.instance, "adoption_date", None))
        if review_date and adoption and adoption < review_date:
            raise serializers.ValidationError(
                {"adoption_date": _("Adoption cannot precede the review.")})
        return attrs


class ReviewUpdateSerializer(ReviewSerializer):
    """State and session are what a review is; an edit cannot change them."""

    state = serializers.SlugRelatedField(slug_field="iso3", read_only=True)
    session = serializers.SlugRelatedField(slug_field="number", read_only=True)
