from django import forms
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
