from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.roles import contributors_q, focal_points_q
from recommendations.forms import DateInput, RecommendationChoiceField
from recommendations.models import FollowUpAction, Recommendation
from states.models import Institution, State

from .models import Indicator
from .services import validate_evidence_file


class InstitutionForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["name", "short_name", "kind"]

    def __init__(self, *args, state: State, **kwargs) -> None:
        self.state = state
        super().__init__(*args, **kwargs)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        clash = Institution.objects.filter(state=self.state, name__iexact=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(_("%(state)s already has this institution.")
                                        % {"state": self.state.localized_name})
        return name


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.get_full_name() or obj.username
        institution = getattr(getattr(obj, "profile", None), "institution", None)
        return f"{name} ({institution.name})" if institution else name


class IndicatorForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    kind = forms.ChoiceField(label=_("Type"), choices=Indicator._meta.get_field("kind").choices)
    unit = forms.CharField(label=_("Unit"), max_length=60, required=False,
                           help_text=_("e.g. %, number of cases, yes/no (1/0)"))
    recommendations = RecommendationChoiceField(
        label=_("Recommendations"), queryset=Recommendation.objects.none(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 8, "data-picker": ""}),
        help_text=_("One recommendation, or several measured together (a cluster)."))
    action = forms.ModelChoiceField(label=_("Follow-up action"), required=False,
                                    queryset=FollowUpAction.objects.none(),
                                    widget=forms.Select(attrs={"data-picker": ""}))
    institution = forms.ModelChoiceField(label=_("Responsible institution"), required=False,
                                         queryset=Institution.objects.none(),
                                         widget=forms.Select(attrs={"data-picker": ""}))
    manager = UserChoiceField(label=_("Manager"), required=False,
                              queryset=get_user_model().objects.none(),
                              widget=forms.Select(attrs={"data-picker": ""}),
                              help_text=_("Who reports on it: a contributor of the State."))
    baseline_value = forms.DecimalField(label=_("Baseline"), required=False, max_digits=14,
                                        decimal_places=2)
    baseline_date = forms.DateField(label=_("Baseline date"), required=False, widget=DateInput)
    target_value = forms.DecimalField(label=_("Target"), required=False, max_digits=14,
                                      decimal_places=2)
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput)
    frequency_months = forms.IntegerField(label=_("Reporting every (months)"), min_value=1,
                                          max_value=60, initial=3)
    start_date = forms.DateField(label=_("Reporting starts"), widget=DateInput)
    end_date = forms.DateField(label=_("Reporting ends"), widget=DateInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("title", "description", "kind", "unit", "action", "institution", "manager",
              "baseline_value", "baseline_date", "target_value", "target_date",
              "frequency_months", "start_date", "end_date")

    def __init__(self, *args, state: State, instance: Indicator | None = None,
                 **kwargs) -> None:
        self.state, self.instance = state, instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {**{name: getattr(instance, name) for name in self.FIELDS},
                                 "recommendations": list(instance.recommendations.all()),
                                 "version": instance.version}
        super().__init__(*args, **kwargs)
        # Only this State's rows are choices: another State's id is an invalid choice.
        self.fields["recommendations"].queryset = Recommendation.objects.filter(
            review__state=state).order_by("-review__session__number", "paragraph_sort", "id")
        self.fields["action"].queryset = FollowUpAction.objects.filter(state=state)
        self.fields["institution"].queryset = Institution.objects.for_state(state.pk)
        self.fields["manager"].queryset = get_user_model().objects.filter(
            (contributors_q() & Q(profile__institution__state=state))
            | (focal_points_q() & Q(profile__state=state))).select_related(
            "profile__institution").distinct().order_by("username")
        if instance is None:
            del self.fields["version"]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end <= start:
            self.add_error("end_date", _("Reporting must end after it starts."))
        if not data.get("recommendations") and not data.get("action"):
            self.add_error("recommendations", _("Measure at least one recommendation or a "
                                                "follow-up action."))
        return data

    def indicator_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class ProgressReportForm(forms.Form):
    due_date = forms.TypedChoiceField(label=_("Reporting period"), coerce=str)
    value = forms.DecimalField(label=_("Value measured"), max_digits=14, decimal_places=2,
                               required=False)
    narrative = forms.CharField(label=_("What was done"), required=False,
                                widget=forms.Textarea(attrs={"rows": 5}))
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    link_title = forms.CharField(label=_("Evidence link: title"), max_length=300,
                                 required=False)
    link_url = forms.URLField(label=_("Evidence link"), max_length=500, required=False,
                              assume_scheme="https")
    link_public = forms.BooleanField(label=_("The link is public"), required=False,
                                     initial=True)
    file = forms.FileField(
        label=_("Evidence file"), required=False, widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.doc,.docx,.odt,.xls,.xlsx,.ods,.csv,.txt,.png,.jpg,.jpeg"}))
    file_title = forms.CharField(label=_("Evidence file: title"), max_length=300,
                                 required=False)
    file_public = forms.BooleanField(
        label=_("The file is public"), required=False, initial=False,
        help_text=_("Unticked, only the State's focal points and contributors can open it."))

    def __init__(self, *args, indicator: Indicator | None, government: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.indicator, self.government = indicator, government
        if indicator is not None and government:
            today_due = indicator.unmet_due_dates()
            self.fields["due_date"].choices = [
                (d.isoformat(), date_format(d, "DATE_FORMAT")) for d in today_due]
            self.fields["due_date"].help_text = _("The due date this report answers.")
            self.fields["value"].required = True
            if indicator.unit:
                self.fields["value"].help_text = indicator.unit
        else:
            del self.fields["due_date"]
        if indicator is None:
            del self.fields["value"]
        if government:
            del self.fields["organisation"]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            validate_evidence_file(upload)
        return upload

    def evidence(self) -> list[dict]:
        data, items = self.cleaned_data, []
        if data.get("link_url"):
            items.append({"title": data["link_title"], "url": data["link_url"],
                          "is_public": data["link_public"]})
        if data.get("file"):
            items.append({"title": data["file_title"], "file": data["file"],
                          "is_public": data["file_public"]})
        return items

    def due(self):
        import datetime as dt

        value = self.cleaned_data.get("due_date")
        return dt.date.fromisoformat(value) if value else None
