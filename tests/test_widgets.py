"""core.widgets.Select writes what Django's Select writes through its templates."""

import hypothesis
import pytest
from django import forms
from django.utils.safestring import mark_safe
from hypothesis import strategies as st

from core.widgets import Select
from recommendations.models import Theme

# Labels and values with what escaping and the templates' whitespace meet.
TEXT = st.text(alphabet=st.sampled_from(list("aZ 9<>&\"'\n\t—é مر")), max_size=8)
CHOICE = st.tuples(TEXT, TEXT)
CHOICES = st.lists(st.one_of(CHOICE, st.tuples(TEXT, st.lists(CHOICE, max_size=3))),
                   max_size=6)
ATTRS = st.dictionaries(st.sampled_from(["id", "class", "data-picker", "required",
                                         "disabled", "aria-label"]),
                        st.one_of(st.booleans(), TEXT, st.integers(0, 9)), max_size=4)


@hypothesis.settings(max_examples=400, deadline=None)
@hypothesis.given(choices=CHOICES, attrs=ATTRS, given=ATTRS, name=TEXT,
                  value=st.one_of(st.none(), TEXT, st.lists(TEXT, max_size=2)))
def test_select_writes_what_djangos_templates_write(choices, attrs, given, name, value):
    ours = Select(attrs=attrs, choices=choices).render(name, value, attrs=given)
    django = forms.Select(attrs=attrs, choices=choices).render(name, value, attrs=given)
    assert ours == django


def test_safe_labels_are_not_escaped_twice():
    choices = [("a", mark_safe("<b>A</b>")), ("b", "<b>B</b>")]
    assert (Select(choices=choices).render("x", "a")
            == forms.Select(choices=choices).render("x", "a"))


@pytest.mark.django_db
def test_a_model_choice_field_renders_alike():
    Theme.objects.create(name="Women & girls", slug="women-girls")
    Theme.objects.create(name="Torture", slug="torture")
    ours = forms.ModelChoiceField(Theme.objects.order_by("name"), to_field_name="slug",
                                  empty_label="All <themes>", widget=Select)
    django = forms.ModelChoiceField(Theme.objects.order_by("name"), to_field_name="slug",
                                    empty_label="All <themes>")
    html = ours.widget.render("theme", "torture", attrs={"id": "id_theme"})
    assert html == django.widget.render("theme", "torture", attrs={"id": "id_theme"})
    assert "Women &amp; girls" in html and '<option value="torture" selected>' in html


def test_a_subclass_with_other_templates_gets_djangos_rendering():
    class Listed(Select):
        template_name = "django/forms/widgets/radio.html"
        option_template_name = "django/forms/widgets/radio_option.html"

    html = Listed(choices=[("a", "A")]).render("x", "a")
    assert "<label><input" in html and "<select" not in html
