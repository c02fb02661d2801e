from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=2000)])
    parent_id = HiddenField(validators=[Optional()])


class HideForm(FlaskForm):
    reason = StringField(_l("Public reason for hiding"), validators=[DataRequired(), Length(max=200)])


class UnhideForm(FlaskForm):
    reason = StringField(_l("Public reason for showing it again"), validators=[DataRequired(), Length(max=200)],
                         render_kw={"dir": "auto"})


class ReportForm(FlaskForm):
    reason = StringField(_l("What is wrong with it? (optional)"), validators=[Optional(), Length(max=200)])


class CommentTranslationForm(FlaskForm):
    locale = SelectField(_l("Language of the translation"))
    text = TextAreaField(_l("Translation"), validators=[DataRequired(), Length(max=2000)])
