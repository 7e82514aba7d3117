from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from recommendations.models import Actor, FollowUpAction, Recommendation
from states.models import Institution, InstitutionKind, State

from .models import Evidence, Indicator, IndicatorKind, ProgressReport


class InstitutionSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(slug_field="iso3", queryset=State.objects.all(),
                                         help_text=_("ISO3 code of the State"))
    kind = serializers.ChoiceField(choices=InstitutionKind.choices,
                                   default=InstitutionKind.OTHER)

    class Meta:
        model = Institution
        fields = ["id", "state", "name", "short_name", "kind", "created_at"]
        read_only_fields = ["id", "created_at"]
        # Uniqueness per State is checked by the view (a 400 naming the field).
        validators: list = []


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text=_(
        "The link, or the file's download address (private files: the State's users only)"))
    kind = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = ["id", "title", "kind", "url", "is_public"]

    def get_kind(self, obj: Evidence) -> str:
        return "file" if obj.file else "link"

    def get_url(self, obj: Evidence) -> str:
        request = self.context.get("request")
        url = obj.get_absolute_url()
        return request.build_absolute_uri(url) if request and url.startswith("/") else url


class EvidenceInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300, required=False, allow_blank=True)
    url = serializers.URLField(max_length=500)
    is_public = serializers.BooleanField(default=True)


class ProgressReportSerializer(serializers.ModelSerializer):
    indicator = serializers.PrimaryKeyRelatedField(queryset=Indicator.objects.all(),
                                                   required=False, allow_null=True)
    action = serializers.PrimaryKeyRelatedField(queryset=FollowUpAction.objects.all(),
                                                required=False, allow_null=True)
    actor = serializers.ChoiceField(choices=Actor.choices, default=Actor.GOVERNMENT)
    author = serializers.SlugRelatedField(source="created_by", slug_field="username",
                                          read_only=True)
    institution = serializers.PrimaryKeyRelatedField(read_only=True)
    evidence = serializers.SerializerMethodField()
    links = EvidenceInputSerializer(many=True, required=False, write_only=True, help_text=_(
        "Evidence links; files are uploaded on the report page"))

    class Meta:
        model = ProgressReport
        fields = ["id", "indicator", "action", "actor", "due_date", "period_start",
                  "period_end", "value", "narrative", "organisation", "institution",
                  "author", "evidence", "links", "created_at"]
        read_only_fields = ["id", "institution", "author", "created_at"]

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, obj: ProgressReport) -> list[dict]:
        # Private evidence is left out for whoever may not see it.
        user = getattr(self.context.get("request"), "user", None)
        items = [e for e in obj.evidence.all() if e.user_can_see(user)]
        return EvidenceSerializer(items, many=True, context=self.context).data


class DueDateSerializer(serializers.Serializer):
    due_date = serializers.DateField()
    report = serializers.IntegerField(allow_null=True, help_text=_(
        "Id of the government report that met it"))
    overdue = serializers.BooleanField()


class IndicatorSerializer(serializers.ModelSerializer):
    state = serializers.SlugRelatedField(slug_field="iso3", queryset=State.objects.all(),
                                         help_text=_("ISO3 code of the State"))
    recommendations = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=Recommendation.objects.select_related("review"),
        help_text=_("Ids of the recommendations measured (a cluster: several)"))
    action = serializers.PrimaryKeyRelatedField(queryset=FollowUpAction.objects.all(),
                                                required=False, allow_null=True)
    institution = serializers.PrimaryKeyRelatedField(queryset=Institution.objects.all(),
                                                     required=False, allow_null=True)
    manager = serializers.SlugRelatedField(
        slug_field="username", required=False, allow_null=True,
        queryset=Indicator._meta.get_field("manager").related_model.objects.all())
    kind = serializers.ChoiceField(choices=IndicatorKind.choices, default=IndicatorKind.PROCESS)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    progress = serializers.SerializerMethodField(help_text=_("on_track, late or met"))
    latest_value = serializers.SerializerMethodField()
    civil_society_latest_value = serializers.SerializerMethodField()
    next_due_date = serializers.SerializerMethodField()
    due_dates = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = ["id", "state", "title", "description", "kind", "unit", "recommendations",
                  "action", "institution", "manager", "baseline_value", "baseline_date",
                  "target_value", "target_date", "frequency_months", "start_date", "end_date",
                  "progress", "latest_value", "civil_society_latest_value", "next_due_date",
                  "due_dates", "version", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_progress(self, obj: Indicator) -> str:
        return obj.progress()

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2,
                                                  allow_null=True))
    def get_latest_value(self, obj: Indicator):
        value = obj.latest_value()
        return None if value is None else str(value)

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2,
                                                  allow_null=True))
    def get_civil_society_latest_value(self, obj: Indicator):
        value = obj.latest_value(Actor.CIVIL_SOCIETY)
        return None if value is None else str(value)

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_next_due_date(self, obj: Indicator):
        return obj.next_due_date()

    @extend_schema_field(DueDateSerializer(many=True))
    def get_due_dates(self, obj: Indicator) -> list[dict]:
        return [{"due_date": row["due_date"], "overdue": row["overdue"],
                 "report": row["report"].pk if row["report"] else None}
                for row in obj.due_rows()]
