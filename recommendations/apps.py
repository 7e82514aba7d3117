from django.apps import AppConfig


class RecommendationsConfig(AppConfig):
    name = "recommendations"

    def ready(self) -> None:
        from recommendations import (
            names,  # noqa: F401  (cache invalidation signals)
            readmodel,  # noqa: F401  (the list's touch listener)
            write_hooks,
        )

        write_hooks.connect()
