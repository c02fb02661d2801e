from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from pb.forms import Form
from pb.i18n.catalog import lazy_gettext as _l


class CommentForm(Form):
    body = TextAreaField(_l("Your comment"), validators=[DataRequired(), Length(max=2000)])
    parent_id = HiddenField(validators=[Optional()])


class HideForm(Form):
    reason = StringField(_l("Public reason for hiding"), validators=[DataRequired(), Length(max=200)])


class UnhideForm(Form):
    reason = StringField(_l("Public reason for showing it again"), validators=[DataRequired(), Length(max=200)],
                         render_kw={"dir": "auto"})


class ReportForm(Form):
    reason = StringField(_l("What is wrong with it? (optional)"), validators=[Optional(), Length(max=200)])


class CommentTranslationForm(Form):
    locale = SelectField(_l("Language of the translation"))
    text = TextAreaField(_l("Translation"), validators=[DataRequired(), Length(max=2000)])
