"""The interface language: `?lang=` beside Django's cookie and Accept-Language, and its
documentation in the OpenAPI schema."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation

LANG_PARAMETER = {
    "name": "lang",
    "in": "query",
    "required": False,
    "description": (
        "Language of the localized names and labels (`localized_name`, `*_label`, export "
        "headers): one of " + ", ".join(f"`{code}`" for code, _n in settings.LANGUAGES)
        + ". Without it the `Accept-Language` header decides. Codes and the English "
        "`name` fields never change."
    ),
    "schema": {"type": "string", "enum": [code for code, _n in settings.LANGUAGES]},
}


def supported(code: str | None) -> str | None:
    """`code` as one of settings.LANGUAGES (`zh`, `zh-CN` → `zh-hans`), or None."""
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code.strip().lower())
    except LookupError:
        if code.strip().lower().startswith("zh"):
            return "zh-hans"
        return None


class QueryLanguageMiddleware:
    """After LocaleMiddleware: `?lang=fr` wins over the cookie and Accept-Language, for
    this request only (API clients and export links)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        language = supported(request.GET.get("lang"))
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if "lang" in request.GET:
            response.headers.setdefault("Content-Language", translation.get_language())
        return response


def add_language_parameter(result, generator, request, public):
    """drf-spectacular postprocessing hook: every GET documents `lang` and Accept-Language."""
    header = {"name": "Accept-Language", "in": "header", "required": False,
              "description": "Used when `lang` is absent, e.g. `fr`, `ar`, `zh-Hans`.",
              "schema": {"type": "string"}}
    for path_item in result.get("paths", {}).values():
        operation = path_item.get("get")
        if operation is None:
            continue
        names = {p.get("name") for p in operation.get("parameters", [])}
        if "lang" not in names:
            operation.setdefault("parameters", []).extend([LANG_PARAMETER, header])
    return result
