from rest_framework import serializers

from .models import State


class StateSerializer(serializers.ModelSerializer):
    aliases = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = State
        fields = ["iso3", "iso2", "name", "region", "is_observer", "aliases"]
