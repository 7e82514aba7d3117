"""Forms of the editing pages. They validate input; the workflows live in services.py."""

from django import forms
from django.db.models import Case, When
from django.utils.translation import gettext_lazy as _

from reviews.models import Review
from states.models import Institution, State

from .models import (
    SDG,
    ActionCategory,
    AffectedGroup,
    FollowUpAction,
    FollowUpActionStatus,
    ImplementationStatus,
    Recommendation,
    Response,
    Theme,
    ThemeGroup,
)


class DateInput(forms.DateInput):
    input_type = "date"


class RecommendationForm(forms.Form):
    """Create or edit one recommendation. `version` is the row's version when the form
    was loaded: the edit is refused if someone saved in between (services.StaleEdit)."""

    paragraph = forms.CharField(
        label=_("Paragraph"), max_length=30, required=False,
        help_text=_("Paragraph in the Working Group report, e.g. 140.1"))
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}))
    recommending_states = forms.ModelMultipleChoiceField(
        label=_("Recommending States"), queryset=State.objects.all(),
        widget=forms.SelectMultiple(attrs={"size": 8, "data-picker": ""}),
        help_text=_("Hold Ctrl (Cmd on a Mac) to select several."))
    response = forms.ChoiceField(label=_("Response"), choices=Response.choices,
                                 initial=Response.PENDING)
    source_symbol = forms.CharField(
        label=_("Source of the response"), max_length=60, required=False,
        help_text=_("Document that records a changed response, e.g. A/HRC/43/15/Add.1"))
    action_category = forms.TypedChoiceField(
        label=_("Action category"), required=False, coerce=int, empty_value=None,
        choices=[("", "—"), *ActionCategory.choices])
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes"), queryset=Theme.objects.all(), required=False,
        # Choices: grouped_theme_choices(), set in __init__.
        widget=forms.SelectMultiple(attrs={"size": 6, "data-picker": ""}))
    sdgs = forms.ModelMultipleChoiceField(
        label=_("Sustainable Development Goals"), queryset=SDG.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple)
    affected_groups = forms.ModelMultipleChoiceField(
        label=_("Affected groups"), queryset=AffectedGroup.objects.all(), required=False,
        widget=forms.SelectMultiple(attrs={"size": 6, "data-picker": ""}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, review: Review, instance: Recommendation | None = None,
                 **kwargs) -> None:
        self.review = review
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_from_recommendation(instance)
        super().__init__(*args, **kwargs)
        if instance is None:
            del self.fields["version"]
            del self.fields["source_symbol"]
        self.fields["themes"].widget.choices = grouped_theme_choices()
        chosen = [s.pk for s in self.initial.get("recommending_states") or []]
        if chosen:
            # In a 195-row list the chosen States would hide below the fold: list them first.
            field = self.fields["recommending_states"]
            field.queryset = State.objects.annotate(
                first=Case(When(pk__in=chosen, then=0), default=1)).order_by("first", "name")
            field.help_text = _("Now: %(states)s. Hold Ctrl (Cmd on a Mac) to select "
                                "several.") % {
                "states": ", ".join(s.name for s in self.initial["recommending_states"])}

    def clean_paragraph(self) -> str:
        paragraph = self.cleaned_data["paragraph"].strip().rstrip(".")
        others = self.review.recommendations.filter(paragraph=paragraph)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if paragraph and others.exists():
            raise forms.ValidationError(
                _("This review already has a recommendation with paragraph %(p)s."),
                params={"p": paragraph})
        return paragraph

    def clean_version(self) -> int:
        version = self.cleaned_data.get("version")
        if version is None:
            raise forms.ValidationError(_("This form is missing its version; reload the page."))
        return version

    def clean_themes(self) -> list[Theme]:
        """Canonical themes as picked; a theme the recommendation already has under a
        source's label (UPR Info's "Migrants") keeps that label."""
        return keep_source_labels(self.cleaned_data.get("themes") or [],
                                  self.instance.themes.all() if self.instance else [])


def keep_source_labels(picked, current) -> list[Theme]:
    labels = {}
    for theme in current:
        labels.setdefault(theme.canonical_id or theme.pk, []).append(theme)
    themes: list[Theme] = []
    for theme in picked:
        root = theme.canonical_id or theme.pk
        for kept in labels.pop(root, None) or [theme]:
            if kept not in themes:
                themes.append(kept)
    return themes


def grouped_theme_choices() -> list:
    """Canonical themes under their UHRI group headings (optgroups of a select)."""
    groups: dict[str, list] = {}
    for pk, name, group in Theme.objects.pickable().order_by("name").values_list(
            "pk", "name", "group"):
        groups.setdefault(group, []).append((pk, name))
    labels = dict(ThemeGroup.choices)
    return [(labels[key], groups[key]) for key in ThemeGroup.values if key in groups]


def initial_from_recommendation(rec: Recommendation) -> dict:
    return {
        "paragraph": rec.paragraph, "text": rec.text,
        "recommending_states": list(rec.recommending_states.all()),
        "response": rec.response, "action_category": rec.action_category,
        "themes": list(dict.fromkeys(t.canonical_id or t.pk for t in rec.themes.all())),
        "sdgs": list(rec.sdgs.all()),
        "affected_groups": list(rec.affected_groups.all()), "version": rec.version,
    }


class CivilSocietyAssessmentForm(forms.Form):
    status = forms.ChoiceField(label=_("Implementation status"),
                               choices=ImplementationStatus.choices)
    comment = forms.CharField(label=_("Comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    evidence_url = forms.URLField(label=_("Evidence link"), required=False, max_length=500,
                                  assume_scheme="https")
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=200)
    assessed_on = forms.DateField(label=_("Date"), required=False, widget=DateInput)


class GovernmentStatusForm(forms.Form):
    # A government reports "not started", never "not implemented" (see Assessment.clean).
    status = forms.ChoiceField(
        label=_("Government status"),
        choices=[c for c in ImplementationStatus.choices
                 if c[0] != ImplementationStatus.NOT_IMPLEMENTED])
    comment = forms.CharField(label=_("Comment"), required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    evidence_url = forms.URLField(label=_("Evidence link"), required=False, max_length=500,
                                  assume_scheme="https")
    assessed_on = forms.DateField(label=_("Date"), required=False, widget=DateInput)


class RecommendationChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Recommendation) -> str:
        text = obj.text if len(obj.text) <= 90 else obj.text[:89] + "…"
        return f"{obj.paragraph} {text}".strip()


class FollowUpActionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    description = forms.CharField(label=_("Description"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    institution = forms.ModelChoiceField(
        label=_("Responsible institution"), queryset=Institution.objects.none(),
        required=False, widget=forms.Select(attrs={"data-picker": ""}))
    responsible_institution = forms.CharField(
        label=_("Or a new institution"), max_length=300, required=False,
        help_text=_("A name not in the list above adds it to the State's institutions."))
    target_date = forms.DateField(label=_("Target date"), required=False, widget=DateInput)
    status = forms.ChoiceField(label=_("Status"), choices=FollowUpActionStatus.choices,
                               initial=FollowUpActionStatus.PLANNED)
    recommendations = RecommendationChoiceField(
        label=_("Recommendations"), queryset=Recommendation.objects.none(),
        widget=forms.SelectMultiple(attrs={"size": 8, "data-picker": ""}),
        help_text=_("Only recommendations addressed to this State can be linked."))
    indicators = forms.CharField(label=_("Indicators"), required=False,
                                 widget=forms.Textarea(attrs={"rows": 3}))
    evidence = forms.CharField(label=_("Evidence"), required=False,
                               widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("title", "description", "institution", "responsible_institution", "target_date",
              "status", "indicators", "evidence")

    def __init__(self, *args, state: State, instance: FollowUpAction | None = None,
                 **kwargs) -> None:
        self.state = state
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                **{name: getattr(instance, name) for name in self.FIELDS},
                "recommendations": list(instance.recommendations.all()),
                "version": instance.version,
            }
        super().__init__(*args, **kwargs)
        # Only this State's recommendations are choices, so a posted id of another
        # State's recommendation is an invalid choice, not a write.
        self.fields["recommendations"].queryset = Recommendation.objects.filter(
            review__state=state).order_by("-review__session__number", "paragraph_sort", "id")
        self.fields["institution"].queryset = Institution.objects.for_state(state.pk)
        if instance is not None and instance.institution_id and "initial" in kwargs:
            self.initial["responsible_institution"] = ""
        if instance is None:
            del self.fields["version"]

    def clean_version(self) -> int:
        version = self.cleaned_data.get("version")
        if version is None:
            raise forms.ValidationError(_("This form is missing its version; reload the page."))
        return version

    def action_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIELDS}
