
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Regexp,
    ValidationError,
)

from pb import clock
from pb.accounts.services import EMAIL_RE
from pb.forms import Form
from pb.i18n.catalog import lazy_gettext as _l
from pb.voting.roll import birth_date_problem
from pb.voting.services import BIRTH_DATE_PROBLEMS, DIFFERENT, SAME


def plausible_birth_date(form, field) -> None:
    """Before 1900, in the future or over 120 years ago is a typing mistake: say so."""
    problem = field.data and birth_date_problem(field.data, clock.today())
    if problem:
        raise ValidationError(str(BIRTH_DATE_PROBLEMS[problem]))


DECISIONS = [(DIFFERENT, _l("Different person: give them a ballot")),
             (SAME, _l("Same person: do not give a second ballot"))]
REASONS = [("family", _l("A family member or someone else with a similar name")),
           ("birth_date", _l("The birth dates are really different (checked with the resident)")),
           ("known", _l("I know them and the other person")),
           ("same_details", _l("The same details written in another way")),
           ("other", _l("Another reason"))]


class AccessCodeForm(Form):
    code = StringField(_l("Access code"), validators=[DataRequired(), Length(max=40)])


class PersonalCodeForm(AccessCodeForm):
    """A personal code: whoever uses it says who they are, so it goes on the voter roll."""

    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired(), plausible_birth_date])
    area = SelectField(_l("Neighbourhood where you live, work or get care"), validators=[DataRequired()])
    attest = BooleanField(_l("I confirm that I am eligible to vote in this cycle and that I vote only once."),
                          validators=[DataRequired()])


class HeldDecisionForm(Form):
    """A liaison's decision about a registration held as a near match."""

    entry = HiddenField(validators=[DataRequired(), Length(max=32)])
    decision = RadioField(_l("Decision"), choices=DECISIONS, validators=[InputRequired()])
    reason = SelectField(_l("Reason"), choices=REASONS, validators=[DataRequired()])


class RegisterForm(Form):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired(), plausible_birth_date])
    area = SelectField(_l("Neighbourhood where you live, work or get care"), validators=[DataRequired()])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254),
                                                   Regexp(EMAIL_RE, message=_l("Enter a valid email address."))])
    attest = BooleanField(_l("I confirm that I am eligible to vote in this cycle and that I vote only once."),
                          validators=[DataRequired()])
    # Off unless ticked: the address is kept only for this (pb.voting.reminders).
    remind = BooleanField(_l("Email me once before voting closes if I have not voted yet"),
                          description=_l("We keep your email address only for this reminder. "
                                         "We delete it by the time voting closes."))


class BallotForm(Form):
    """CSRF and the step; the ranks are read by pb.voting.ballot_form.read_ranking."""

    step = HiddenField(default="review")


class TrackerForm(Form):
    class Meta:
        csrf = False  # a GET lookup that changes nothing

    tracker = StringField(_l("Tracker code"), validators=[DataRequired(), Length(max=20)])


class OpenLinkForm(Form):
    """The button an emailed voting link shows (only its CSRF token)."""
