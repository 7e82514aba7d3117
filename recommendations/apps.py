from django.apps import AppConfig

# Models whose text is typed or imported by users: control characters are stripped
# from every text field on save (core.text, issue 22).
CLEANED_MODELS = ("recommendations.Recommendation", "recommendations.ResponseRecord",
                  "recommendations.Assessment", "recommendations.FollowUpAction",
                  "reviews.Review")


class RecommendationsConfig(AppConfig):
    name = "recommendations"

    def ready(self) -> None:
        from django.apps import apps
        from django.db.models.signals import pre_save

        from core.text import strip_control_fields
        from recommendations import (
            names,  # noqa: F401  (cache invalidation signals)
            readmodel,  # noqa: F401  (the list's touch listener)
            write_hooks,
        )

        write_hooks.connect()

        def clean(sender, instance, **kwargs) -> None:
            strip_control_fields(instance)

        for label in CLEANED_MODELS:
            pre_save.connect(clean, sender=apps.get_model(label), weak=False,
                             dispatch_uid=f"strip-control:{label}")
