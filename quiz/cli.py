"""The `quiz` command line: the project's commands over create_app.

Not Flask's FlaskGroup: that one offers `run` (the development server), `shell`, `routes`
and the generic -e/-A/--debug options, and loads the app just to print --help. The server
is gunicorn with gunicorn.conf.py (`make run`).
"""

import secrets
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, ScriptInfo
from flask_migrate.cli import db as db_commands
from sqlalchemy import select

from quiz import create_app
from quiz.bank.reader import SOURCE_FILE
from quiz.bank.stats import bank_stats
from quiz.bank.validate import check, count_errors, default_seeds_dir
from quiz.bank.validate import main as validate_main
from quiz.config import ROOT, instance_path
from quiz.db import db
from quiz.joblock import job_lock
from quiz.models import ReviewLog, Role, User
from quiz.services import accounts, quizzes, study
from quiz.services.bank_sync import sync_bank


class QuizGroup(AppGroup):
    """A command group whose commands run inside create_app()'s app context when they need it."""

    def make_context(self, info_name, args, parent=None, **extra):
        # The test runner passes its own ScriptInfo; otherwise every invocation builds the app
        # from the environment, once, and only if a command needs it.
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(create_app=create_app, set_debug_flag=False)
        return super().make_context(info_name, args, parent=parent, **extra)


@click.group(cls=QuizGroup)
def main() -> None:
    """Manage the quiz app: database, question bank, users.

    Serve it with `make run` (gunicorn with gunicorn.conf.py), not with a command here.
    """


main.add_command(db_commands, "db")


@main.command("init-secret", with_appcontext=False)
@click.option(
    "--path",
    type=click.Path(),
    help="Where to write it (default: secret_key in QUIZ_INSTANCE_PATH, or in instance/).",
)
def init_secret(path: str | None) -> None:
    """Write a random SECRET_KEY to the instance folder if there is none."""
    target = Path(path) if path else instance_path() / "secret_key"
    if target.exists():
        click.echo(f"{target} exists; keeping it.")
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch(mode=0o600)
    target.write_text(secrets.token_hex(32) + "\n")
    click.echo(f"Wrote a new secret key to {target}.")


@main.group()
def user() -> None:
    """Manage accounts."""


@user.command("create")
@click.option("--email", required=True, help="Login e-mail address.")
@click.option("--name", required=True, help="Name shown in the app.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.STUDENT.value,
    show_default=True,
)
@click.password_option(help="Password (asked for if not given).")
def create_user(email: str, name: str, role: str, password: str) -> None:
    """Create an account (e.g. an instructor: --role instructor)."""
    try:
        created = accounts.create_user(email, name, password, Role(role))
    except accounts.AccountError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    click.echo(f"Created {created.role.value} {created.email} (id {created.id}).")


@main.group()
def bank() -> None:
    """Check, load and count the question bank."""


def _bank_path(path: str | None) -> Path:
    return Path(path) if path else ROOT / "question_bank"


@bank.command("validate", with_appcontext=False)
@click.argument("path", required=False, type=click.Path())
@click.option("--seeds", type=click.Path(), help="Seed texts (default: seeds/ of the project).")
def bank_validate(path: str | None, seeds: str | None) -> None:
    """Check the bank (or one source folder); list every error; exit 1 on any."""
    sys.exit(validate_main([str(_bank_path(path))] + (["--seeds", seeds] if seeds else [])))


@bank.command("stats", with_appcontext=False)
@click.argument("path", required=False, type=click.Path())
def bank_stats_command(path: str | None) -> None:
    """Print the number of items per topic, kind, type and difficulty; exit 1 on any error."""
    target = _bank_path(path)
    sources, items, errors = check(target, default_seeds_dir(target))
    for line in bank_stats(sources, items):
        click.echo(line)
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        click.echo(f"Incomplete counts: {count_errors(errors)} (broken items left out).", err=True)
        sys.exit(1)


@bank.command("load")
@click.argument("path", required=False, type=click.Path())
def bank_load(path: str | None) -> None:
    """Sync the bank into the database: add new, update changed, archive removed."""
    target = _bank_path(path)
    whole_bank = not (target / SOURCE_FILE).is_file()
    seeds_dir = default_seeds_dir(target)
    sources, items, errors = check(target, seeds_dir)
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        click.echo(f"Not loaded: {count_errors(errors)} (nothing was changed).", err=True)
        sys.exit(1)
    report = sync_bank(sources, items, seeds_dir, archive_missing_sources=whole_bank)
    click.echo(str(report))


def _another_run(job: str) -> None:
    click.echo(
        f"Another `quiz {job}` is running (on this host or another one); this one did nothing."
    )


@main.group("fsrs")
def fsrs_group() -> None:
    """Spaced-repetition maintenance."""


@fsrs_group.command("optimize")
@click.option("--all", "everyone", is_flag=True, help="Every user with review history (for cron).")
@click.option("--email", help="One user, by e-mail.")
def fsrs_optimize(everyone: bool, email: str | None) -> None:
    """Fit FSRS parameters to each user's history; keep them only where they fit better."""
    if everyone == bool(email):
        click.echo("Error: give either --all or --email.", err=True)
        sys.exit(2)
    with job_lock("fsrs-optimize") as held:
        if not held:
            _another_run("fsrs optimize")
            return
        query = select(User).where(User.id.in_(select(ReviewLog.user_id)))
        if email:
            query = select(User).where(User.email == accounts.normalize_email(email))
        users = db.session.scalars(query.order_by(User.id)).all()
        if email and not users:
            click.echo(f"Error: no user with the e-mail {email}.", err=True)
            sys.exit(1)
        with click.progressbar(users, label="Optimising", file=sys.stderr) as bar:
            results = [(user.email, study.optimize_user(user)) for user in bar]
    changed = 0
    for address, result in results:
        changed += result.changed
        click.echo(f"{address}: {result.message}")
    click.echo(f"{changed} of {len(results)} users got new parameters.")


@main.group()
def attempts() -> None:
    """Quiz attempts."""


@attempts.command("close-overdue")
def attempts_close_overdue() -> None:
    """Close every attempt past its deadline and grace period, grading what was saved.

    Safe from a timer on every host: a run that finds another one running does nothing.
    """
    with job_lock("close-overdue") as held:
        if not held:
            _another_run("attempts close-overdue")
            return
        closed = quizzes.close_overdue()
    click.echo(f"{closed} overdue attempt{'' if closed == 1 else 's'} closed.")
