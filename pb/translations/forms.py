from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class TranslationForm(FlaskForm):
    text = TextAreaField(_l("Translation"), validators=[DataRequired(), Length(max=5000)])


class ReviewForm(FlaskForm):
    pass
