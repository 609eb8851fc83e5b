"""WTForms for accounts, settings and practice quizzes."""

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

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


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


class CheckboxesField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PracticeQuizForm(FlaskForm):
    topics = CheckboxesField("Topics", coerce=str)
    kinds = CheckboxesField("Kinds of question", coerce=str)
    types = CheckboxesField("Question types", coerce=str)
    difficulties = CheckboxesField(
        "Difficulty", coerce=int, choices=_choices([(1, "Easy"), (2, "Medium"), (3, "Hard")])
    )
    count = IntegerField(
        "Number of questions",
        default=10,
        validators=[InputRequired(), NumberRange(5, 50, "Ask for 5 to 50 questions.")],
    )
    feedback = RadioField(
        "Feedback",
        default="deferred",
        choices=_choices(
            [
                ("deferred", "At the end: a score, then every answer explained"),
                ("immediate", "After each question: check it and see why"),
            ]
        ),
    )
    time_limit = IntegerField(
        "Time limit in minutes (optional)",
        validators=[Optional(), NumberRange(1, 300, "Use 1 to 300 minutes, or leave it empty.")],
    )
    shuffle = BooleanField("Shuffle the answer options", default=True)
