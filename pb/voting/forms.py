from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from pb.accounts.services import EMAIL_RE


class AccessCodeForm(FlaskForm):
    code = StringField(_l("Access code"), validators=[DataRequired(), Length(max=40)])


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired()])
    area = SelectField(_l("Neighbourhood where you live, work or get care"), validators=[DataRequired()])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254),
                                                   Regexp(EMAIL_RE, message=_l("Enter a valid email address."))])
    attest = BooleanField(_l("I confirm that I am eligible to vote in this cycle and that I vote only once."),
                          validators=[DataRequired()])


class BallotForm(FlaskForm):
    """CSRF and the step; the ranks are read by pb.voting.ballot_form.read_ranking."""

    step = HiddenField(default="review")


class TrackerForm(FlaskForm):
    class Meta:
        csrf = False  # a GET lookup that changes nothing

    tracker = StringField(_l("Tracker code"), validators=[DataRequired(), Length(max=20)])
