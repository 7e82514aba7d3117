from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import State


class StateSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)
    localized_name = serializers.CharField(
        read_only=True, help_text=_("The name in the language asked for with `lang` or "
                                    "Accept-Language; `name` stays English."))
    region_label = serializers.CharField(source="get_region_display", read_only=True)

    class Meta:
        model = State
        fields = ["iso3", "iso2", "name", "localized_name", "region", "region_label",
                  "is_observer", "aliases"]
