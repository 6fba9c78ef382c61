"""Forms announce their errors to screen readers (issue 21): in every shared way of rendering a
field, a field with an error is marked aria-invalid="true" and its aria-describedby names the
element that holds the error text (and the help text), which is on the page and not empty."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.template.loader import render_to_string


class _Form(forms.Form):
    title = forms.CharField(label="Title", help_text="What the job is called.")
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect)
    agree = forms.BooleanField(label="I agree")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attributes: list[dict] = []
        self.text_by_id: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.attributes.append(attributes)
        if tag not in ("input", "br", "img", "meta", "link"):
            self._open.append(attributes.get("id") or "")
            if attributes.get("id"):
                self.text_by_id[attributes["id"]] = ""

    def handle_endtag(self, tag):
        if tag not in ("input", "br", "img", "meta", "link") and self._open:
            self._open.pop()

    def handle_data(self, data):
        for element_id in self._open:
            if element_id:
                self.text_by_id[element_id] += data


def _described_errors(html: str) -> dict[str, list[str]]:
    """name of each control marked invalid → the texts its aria-describedby points to."""
    parser = _Elements()
    parser.feed(html)
    described = {}
    for attributes in parser.attributes:
        if attributes.get("aria-invalid") == "true":
            refs = (attributes.get("aria-describedby") or "").split()
            described[attributes.get("name") or attributes.get("id")] = [
                parser.text_by_id.get(ref, "").strip() for ref in refs]
    return described


FIELD_TEMPLATES = ["jobs/public/_field.html", "jobs/employer/_field.html", "applications/employer/_field.html"]


def test_i21_the_shared_form_template_ties_each_error_to_its_field():
    form = _Form(data={})
    html = render_to_string("includes/form.html", {"form": form})
    described = _described_errors(html)
    assert set(described) >= {"title", "agree"}
    assert described["title"] == ["What the job is called.", "This field is required."]
    assert described["agree"] == ["This field is required."]
    # radio buttons: each is invalid, the group (a fieldset with its legend) names the error
    assert html.count('aria-invalid="true"') == 4
    assert '<fieldset aria-describedby="id_kind_error">' in html and 'id="id_kind_error"' in html


@pytest.mark.parametrize("template", FIELD_TEMPLATES)
def test_i21_each_field_template_ties_the_error_to_its_field(template):
    form = _Form(data={})
    described = _described_errors(render_to_string(template, {"field": form["title"]}))
    assert described["title"][-1] == "This field is required."
    assert all(described["title"])


def test_i21_a_field_without_error_is_not_marked_invalid():
    form = _Form(data={"title": "x", "kind": "a", "agree": "on"})
    assert form.is_valid()
    html = render_to_string("includes/form.html", {"form": form})
    assert "aria-invalid" not in html and "_error" not in html
