from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "imports"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from core.text import strip_control_on_save

        strip_control_on_save(self.get_models())
