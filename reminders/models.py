from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Reminder(models.Model):
    """One reminder owed to one user for one deadline at one lead time.

    The unique `key` (kind, object, due date, lead time) per recipient is what makes
    reminders go out once: a scan inserts rows it has not seen, then sends the
    pending ones; see reminders.services for the whole protocol.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="reminders")
    key = models.CharField(max_length=200)
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    due_date = models.DateField()
    lead_days = models.IntegerField(help_text=_("Days before the deadline; negative = overdue"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had when the model lived in accounts.
        db_table = "accounts_reminder"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="one_reminder_per_key"),
        ]
        indexes = [models.Index(fields=["status", "recipient"])]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminder log")

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title} ({self.due_date})"
