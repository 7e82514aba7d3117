"""Forms of the review editing pages; the edit workflow is services.update_review."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Review

DATE_FIELDS = (
    "review_date", "adoption_date", "national_report_due", "stakeholder_submissions_due",
    "documents_published", "midterm_report_due", "midterm_report_submitted", "next_review_due",
)
SYMBOL_FIELDS = (
    "national_report_symbol", "un_compilation_symbol", "stakeholder_summary_symbol",
    "wg_report_symbol", "addendum_symbol",
)


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        # <input type="date"> only understands ISO dates, whatever the language.
        return value.isoformat() if hasattr(value, "isoformat") else value


class ReviewForm(forms.ModelForm):
    """A review; State and session are chosen once, on creation. Empty deadlines are
    filled from the review date (Review.fill_defaults)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Review
        fields = ("state", "session", *DATE_FIELDS, *SYMBOL_FIELDS)
        widgets = {name: DateInput for name in DATE_FIELDS}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["state"]
            del self.fields["session"]
            self.initial.setdefault("version", self.instance.version)
        else:
            del self.fields["version"]
            self.fields["session"].queryset = self.fields["session"].queryset.order_by(
                "-number")
        for name in DATE_FIELDS + SYMBOL_FIELDS:
            if name != "review_date":
                self.fields[name].help_text = _("Leave empty to use the usual default.")

    def clean_version(self) -> int:
        version = self.cleaned_data.get("version")
        if version is None:
            raise forms.ValidationError(_("This form is missing its version; reload the page."))
        return version

    def edited_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in DATE_FIELDS + SYMBOL_FIELDS}
