from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from pb.forms import Form
from pb.i18n.catalog import lazy_gettext as _l


class TranslationForm(Form):
    text = TextAreaField(_l("Translation"), validators=[DataRequired(), Length(max=5000)])


class ReviewForm(Form):
    pass
