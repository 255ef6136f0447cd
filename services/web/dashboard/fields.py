"""The dashboard's form fields in Codex's markup, written in Python rather than as Jinja
macros: the queue's filter form alone has twenty of them, rendered for every new query,
and a macro call costs several times the markup it writes. Everything interpolated is
escaped as autoescaping would; templates call these as globals (``text_field(...)``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

from markupsafe import Markup, escape


def _attributes(attrs: Mapping[str, object] | None) -> str:
    """Extra attributes: ``True`` gives a bare (boolean) attribute; other values are escaped."""
    if not attrs:
        return ""
    return "".join(
        f" {escape(name)}" if value is True else f' {escape(name)}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not None and value is not False
    )


def _label(for_id: str, label: object) -> str:
    return (
        f'<div class="cdx-label"><label class="cdx-label__label" for="{for_id}">'
        f'<span class="cdx-label__label__text">{escape(label)}</span></label></div>'
    )


def text_field(
    name: str,
    label: object,
    value: object = "",
    type: str = "text",
    id: str | None = None,
    attrs: Mapping[str, object] | None = None,
) -> Markup:
    for_id = escape(id or f"f-{name}")
    return Markup(
        f'<div class="cdx-field">\n  {_label(for_id, label)}\n'
        f'  <div class="cdx-text-input"><input class="cdx-text-input__input" type="{escape(type)}"'
        f' id="{for_id}" name="{escape(name)}" value="{escape(value)}"{_attributes(attrs)}></div>\n'
        "</div>"
    )


def select_field(
    name: str, label: object, options: Iterable, selected: object = "", id: str | None = None
) -> Markup:
    for_id = escape(id or f"f-{name}")
    return Markup(
        f'<div class="cdx-field">\n  {_label(for_id, label)}\n'
        f'  <select class="cdx-select" id="{for_id}" name="{escape(name)}">\n'
        f"    {option_tags(options, selected)}\n  </select>\n</div>"
    )


def checkbox(
    name: str,
    value: object,
    label: object,
    checked: bool = False,
    id: str | None = None,
    label_hidden: bool = False,
) -> Markup:
    for_id = escape(id or f"cb-{name}-{value}")
    hidden = " cdx-label--visually-hidden" if label_hidden else ""
    return Markup(
        '<span class="cdx-checkbox cdx-checkbox--inline">\n  <span class="cdx-checkbox__wrapper">\n'
        f'    <input class="cdx-checkbox__input" type="checkbox" id="{for_id}" name="{escape(name)}"'
        f' value="{escape(value)}"{" checked" if checked else ""}>\n'
        '    <span class="cdx-checkbox__icon"></span>\n'
        f'    <span class="cdx-checkbox__label cdx-label{hidden}"><label class="cdx-label__label"'
        f' for="{for_id}"><span class="cdx-label__label__text">{escape(label)}</span></label></span>\n'
        "  </span>\n</span>"
    )


@lru_cache(maxsize=512)
def _option_list(options: tuple) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(value), f'<option value="{escape(value)}">{escape(text)}</option>')
        for value, text in options
    )


def option_tags(options: Iterable, selected: object = "") -> Markup:
    """A select's ``<option>`` tags, ``selected`` marked. Each list of options is escaped
    once and kept: the queue's filter form offers a hundred of them, on every query."""
    chosen = str(selected)
    # The value is escaped, so the first '">' ends it.
    return Markup(
        "".join(
            tag.replace('">', '" selected>', 1) if value == chosen else tag
            for value, tag in _option_list(tuple(map(tuple, options)))
        )
    )


TEMPLATE_GLOBALS = {"text_field": text_field, "select_field": select_field, "checkbox": checkbox}
