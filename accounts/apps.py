from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self) -> None:
        # Profile language at login; cached API tokens dropped when they change.
        from . import authentication, middleware, signals  # noqa: F401
