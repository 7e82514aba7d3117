"""The forms of the way in: a file to import, and recommendations to paste."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from recommendations.forms import grouped_theme_choices
from recommendations.models import Response, Theme
from states.models import State

from .readers import FORMATS
from .uploads import validate_upload


class PasteForm(forms.Form):
    text = forms.CharField(
        label=_("Recommendations as in the Working Group report"),
        widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}),
        max_length=500_000,
        help_text=_("One recommendation per line, e.g. "
                    "“140.1 Ratify the Convention (Algeria) (Cabo Verde);”"))
    response = forms.ChoiceField(
        label=_("Response for all these recommendations"), choices=Response.choices,
        initial=Response.PENDING,
        help_text=_("Until the State answers in the addendum, keep “Pending”."))
    themes = forms.ModelMultipleChoiceField(
        label=_("Themes for all these recommendations"), queryset=Theme.objects.all(),
        required=False, widget=forms.SelectMultiple(attrs={"size": 6, "data-picker": ""}),
        help_text=_("Optional: tag them now; each can be changed later."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["themes"].widget.choices = grouped_theme_choices()


FORMAT_LABELS = {
    "upr-info": _("UPR Info export (CSV/XLS)"),
    "uhri": _("Universal Human Rights Index export (CSV/XLSX/JSON)"),
    "ohchr-list": _("OHCHR thematic list (DOCX)"),
    "app-export": _("This application's export (CSV/XLSX/JSON)"),
    "un-report": _("Working Group report (PDF/DOCX)"),
    "un-addendum": _("Addendum with the State's responses (PDF/DOCX)"),
}
IMPORT_FORMATS = [("auto", _("Detect automatically")),
                  *((fmt, FORMAT_LABELS.get(fmt, fmt)) for fmt in FORMATS)]


class ImportUploadForm(forms.Form):
    # accept=: the file picker offers the kinds the importers read (the server checks).
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={
        "accept": ".csv,.tsv,.txt,.xls,.xlsx,.json,.docx,.pdf"}))
    format = forms.ChoiceField(label=_("Format"), choices=IMPORT_FORMATS, initial="auto")
    state = forms.ModelChoiceField(
        label=_("State under review"), queryset=State.objects.all(), required=False,
        help_text=_("Needed when the file does not name the State (OHCHR lists and UN "
                    "documents name it)."))
    session_number = forms.IntegerField(label=_("Working Group session"), required=False,
                                        min_value=1, max_value=999)
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file and report, without saving anything"),
        required=False, initial=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Formatted per request so that it is in the user's language.
        self.fields["file"].help_text = _("At most %(mb)s MB.") % {
            "mb": settings.IMPORT_MAX_UPLOAD_BYTES // (1024 * 1024)}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is too large."))
        if not settings.CELERY_BROKER_URL and upload.size > settings.IMPORT_INLINE_MAX_BYTES:
            # Without a worker the import would run inside this request.
            raise forms.ValidationError(
                _("Files over %(mb)s MB are imported by the background worker, and this "
                  "site has none configured. Import this file with the command line: "
                  "manage.py import_recommendations FILE")
                % {"mb": round(settings.IMPORT_INLINE_MAX_BYTES / 1048576, 1)},
                code="needs_worker")
        validate_upload(upload)  # raises ValidationError with a readable message
        return upload
