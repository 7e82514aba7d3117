from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = "Reminders"

    def ready(self) -> None:
        from core.text import strip_control_on_save

        strip_control_on_save(self.get_models())
