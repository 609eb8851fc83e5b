"""WTForms for accounts, settings and practice quizzes."""

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    DecimalField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import EqualTo, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from quiz.services.accounts import PASSWORD_MAX, PASSWORD_MIN

YEARS = (1900, 9998)  # any time zone's offset keeps these dates within Python's years 1–9999


class FiniteDecimalField(DecimalField):
    """A decimal number; "NaN", "sNaN" and "Infinity" are not numbers here."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError("Enter a number, such as 0.9.")


class MomentField(DateTimeLocalField):
    """A date and time typed in the user's time zone, from 1900 to 9998."""

    def __init__(self, label: str, **kwargs):
        super().__init__(label, format="%Y-%m-%dT%H:%M", validators=[Optional()], **kwargs)

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not YEARS[0] <= self.data.year <= YEARS[1]:
            self.data = None
            raise ValueError(f"Use a date from {YEARS[0]} to {YEARS[1]}.")


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


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail", validators=[InputRequired(), Length(max=254)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[InputRequired(), password_length])
    confirm = PasswordField(
        "Repeat the new password",
        validators=[InputRequired(), EqualTo("password", message="The passwords do not match.")],
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField("Your password", validators=[InputRequired()])


class StudySettingsForm(FlaskForm):
    new_per_day = IntegerField(
        "New cards a day",
        validators=[InputRequired(), NumberRange(0, 9999, "Use a number from 0 to 9999.")],
    )
    reviews_per_day = IntegerField(
        "Reviews a day",
        validators=[InputRequired(), NumberRange(0, 9999, "Use a number from 0 to 9999.")],
    )
    desired_retention = FiniteDecimalField(
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


class ClassForm(FlaskForm):
    name = StringField("Class name", validators=[InputRequired(), Length(max=120)])


class JoinForm(FlaskForm):
    code = StringField("Join code", validators=[InputRequired(), Length(max=40)])


class AssignmentForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=200)])
    open_at = MomentField("Opens")
    due_at = MomentField("Due")
    time_limit_min = IntegerField(
        "Time limit in minutes (optional)",
        validators=[Optional(), NumberRange(1, 600, "Use 1 to 600 minutes, or leave it empty.")],
    )
    attempts_allowed = IntegerField(
        "Attempts allowed (empty: unlimited)",
        default=1,
        validators=[Optional(), NumberRange(1, 100, "Use 1 to 100, or leave it empty.")],
    )
    grading_method = SelectField(
        "Grading method",
        choices=_choices(
            [
                ("highest", "Highest grade"),
                ("average", "Average grade"),
                ("first", "First attempt"),
                ("last", "Last attempt"),
            ]
        ),
    )
    review = SelectField(
        "Students see answers and feedback",
        choices=_choices(
            [
                ("immediately", "Right after they submit"),
                ("after_due", "After the due date"),
                ("never", "Never (score only)"),
            ]
        ),
    )
    late_policy = SelectField(
        "After the due date",
        choices=_choices(
            [("closed", "Closed: no more answers"), ("accept", "Accepted, and marked late")]
        ),
    )
    shuffle = BooleanField("Shuffle questions and options", default=True)
    mode = RadioField(
        "Questions",
        default="rules",
        choices=_choices(
            [
                ("rules", "A random draw for each student, by the rules below"),
                ("fixed", "The questions I pick"),
            ]
        ),
    )
    topics = CheckboxesField("Topics", coerce=str)
    kinds = CheckboxesField("Kinds", coerce=str)
    types = CheckboxesField("Types", coerce=str)
    difficulties = CheckboxesField(
        "Difficulty", coerce=int, choices=_choices([(1, "Easy"), (2, "Medium"), (3, "Hard")])
    )
    count = IntegerField(
        "Number of questions",
        default=10,
        validators=[Optional(), NumberRange(5, 50, "Ask for 5 to 50 questions.")],
    )
    question_ids = CheckboxesField("Picked questions", coerce=int)


class OverrideForm(FlaskForm):
    student = SelectField("Student", coerce=int)
    extra_minutes = IntegerField(
        "Extra minutes", default=0, validators=[NumberRange(0, 1440, "Use 0 to 1440 minutes.")]
    )
    time_factor = FiniteDecimalField(
        "Time factor",
        default=1,
        places=2,
        validators=[NumberRange(1, 5, "Use a factor from 1 (none) to 5.")],
    )
    due_at = MomentField("Own due date")
    extra_attempts = IntegerField(
        "Extra attempts", default=0, validators=[NumberRange(0, 100, "Use 0 to 100.")]
    )


class QuestionForm(FlaskForm):
    topic = SelectField("Topic", coerce=int)
    kind = SelectField("Kind")
    type = SelectField("Type")
    difficulty = SelectField(
        "Difficulty", coerce=int, choices=_choices([(1, "Easy"), (2, "Medium"), (3, "Hard")])
    )
    prompt = TextAreaField(
        "Question", validators=[InputRequired(), Length(max=2000)], render_kw={"rows": 3}
    )
    options = TextAreaField(
        "Options (multiple choice, select all): one per line; start each right one with *",
        render_kw={"rows": 5},
    )
    answer_bool = RadioField(
        "The statement is (true or false)",
        choices=_choices([("true", "True"), ("false", "False")]),
        validators=[Optional()],
    )
    accepted = TextAreaField(
        "Accepted answers (short answer): one per line; the first is shown",
        render_kw={"rows": 3},
    )
    is_name = BooleanField("These are names: accept small typos")
    number = StringField("Answer (number)")
    tolerance = StringField("Tolerance (number; 0 for exact)")
    unit = StringField("Unit (number; optional)")
    pairs = TextAreaField(
        "Pairs (matching): one per line, written left = right", render_kw={"rows": 4}
    )
    items = TextAreaField(
        "Items (ordering): one per line, in the right order", render_kw={"rows": 4}
    )
    cloze_text = TextAreaField(
        "Text with blanks (fill in the blanks): write each blank as {{answer}} or "
        "{{answer|alternative}}",
        render_kw={"rows": 3},
    )
    explanation = TextAreaField(
        "Explanation: why the answer is right, with context from the article",
        validators=[InputRequired(), Length(max=4000)],
        render_kw={"rows": 3},
    )
    quote = TextAreaField(
        "Source quote: a sentence or clause copied from the article that proves the answer",
        validators=[InputRequired(), Length(max=2000)],
        render_kw={"rows": 2},
    )


class ImportForm(FlaskForm):
    """A file (or pasted Quizlet text) to import into an instructor's questions."""

    file = FileField("A file: GIFT (.gift, .txt), Moodle XML (.xml), CSV (.csv) or Quizlet (.txt)")
    pasted = TextAreaField(
        "Or paste Quizlet-style text: one card per line, the term, a tab, its definition",
        validators=[Optional(), Length(max=1_000_000)],
        render_kw={"rows": 4},
    )
    format = SelectField("Format")
    topic = SelectField("Topic for questions whose file names none")
