"""Form widgets that write their HTML in Python.

Django's Select renders each option through a template include (~0.1 ms an option):
a select of every theme or State took longer than the figures beside it (issue 24).
These write byte for byte what Django's templates write (tests/test_widgets.py
compares them)."""

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _attrs(attrs: dict) -> str:
    """`django/forms/widgets/attrs.html`: ` name="value"`, a bare ` name` for True,
    nothing for False."""
    return "".join(
        f" {conditional_escape(name)}" if value is True
        else f' {conditional_escape(name)}="{conditional_escape(str(value))}"'
        for name, value in attrs.items() if value is not False)


class Select(forms.Select):
    """forms.Select, rendered without the template engine (`select.html` and
    `select_option.html`). A subclass that changes those templates gets Django's."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        if (self.template_name, self.option_template_name) != (
                forms.Select.template_name, forms.Select.option_template_name):
            return super().render(name, value, attrs, renderer)
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                # The include's file ends with a newline: a blank line after each option.
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f'{_attrs(option["attrs"])}>{conditional_escape(option["label"])}'
                    "</option>\n")
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))
