from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, SelectField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from pb.forms import Form
from pb.i18n.catalog import lazy_gettext as _l


class SignupForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    method = RadioField(_l("How do you want to sign in?"), default="password", validators=[DataRequired()],
                        choices=[("password", _l("With my email and a password")),
                                 ("link", _l("With a link we email to me each time (no password)"))])
    password = PasswordField(_l("Password (at least 10 characters)"), validators=[Optional(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})


class EmailForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "email"})


class NewEmailForm(Form):
    new_email = EmailField(_l("New email address"), validators=[DataRequired(), Length(max=254)],
                           render_kw={"autocomplete": "email"})


class ConfirmForm(Form):
    """Just the button (and its CSRF token): an emailed link is used by pressing it, so a mail
    scanner that opens links cannot use it up."""


class SettingsForm(Form):
    locale = SelectField(_l("Language for pages and emails"), validators=[DataRequired()])
    notify_ideas = BooleanField(_l("Email me when my ideas get an answer or move forward"))
    notify_follows = BooleanField(_l("Email me about ideas and projects I follow"))
    notify_replies = BooleanField(_l("Email me when someone replies to my comment"))
    notify_voting = BooleanField(_l("Email me when voting opens, and once before it closes, in cycles where "
                                    "I shared, supported, followed or commented on an idea"))


class DeleteForm(Form):
    confirm = BooleanField(_l("I understand: my account is deleted for good. My ideas and comments "
                              "stay on the site, shown as from a resident."),
                           validators=[DataRequired(_l("Tick the box to confirm."))])


class FollowForm(Form):
    action = HiddenField(validators=[DataRequired(), AnyOf(["follow", "unfollow"])])
