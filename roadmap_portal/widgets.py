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
        if hasattr(self.choices, "queryset") and not self.allow_multiple_selected:
            return self._render_flat(name, value, attrs)  # a model's options: never grouped
        return self._render_groups(name, value, attrs)

    def option_pairs(self) -> list[tuple[str, str]]:
        """(value, label) of every option, as strings (`agencies.widgets` caches them)."""
        return [(str(v), str(label)) for v, label in self.choices]

    def _render_flat(self, name, value, attrs):
        """Django's markup for a flat list with at most one option selected, from the
        (value, label) pairs alone (`option_pairs`): no option dict per option."""
        final = self.build_attrs(self.attrs, attrs)
        lines = [format_html('<select name="{}"{}>', name, mark_safe(_attrs(final)))]
        wanted = set(self.format_value(value))
        chosen = False
        for option_value, label in self.option_pairs():
            selected = not chosen and option_value in wanted
            chosen = chosen or selected
            lines.append(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n',
                    option_value,
                    mark_safe(" selected") if selected else "",
                    conditional_escape(label),
                )
            )
        lines.append("\n</select>")
        return mark_safe("".join(lines))

    def _render_groups(self, name, value, attrs):
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
