from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Optional

from pb.forms import Form


class LoginForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


class CodeForm(Form):
    # i18n: the 6-digit code shown by an authenticator app on the user's phone
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TwoFactorForm(Form):
    action = HiddenField(validators=[DataRequired()])
    code = StringField(_l("Code from your authenticator app"), validators=[DataRequired(), Length(max=12)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    password = PasswordField(_l("Password (needed to turn the second step off)"),
                             validators=[Optional(), Length(max=200)])


class ForgotPasswordForm(Form):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])


class SetPasswordForm(Form):
    """Choose a password from an emailed link (invitation or reset)."""

    password = PasswordField(_l("New password (at least 10 characters)"), validators=[DataRequired(), Length(max=200)],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Type the same password again"), validators=[DataRequired(), Length(max=200)],
                            render_kw={"autocomplete": "new-password"})
