from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from eventhub.formtools import Form


class LoginForm(Form):
    # Only the shape of an address: logging in compares with stored addresses, and a full
    # check (email-validator) refuses reserved domains such as the demo's ``.invalid``.
    email = EmailField(_l("E-mail address"), validators=[
        DataRequired(), Length(max=254),
        Regexp(r"^[^@\s]+@[^@\s]+$",
               message=_l("Enter an e-mail address like name@example.org."))],
        render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})
    next = StringField(render_kw={"hidden": True})


def email_field(label) -> EmailField:
    return EmailField(label, validators=[
        DataRequired(), Length(max=254),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
               message=_l("Enter an e-mail address like name@example.org."))],
        render_kw={"autocomplete": "email"})


class ForgotPasswordForm(Form):
    email = email_field(_l("E-mail address of your account"))


class SetPasswordForm(Form):
    new_password = PasswordField(_l("New password"),
                                 validators=[DataRequired(), Length(min=10, max=1000)],
                                 description=_l("At least 10 characters."),
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(),
                                        EqualTo("new_password",
                                                message=_l("The passwords do not match."))],
                            render_kw={"autocomplete": "new-password"})


class PasswordChangeForm(SetPasswordForm):
    current_password = PasswordField(_l("Current password"),
                                     validators=[DataRequired(), Length(max=1000)],
                                     render_kw={"autocomplete": "current-password"})


class CodeForm(Form):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)],
                       description=_l("The six digits your authenticator app shows, or one of "
                                      "your recovery codes."),
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text",
                                  "spellcheck": "false"})


class DisableTwoFactorForm(Form):
    password = PasswordField(_l("Current password"),
                             validators=[DataRequired(), Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})
