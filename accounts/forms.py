from django import forms
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from states.models import State

from .models import Profile


class NotificationPreferencesForm(forms.ModelForm):
    """The States a user follows and how they want deadline reminders (reminders.services
    reads these fields)."""

    followed_states = forms.ModelMultipleChoiceField(
        label=_("States I follow"), queryset=State.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("You get reminders about the deadlines of these States' reviews."))

    class Meta:
        model = Profile
        fields = ["followed_states", "reminder_frequency", "language"]
        widgets = {"reminder_frequency": forms.RadioSelect}
        labels = {"reminder_frequency": _("Reminders"), "language": _("Language")}
        help_texts = {"language": _("The language of the pages and of the e-mails we send "
                                    "you.")}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Each language in its own name (Français, Español), as the header's switcher shows.
        field = self.fields["language"]
        field.choices = [(code, _local_name(code) if code else label)
                         for code, label in field.choices]


def _local_name(code: str) -> str:
    try:
        name = get_language_info(code)["name_local"]
    except KeyError:
        return code
    return name[:1].upper() + name[1:]
