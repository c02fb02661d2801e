"""Survey forms. The answer fields are built from pb.survey.questions, so every channel asks
the same questions in the same words."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional

from pb.forms import Form
from pb.i18n.catalog import lazy_gettext as _l
from pb.survey.questions import PREFER_NOT, QUESTIONS, Question

PREFER_NOT_LABEL = _l("Prefer not to say")


class MultiCheckbox(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def survey_form(areas: list[tuple[str, str]], own: tuple[Question, ...] = ()) -> Form:
    """A form with one optional field per standard question (areas are the cycle's), then one
    per question of the cycle's own."""

    class SurveyForm(Form):
        pass

    for question in (*QUESTIONS, *own):
        choices = [*(areas if question.key == "area" else question.bands), (PREFER_NOT, PREFER_NOT_LABEL)]
        field = (MultiCheckbox if question.multiple else RadioField)(
            question.label, choices=choices, validators=[Optional()], validate_choice=False)
        setattr(SurveyForm, question.key, field)
    return SurveyForm()


def raw_answers(form, questions) -> dict:
    return {q.key: getattr(form, q.key).data for q in questions}


class EmptyForm(Form):
    """A button: the CSRF token is all it carries."""


class OwnQuestionForm(Form):
    """One of the cycle's own survey questions (the service checks the rules and says what is wrong)."""

    text = StringField(_l("Question"))
    options = TextAreaField(_l("Answers, one on each line (2 to 10)"))
    multiple = BooleanField(_l("People may choose more than one answer"))
    locale = SelectField(_l("Written in"), validate_choice=False)


class LiveTurnoutForm(Form):
    on = BooleanField(_l("Show staff the daily participation while voting is open"))


class PopulationImportForm(Form):
    text = TextAreaField(_l("Paste the CSV file here"), validators=[DataRequired(), Length(max=500_000)])
