from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"

    def ready(self) -> None:
        from core.text import strip_control_on_save
        from recommendations import (
            names,  # noqa: F401  (cache invalidation signals)
            readmodel,  # noqa: F401  (the list's touch listener)
            write_hooks,
        )

        write_hooks.connect()
        # Every text field of every model, on save (core.text, issue 22); so does each
        # app with models.
        strip_control_on_save(self.get_models())
