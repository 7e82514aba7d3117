from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        from core.text import strip_control_on_save

        # Profile language at login; cached API tokens dropped when they change.
        from . import authentication, middleware, signals  # noqa: F401

        strip_control_on_save(self.get_models())
