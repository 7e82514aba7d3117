from django.contrib import admin

from .models import Reminder


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "title", "due_date", "lead_days", "status", "attempts",
                    "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient__username", "recipient__email", "title", "key"]
    date_hierarchy = "due_date"
    list_select_related = ["recipient"]
    readonly_fields = ["created_at", "sent_at", "last_error", "key"]
