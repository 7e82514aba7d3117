from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"

    def ready(self) -> None:
        from core.text import strip_control_on_save

        strip_control_on_save(self.get_models())
