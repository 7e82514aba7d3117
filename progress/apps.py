from django.apps import AppConfig


class ProgressConfig(AppConfig):
    name = "progress"
    verbose_name = "Indicators and progress reports"

    def ready(self) -> None:
        from core.text import strip_control_on_save
        from recommendations import demo

        from . import signals  # noqa: F401  (connects the change feed's receivers)
        from .demo import load_demo_progress

        if load_demo_progress not in demo.EXTENSIONS:
            demo.EXTENSIONS.append(load_demo_progress)
        strip_control_on_save(self.get_models())
