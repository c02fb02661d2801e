from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from pb.forms import Form


class TranslationForm(Form):
    text = TextAreaField(_l("Translation"), validators=[DataRequired(), Length(max=5000)])


class ReviewForm(Form):
    pass
