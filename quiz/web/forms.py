"""WTForms for accounts and settings."""

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import DecimalField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange

from quiz.services.accounts import PASSWORD_MAX, PASSWORD_MIN

password_length = Length(
    min=PASSWORD_MIN, max=PASSWORD_MAX, message=f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters."
)


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=PASSWORD_MAX)])


class RegisterForm(FlaskForm):
    name = StringField("Your name", validators=[InputRequired(), Length(max=100)])
    email = EmailField("E-mail", validators=[InputRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[InputRequired(), password_length])
    confirm = PasswordField(
        "Repeat the password",
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[InputRequired()])
    password = PasswordField("New password", validators=[InputRequired(), password_length])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class StudySettingsForm(FlaskForm):
    new_per_day = IntegerField(
        "New cards a day",
        validators=[InputRequired(), NumberRange(0, 9999, "Use a number from 0 to 9999.")],
    )
    reviews_per_day = IntegerField(
        "Reviews a day",
        validators=[InputRequired(), NumberRange(0, 9999, "Use a number from 0 to 9999.")],
    )
    desired_retention = DecimalField(
        "Desired retention",
        places=2,
        validators=[InputRequired(), NumberRange(0.70, 0.97, "Use a value from 0.70 to 0.97.")],
    )
    timezone = SelectField("Time zone", validators=[InputRequired()])
    leech_action = SelectField(
        "When a card becomes a leech",
        choices=[SelectChoice("tag", "Tag it only"), SelectChoice("suspend", "Tag and suspend it")],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.timezone.choices = sorted(available_timezones())
