from wtforms import BooleanField, EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from pb.forms import Form
from pb.i18n.catalog import lazy_gettext as _l


class AdvancePhaseForm(Form):
    current = HiddenField(validators=[DataRequired()])
    # Opening voting when the ready projects fit in the budget needs this box ticked.
    acknowledge_full_funding = BooleanField(
        _l("I understand: every project will be funded and the vote cannot change the outcome."))


class AbandonForm(Form):
    """Close a kiosk or set a paper batch aside so voting can close; the reason is public."""

    reason = StringField(_l("Public reason"), validators=[DataRequired(), Length(min=3, max=300)])


class IssueCodesForm(Form):
    count = IntegerField(_l("Number of codes"), validators=[InputRequired(), NumberRange(min=1, max=10_000)])
    batch = StringField(_l("Batch name (for example the site or event)"),
                        validators=[DataRequired(), Length(max=64)])
    # Any value is safe: pb.admin.print_views keeps only the cycle's own languages.
    language = SelectField(_l("Language of the printed cards"), validate_choice=False)


class VoidBatchForm(Form):
    batch = StringField(_l("Batch name"), validators=[DataRequired(), Length(max=64)])


class CredentialsForm(Form):
    access_codes = BooleanField(_l("Printed access codes"))
    registration = BooleanField(_l("Online registration with email"))
    personal_codes = BooleanField(_l("Personal codes: the code holder gives name and birth date, so the code "
                                     "counts on the voter roll (can change only before voting opens)"))


class SiteForm(Form):
    name = StringField(_l("Site name (clinic, library, event)"), validators=[DataRequired(), Length(max=120)])
    area = SelectField(_l("Neighbourhood"), validators=[Optional()])


# i18n: the roles staff can give an account on the people page.
ACCOUNT_ROLES = [("liaison", _l("Community liaison")), ("observer", _l("Observer")), ("staff", _l("Staff"))]


class InviteForm(Form):
    """Invite someone by email; they choose their own password from the emailed link."""

    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)], render_kw={"dir": "auto"})
    role = SelectField(_l("Role"), choices=ACCOUNT_ROLES)
    # Choices are the enabled languages, set by the view.
    language = SelectField(_l("Language of the invitation email"))


class RoleForm(Form):
    role = SelectField(_l("New role"), choices=ACCOUNT_ROLES)


class AccountReasonForm(Form):
    """Deactivate or reactivate an account; the reason is kept in the public audit log."""

    reason = StringField(_l("Reason (shown in the public audit log: no private details)"),
                         validators=[DataRequired(), Length(max=300)], render_kw={"dir": "auto"})


class ResendInvitationForm(Form):
    pass


class StaffTwoStepForm(Form):
    required = BooleanField(_l("Staff must use two-step sign-in (a code from an app on their phone)"))
