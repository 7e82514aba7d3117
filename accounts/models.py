from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from states.models import Institution, State


class ReminderFrequency(models.TextChoices):
    IMMEDIATE = "immediate", _("As soon as something is due")
    WEEKLY = "weekly", _("Weekly digest")
    NONE = "none", _("No reminders")


class Profile(models.Model):
    """What a user is to the application beyond Django's user: the State they are a
    focal point for, the States they follow, and how they want to be reminded."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="profile")
    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.SET_NULL, related_name="focal_points",
        verbose_name=_("focal point for"),
        help_text=_("Government focal points update the recommendations of this State only."))
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="contributors", verbose_name=_("contributor for"),
        help_text=_("Institution contributors report progress on this institution's "
                    "follow-up actions and indicators only."))
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    followed_states = models.ManyToManyField(State, blank=True, related_name="followers",
                                             verbose_name=_("States I follow"))
    reminder_frequency = models.CharField(_("reminders"), max_length=10,
                                          choices=ReminderFrequency.choices,
                                          default=ReminderFrequency.WEEKLY)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES,
                                default="en")

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)
