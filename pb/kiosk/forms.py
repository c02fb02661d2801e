from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from pb.forms import Form
from pb.i18n.catalog import lazy_gettext as _l
from pb.voting.forms import DECISIONS, REASONS, plausible_birth_date

# A PIN is typed on the kiosk's screen: digits, hidden, and marked as a one-time code so the
# browser neither offers to save it nor fills it in for the next person.
PIN_INPUT = {"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": 8}


class OpenKioskForm(Form):
    site = SelectField(_l("Site"), validators=[DataRequired()])
    pin = PasswordField(_l("Check-in PIN for this shift (4 to 8 digits)"), validators=[DataRequired(), Length(max=8)], render_kw=PIN_INPUT)


def a_name(form, field) -> None:
    """A name has letters (in any script). Digits alone are most likely the PIN typed in the
    wrong box: refused, and not shown back on the screen."""
    if field.data and not any(c.isalpha() for c in field.data):
        field.data, field.raw_data = "", [""]
        raise ValidationError(_l("Type the resident's name here."))


class CheckInForm(Form):
    name = StringField(_l("Resident's full name"), validators=[DataRequired(), Length(max=120), a_name])
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired(), plausible_birth_date])
    area = SelectField(_l("Neighbourhood where they live, work or get care"), validators=[DataRequired()])
    attest = BooleanField(_l("The resident confirms they are eligible and have not voted in this cycle."),
                          validators=[DataRequired()])
    pin = PasswordField(_l("Liaison's check-in PIN"), validators=[DataRequired(), Length(max=8)],
                        render_kw=PIN_INPUT)
    # Shown only after a possible match: the liaison's decision and a reason from a fixed list.
    decision = RadioField(_l("Is this the same person?"), choices=DECISIONS, validators=[Optional()])
    reason = SelectField(_l("Reason"), choices=[("", "—"), *REASONS], validators=[Optional()])


class ExitKioskForm(Form):
    password = PasswordField(_l("Liaison password"), validators=[DataRequired(), Length(max=200)])


class OpenBatchForm(Form):
    site = SelectField(_l("Site"), validators=[DataRequired()])
    received_on = DateField(_l("Date the ballots were collected"), validators=[InputRequired()])
    received_count = IntegerField(_l("Number of paper ballots received"),
                                  validators=[InputRequired(), NumberRange(min=1, max=5000)])


class SheetForm(Form):
    sheet_no = IntegerField(_l("Sheet number"), validators=[InputRequired(), NumberRange(min=1, max=5000)])
    invalid_reason = StringField(_l("If the sheet is invalid, why (for example: two projects marked 1)"),
                                 validators=[Optional(), Length(max=200)])
    resolve = BooleanField(_l("This corrects a mismatch (I read the paper again)"))


class ConfirmReceivedForm(Form):
    received_count = IntegerField(_l("Your own count of the sheets in this batch"),
                                  validators=[InputRequired(), NumberRange(min=1, max=5000)])


class PaperCheckInForm(Form):
    """One person from the paper event's sign-in list (names and birth dates, not their sheets)."""

    name = StringField(_l("Full name on the sign-in list"), validators=[DataRequired(), Length(max=120)])
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired(), plausible_birth_date])
    area = SelectField(_l("Neighbourhood where they live, work or get care"), validators=[DataRequired()])
    # Shown only after a possible match, as at a kiosk check-in.
    decision = RadioField(_l("Is this the same person?"), choices=DECISIONS, validators=[Optional()])
    reason = SelectField(_l("Reason"), choices=[("", "—"), *REASONS], validators=[Optional()])


class CancelBatchForm(Form):
    reason = StringField(_l("Why this batch is cancelled (shown publicly)"),
                         validators=[DataRequired(), Length(min=3, max=300)])


class DoubleEntryForm(Form):
    required = BooleanField(_l("Every paper sheet is typed twice, by two different people"))


class KioskReviewForm(Form):
    """CSRF and the button pressed on the kiosk review page; the ranking stays on the server."""

    step = StringField()
