"""The platform's form base: Flask-WTF's, with plain widgets rendered once per distinct input.

Pages render the same fields over and over: the idea list's four filter lists, the voting
start page's two forms. WTForms builds each one from scratch, escaping every attribute and
every option, which was a quarter of the idea list's CPU and a tenth of a ballot's. The HTML of
the widgets below depends only on what goes into `_key` (widget, field id and name, value,
flags, choices and the attributes passed in), so it is kept per process and reused. Only
widgets that show nothing a person typed or owns are kept: an empty input, a checkbox, a list
of options (the choice is a flag on a server-made option). A submitted field, a prefilled
input (an account's email), radio lists, grouped options and the CSRF field with its
per-visitor token are rendered as WTForms would.
"""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import widgets
from wtforms.csrf.core import CSRFTokenField
from wtforms.widgets.core import clean_key

_INPUTS = (widgets.TextInput, widgets.EmailInput, widgets.DateInput, widgets.NumberInput,
           widgets.HiddenInput, widgets.CheckboxInput, widgets.PasswordInput, widgets.SearchInput,
           widgets.TelInput, widgets.URLInput)
_RENDERED: dict[tuple, str] = {}
_MAX_RENDERED = 4096


def _plain(value) -> tuple:
    """A value as a key part: its type counts (True is a bare attribute, 1 is `="1"`, a
    Markup string is not escaped again), lazy strings by their text in this request's language."""
    return (type(value), value if isinstance(value, (bool, int, float, type(None))) else str(value))


def _key(field, kwargs: dict) -> tuple | None:
    widget = field.widget
    if (isinstance(field, CSRFTokenField) or getattr(field, "_datalist", None) is not None
            or getattr(field, "raw_data", None)):
        return None  # what a visitor typed (a password, a long search) is never kept
    if isinstance(widget, _INPUTS):
        value = field._value()
        if value and not isinstance(widget, widgets.CheckboxInput):  # a checkbox's value is its own "y"
            return None  # prefilled from the database (an email, a name): not kept in memory
        state = (value, bool(getattr(field, "checked", field.data)))
    elif type(widget) is widgets.Select and not field.has_groups():
        state = tuple((_plain(c.value), str(c.label), c.selected, tuple(sorted((c.render_kw or {}).items())))
                      for c in field._iter_choices_normalized())
    else:
        return None
    return (type(widget), tuple(sorted(vars(widget).items())), field.id, field.name, state,
            tuple(sorted(vars(field.flags).items())), tuple(sorted((k, _plain(v)) for k, v in kwargs.items())))


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def render_field(self, field, render_kw):
            kwargs = {clean_key(k): v for k, v in (field.render_kw or {}).items()}
            kwargs.update((clean_key(k), v) for k, v in render_kw.items())
            key = _key(field, kwargs)
            if key is None:
                return field.widget(field, **kwargs)
            html = _RENDERED.get(key)
            if html is None:
                if len(_RENDERED) >= _MAX_RENDERED:
                    _RENDERED.clear()
                html = _RENDERED[key] = field.widget(field, **kwargs)
            return html
