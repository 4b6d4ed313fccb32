"""Form widgets rendered in Python.

`FastSelect` is `django.forms.Select` with the same HTML as Django's own templates
(`django/forms/widgets/select.html`, `select_option.html`, `attrs.html`) for a flat list of
options, built with one `format_html` per option instead of one template render per option.
The country-wide measure filters list ~1,700 options (sections, bodies, roadmaps, regions):
with the templates they took more than half of the analyst's measure-list page.
"""

from __future__ import annotations

from django import forms
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe


def _attrs(attrs: dict) -> str:
    parts = []
    for name, value in attrs.items():
        if value is False or value is None:
            continue
        if value is True:
            parts.append(format_html(" {}", name))
        else:
            parts.append(format_html(' {}="{}"', name, str(value)))
    return "".join(parts)


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        lines = [
            format_html('<select name="{}"{}>', widget["name"], mark_safe(_attrs(widget["attrs"])))
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                lines.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                lines.append(
                    format_html(
                        '\n  <option value="{}"{}>{}</option>\n',
                        str(option["value"]),
                        mark_safe(_attrs(option["attrs"])),
                        conditional_escape(option["label"]),
                    )
                )
            if group_name:
                lines.append("\n  </optgroup>")
        lines.append("\n</select>")
        return mark_safe("".join(lines))
